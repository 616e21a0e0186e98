// A page token is valid only for the list it came from: the same method
// and the same filters.

#include "tests/integration/registry/registry_fixture.h"

namespace chibo::registry {
namespace {

using grpc::StatusCode;

TEST_F(RegistryTest, PageTokensAreBoundToMethodAndFilters) {
  v1::Organization cell = MakeCell("2010-01-01");
  v1::CreatePositionRequest create;
  create.mutable_position()->set_organization(cell.name());
  create.mutable_position()->set_role(v1::POSITION_ROLE_SECRETARY);
  const char* const terms[][2] = {{"2015-10-01", "2020-09-30"},
                                  {"2020-10-01", "2025-09-30"}};
  for (const auto& term : terms) {
    v1::Member member = MakeMember(cell.name(), "Nông Văn Dũng",
                                   v1::MEMBER_STATUS_FULL, "2010-01-01");
    create.mutable_position()->set_member(member.name());
    create.mutable_position()->set_term_start(term[0]);
    create.mutable_position()->set_term_end(term[1]);
    v1::Position position;
    ASSERT_TRUE(stub().CreatePosition(Context().get(), create, &position).ok());
  }
  v1::ListPositionsRequest list;
  list.set_organization(cell.name());
  list.set_page_size(1);
  v1::ListPositionsResponse first;
  ASSERT_TRUE(stub().ListPositions(Context().get(), list, &first).ok());
  ASSERT_EQ(first.positions_size(), 1);
  ASSERT_FALSE(first.next_page_token().empty());

  // The same organisation's cadres: another method, another collection.
  v1::ListCadresRequest cadres;
  cadres.set_committee(cell.name());
  cadres.set_page_token(first.next_page_token());
  v1::ListCadresResponse no_cadres;
  ExpectError(stub().ListCadres(Context().get(), cadres, &no_cadres),
              StatusCode::INVALID_ARGUMENT, "page_token");

  // The same method with a filter changed.
  v1::ListPositionsRequest changed = list;
  changed.set_as_of_date("2024-01-01");
  changed.set_page_token(first.next_page_token());
  v1::ListPositionsResponse refused;
  ExpectError(stub().ListPositions(Context().get(), changed, &refused),
              StatusCode::INVALID_ARGUMENT, "page_token");

  // The same filters with another page size: the next page.
  v1::ListPositionsRequest next = list;
  next.set_page_size(5);
  next.set_page_token(first.next_page_token());
  v1::ListPositionsResponse second;
  ASSERT_TRUE(stub().ListPositions(Context().get(), next, &second).ok());
  ASSERT_EQ(second.positions_size(), 1);
  EXPECT_NE(second.positions(0).name(), first.positions(0).name());
  EXPECT_TRUE(second.next_page_token().empty());
}

}  // namespace
}  // namespace chibo::registry
