// BulkUpsertMembers for a scoped caller (an integration system of province
// A): it must name its subtree, may not name another, and inside its own
// subtree a row whose cell lies elsewhere fails exactly as a row whose cell
// does not exist, while a member who sits elsewhere cannot be moved in.

#include <string>

#include "absl/strings/str_cat.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/auth/auth_fixture.h"

namespace chibo::auth {
namespace {

using registry::v1::BulkUpsertMembersRequest;
using registry::v1::BulkUpsertMembersResponse;
using registry::v1::MemberRow;

class BulkMemberScopeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto servers = SecuredServers::Start();
    ASSERT_TRUE(servers.ok()) << servers.status();
    servers_ = *std::move(servers);
    stub_ = registry::v1::RegistryService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", servers_->port()),
                            grpc::InsecureChannelCredentials()));
  }
  static void TearDownTestSuite() {
    stub_.reset();
    servers_.reset();
  }

  static grpc::Status Call(const std::string& token,
                           const BulkUpsertMembersRequest& request,
                           BulkUpsertMembersResponse* response) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    return stub_->BulkUpsertMembers(&context, request, response);
  }
  static std::string CellCode(const Province& province) {
    grpc::ClientContext context;
    context.AddMetadata("authorization",
                        "Bearer " + servers_->Token("system_admin", "*"));
    registry::v1::GetOrganizationRequest get;
    get.set_name(province.by_collection.at("organizations"));
    registry::v1::Organization cell;
    EXPECT_TRUE(stub_->GetOrganization(&context, get, &cell).ok());
    return cell.external_code();
  }
  static MemberRow Row(const std::string& card, const std::string& cell) {
    MemberRow row;
    row.set_party_card_number(card);
    row.set_display_name("Lê Văn Cường");
    row.set_cell_external_code(cell);
    row.set_status(registry::v1::MEMBER_STATUS_FULL);
    row.set_joined_date("2021-01-01");
    return row;
  }

  static std::unique_ptr<SecuredServers> servers_;
  static std::unique_ptr<registry::v1::RegistryService::Stub> stub_;
};

std::unique_ptr<SecuredServers> BulkMemberScopeTest::servers_;
std::unique_ptr<registry::v1::RegistryService::Stub> BulkMemberScopeTest::stub_;

TEST_F(BulkMemberScopeTest, ScopedCallerImportsOnlyIntoItsSubtree) {
  const std::string a_cell = CellCode(servers_->a());
  const std::string b_cell = CellCode(servers_->b());
  // A member of province B, imported by a system admin.
  BulkUpsertMembersRequest seed;
  *seed.add_rows() = Row("4400001", b_cell);
  BulkUpsertMembersResponse seeded;
  ASSERT_TRUE(Call(servers_->Token("system_admin", "*"), seed, &seeded).ok());
  ASSERT_EQ(seeded.results(0).action(), registry::v1::UPSERT_ACTION_CREATED)
      << seeded.results(0).error();

  const std::string token = servers_->Token(
      "integration", servers_->a().by_collection.at("province"));
  BulkUpsertMembersRequest request;
  *request.add_rows() = Row("4400002", b_cell);
  *request.add_rows() = Row("4400003", "NO-SUCH-CELL");
  *request.add_rows() = Row("4400001", a_cell);
  *request.add_rows() = Row("4400004", a_cell);
  BulkUpsertMembersResponse response;
  // Without a subtree, or with another province's, nothing is read.
  EXPECT_EQ(Call(token, request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  request.set_organization(servers_->b().by_collection.at("province"));
  EXPECT_EQ(Call(token, request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A viewer may not import at all.
  request.set_organization(servers_->a().by_collection.at("province"));
  EXPECT_EQ(Call(servers_->Token("viewer",
                                 servers_->a().by_collection.at("province")),
                 request, &response)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  ASSERT_TRUE(Call(token, request, &response).ok());
  ASSERT_EQ(response.results_size(), 4);
  // B's cell reads as no cell at all.
  EXPECT_EQ(response.results(0).error(),
            absl::StrCat("rows[0].cell_external_code: no cell has code \"",
                         b_cell, "\""));
  EXPECT_EQ(response.results(1).error(),
            "rows[1].cell_external_code: no cell has code \"NO-SUCH-CELL\"");
  // B's member cannot be pulled into A.
  EXPECT_EQ(response.results(2).action(), registry::v1::UPSERT_ACTION_FAILED);
  EXPECT_EQ(response.results(2).member(), "");
  EXPECT_EQ(response.results(3).action(), registry::v1::UPSERT_ACTION_CREATED)
      << response.results(3).error();
  auto cell_of_b_member = servers_->db().QueryInt(
      "SELECT ms.organization_id FROM memberships ms JOIN members m "
      "ON m.id = ms.member_id WHERE m.party_card_number = '4400001'");
  ASSERT_TRUE(cell_of_b_member.ok());
  EXPECT_EQ(absl::StrCat("organizations/", *cell_of_b_member),
            servers_->b().by_collection.at("organizations"));
}

}  // namespace
}  // namespace chibo::auth
