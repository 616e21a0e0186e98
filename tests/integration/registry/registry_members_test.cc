// Members, statuses, memberships, positions and cadres through the real
// server and MariaDB.

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/integration/registry/registry_fixture.h"

namespace chibo::registry {
namespace {

using grpc::StatusCode;

TEST_F(RegistryTest, CellMembersOnADateWithVotersAndDenominator) {
  v1::Organization cell = MakeCell("2020-01-01");
  v1::Member an = MakeMember(cell.name(), "Nguyễn Văn An",
                             v1::MEMBER_STATUS_FULL, "2020-01-01");
  v1::Member binh = MakeMember(cell.name(), "Trần Thị Bình",
                               v1::MEMBER_STATUS_PROBATIONARY, "2024-03-01");
  v1::Member cuong = MakeMember(cell.name(), "Lê Văn Cường",
                                v1::MEMBER_STATUS_FULL, "2020-01-01");
  EXPECT_EQ(an.cell(), cell.name());
  EXPECT_EQ(an.status(), v1::MEMBER_STATUS_FULL);

  // Cường is exempt (tuổi cao) from 2025.
  v1::ChangeMemberStatusRequest exempt;
  exempt.set_member(cuong.name());
  exempt.set_status(v1::MEMBER_STATUS_EXEMPT);
  exempt.set_effective_date("2025-01-01");
  exempt.set_reason("tuổi cao, sức yếu");
  v1::Member changed;
  ASSERT_TRUE(
      stub().ChangeMemberStatus(Context().get(), exempt, &changed).ok());
  EXPECT_EQ(changed.status(), v1::MEMBER_STATUS_EXEMPT);
  // History is appended, never rewritten.
  exempt.set_status(v1::MEMBER_STATUS_FULL);
  exempt.set_effective_date("2024-06-01");
  ExpectError(stub().ChangeMemberStatus(Context().get(), exempt, &changed),
              StatusCode::FAILED_PRECONDITION, "effective_date");

  v1::ListCellMembersRequest request;
  request.set_cell(cell.name());
  request.set_as_of_date("2024-06-01");
  v1::ListCellMembersResponse all;
  ASSERT_TRUE(stub().ListCellMembers(Context().get(), request, &all).ok());
  ASSERT_EQ(all.members_size(), 3);

  request.set_as_of_date("2025-06-01");
  request.set_filter(v1::CELL_MEMBER_FILTER_VOTERS);
  v1::ListCellMembersResponse voters;
  ASSERT_TRUE(stub().ListCellMembers(Context().get(), request, &voters).ok());
  ASSERT_EQ(voters.members_size(), 1);
  EXPECT_EQ(voters.members(0).member(), an.name());
  EXPECT_TRUE(voters.members(0).may_vote());

  request.set_filter(v1::CELL_MEMBER_FILTER_ATTENDANCE);
  v1::ListCellMembersResponse denominator;
  ASSERT_TRUE(
      stub().ListCellMembers(Context().get(), request, &denominator).ok());
  ASSERT_EQ(denominator.members_size(), 2);
  EXPECT_EQ(denominator.members(1).member(), binh.name());
  EXPECT_FALSE(denominator.members(1).may_vote());

  // Before Bình joined, only two members.
  request.set_as_of_date("2023-01-01");
  request.set_filter(v1::CELL_MEMBER_FILTER_ALL);
  v1::ListCellMembersResponse early;
  ASSERT_TRUE(stub().ListCellMembers(Context().get(), request, &early).ok());
  EXPECT_EQ(early.members_size(), 2);

  v1::ListMemberStatusesRequest statuses;
  statuses.set_member(cuong.name());
  v1::ListMemberStatusesResponse history;
  ASSERT_TRUE(
      stub().ListMemberStatuses(Context().get(), statuses, &history).ok());
  ASSERT_EQ(history.statuses_size(), 2);
  EXPECT_EQ(history.statuses(0).valid_to(), "2024-12-31");
  EXPECT_EQ(history.statuses(1).reason(), "tuổi cao, sức yếu");
}

TEST_F(RegistryTest, TransferKeepsExactlyOneCellAtATime) {
  v1::Organization from = MakeCell("2020-01-01");
  v1::Organization to =
      MakeOrg("Chi bộ Phòng Hành chính", v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
              from.parent(), "2020-01-01");
  v1::Member member = MakeMember(from.name(), "Phạm Văn Dũng",
                                 v1::MEMBER_STATUS_FULL, "2021-01-01");
  v1::TransferMemberRequest transfer;
  transfer.set_member(member.name());
  transfer.set_to_cell(from.parent());
  transfer.set_effective_date("2024-09-01");
  v1::Member moved;
  ExpectError(stub().TransferMember(Context().get(), transfer, &moved),
              StatusCode::FAILED_PRECONDITION, "not a cell");
  transfer.set_to_cell(to.name());
  transfer.set_request_id(Code("transfer"));
  ASSERT_TRUE(stub().TransferMember(Context().get(), transfer, &moved).ok());
  EXPECT_EQ(moved.cell(), to.name());
  ASSERT_TRUE(stub().TransferMember(Context().get(), transfer, &moved).ok());

  v1::ListMembershipsRequest memberships;
  memberships.set_member(member.name());
  v1::ListMembershipsResponse periods;
  ASSERT_TRUE(
      stub().ListMemberships(Context().get(), memberships, &periods).ok());
  ASSERT_EQ(periods.memberships_size(), 2);
  EXPECT_EQ(periods.memberships(0).cell(), from.name());
  EXPECT_EQ(periods.memberships(0).valid_to(), "2024-08-31");
  EXPECT_EQ(periods.memberships(1).cell(), to.name());

  v1::ListCellMembersRequest old_cell;
  old_cell.set_cell(from.name());
  old_cell.set_as_of_date("2024-08-31");
  v1::ListCellMembersResponse listed;
  ASSERT_TRUE(stub().ListCellMembers(Context().get(), old_cell, &listed).ok());
  EXPECT_EQ(listed.members_size(), 1);
  old_cell.set_as_of_date("2024-09-01");
  listed.Clear();
  ASSERT_TRUE(stub().ListCellMembers(Context().get(), old_cell, &listed).ok());
  EXPECT_EQ(listed.members_size(), 0);
}

TEST_F(RegistryTest, MembersBelongToCellsAndIdentityIsUnique) {
  v1::Organization cell = MakeCell();
  v1::CreateMemberRequest request;
  request.mutable_member()->set_display_name("Hoàng Văn Em");
  request.mutable_member()->set_citizen_id("001203004567");
  request.set_cell(cell.parent());
  request.set_status(v1::MEMBER_STATUS_FULL);
  v1::Member out;
  ExpectError(stub().CreateMember(Context().get(), request, &out),
              StatusCode::FAILED_PRECONDITION, "not a cell");
  request.set_cell(cell.name());
  request.set_status(v1::MEMBER_STATUS_EXEMPT);
  ExpectError(stub().CreateMember(Context().get(), request, &out),
              StatusCode::INVALID_ARGUMENT, "status");
  request.set_status(v1::MEMBER_STATUS_PROBATIONARY);
  ASSERT_TRUE(stub().CreateMember(Context().get(), request, &out).ok());
  v1::Member again;
  ExpectError(stub().CreateMember(Context().get(), request, &again),
              StatusCode::ALREADY_EXISTS, "member.citizen_id");

  v1::ListMembersRequest search;
  search.set_ancestor(cell.province());
  search.set_query("hoang van em");
  v1::ListMembersResponse found;
  ASSERT_TRUE(stub().ListMembers(Context().get(), search, &found).ok());
  ASSERT_EQ(found.members_size(), 1);
  EXPECT_EQ(found.members(0).name(), out.name());

  v1::UpdateMemberRequest update;
  *update.mutable_member() = out;
  update.mutable_member()->set_birth_date("1985-02-30");
  update.mutable_update_mask()->add_paths("birth_date");
  v1::Member updated;
  ExpectError(stub().UpdateMember(Context().get(), update, &updated),
              StatusCode::INVALID_ARGUMENT, "member.birth_date");
  update.mutable_member()->set_birth_date("1985-02-28");
  ASSERT_TRUE(stub().UpdateMember(Context().get(), update, &updated).ok());
  EXPECT_EQ(updated.birth_date(), "1985-02-28");

  v1::DeleteMemberRequest del;
  del.set_name(out.name());
  del.set_etag(out.etag());
  google::protobuf::Empty empty;
  ExpectError(stub().DeleteMember(Context().get(), del, &empty),
              StatusCode::ABORTED, out.name());
  del.set_etag(updated.etag());
  ASSERT_TRUE(stub().DeleteMember(Context().get(), del, &empty).ok());
}

// ListMembers by cell, by subtree and over everyone: each its own row set,
// paged by member id.
TEST_F(RegistryTest, ListMembersByCellSubtreeAndEveryone) {
  const v1::Organization a = MakeCell("2020-01-01");
  const v1::Organization b = MakeCell("2020-01-01");
  std::vector<std::string> in_a, in_b;
  for (int i = 0; i < 3; ++i) {
    in_a.push_back(MakeMember(a.name(), absl::StrCat("Lê Văn A", i),
                              v1::MEMBER_STATUS_FULL, "2020-01-01")
                       .name());
  }
  for (int i = 0; i < 2; ++i) {
    in_b.push_back(MakeMember(b.name(), absl::StrCat("Lê Thị B", i),
                              v1::MEMBER_STATUS_FULL, "2020-01-01")
                       .name());
  }
  // Every page of `request`, one member at a time.
  auto all_pages = [&](v1::ListMembersRequest request) {
    std::vector<std::string> names;
    request.set_page_size(1);
    do {
      v1::ListMembersResponse page;
      grpc::Status status = stub().ListMembers(Context().get(), request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const v1::Member& m : page.members()) names.push_back(m.name());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return names;
  };
  v1::ListMembersRequest by_cell;
  by_cell.set_cell(a.name());
  EXPECT_EQ(all_pages(by_cell), in_a);
  v1::ListMembersRequest by_subtree;
  by_subtree.set_ancestor(b.province());
  EXPECT_EQ(all_pages(by_subtree), in_b);
  by_subtree.set_ancestor(a.province());
  by_subtree.set_query("le van a1");
  EXPECT_EQ(all_pages(by_subtree), std::vector<std::string>{in_a[1]});
  v1::ListMembersRequest everyone;
  std::vector<std::string> listed = all_pages(everyone);
  for (const std::string& name : in_a) {
    EXPECT_EQ(std::count(listed.begin(), listed.end(), name), 1) << name;
  }
  for (const std::string& name : in_b) {
    EXPECT_EQ(std::count(listed.begin(), listed.end(), name), 1) << name;
  }
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end(),
                             [](const std::string& x, const std::string& y) {
                               return std::stoll(x.substr(8)) <
                                      std::stoll(y.substr(8));
                             }));
}

TEST_F(RegistryTest, PositionsAndCadres) {
  v1::Organization cell = MakeCell("2020-01-01");
  v1::Member secretary = MakeMember(cell.name(), "Vũ Thị Giang",
                                    v1::MEMBER_STATUS_FULL, "2020-01-01");
  v1::Member other = MakeMember(cell.name(), "Đỗ Văn Hải",
                                v1::MEMBER_STATUS_FULL, "2020-01-01");
  v1::CreatePositionRequest create;
  create.mutable_position()->set_organization(cell.name());
  create.mutable_position()->set_member(secretary.name());
  create.mutable_position()->set_role(v1::POSITION_ROLE_SECRETARY);
  create.mutable_position()->set_term_start("2020-10-01");
  create.mutable_position()->set_term_end("2025-09-30");
  v1::Position first;
  ASSERT_TRUE(stub().CreatePosition(Context().get(), create, &first).ok());
  create.mutable_position()->set_member(other.name());
  create.mutable_position()->set_term_start("2025-01-01");
  create.mutable_position()->clear_term_end();
  v1::Position overlapping;
  ExpectError(stub().CreatePosition(Context().get(), create, &overlapping),
              StatusCode::FAILED_PRECONDITION, first.name());
  create.mutable_position()->set_term_start("2025-10-01");
  v1::Position second;
  ASSERT_TRUE(stub().CreatePosition(Context().get(), create, &second).ok());

  v1::ListPositionsRequest list;
  list.set_organization(cell.name());
  list.set_as_of_date("2024-01-01");
  v1::ListPositionsResponse positions;
  ASSERT_TRUE(stub().ListPositions(Context().get(), list, &positions).ok());
  ASSERT_EQ(positions.positions_size(), 1);
  EXPECT_EQ(positions.positions(0).member(), secretary.name());

  v1::CreateCadreRequest cadre;
  cadre.mutable_cadre()->set_committee(cell.name());
  cadre.mutable_cadre()->set_member(secretary.name());
  cadre.mutable_cadre()->set_title("Ủy viên Ban Thường vụ");
  cadre.mutable_cadre()->set_valid_from("2020-10-01");
  v1::Cadre created;
  ExpectError(stub().CreateCadre(Context().get(), cadre, &created),
              StatusCode::FAILED_PRECONDITION, "committee");
  cadre.mutable_cadre()->set_committee(cell.parent());
  ASSERT_TRUE(stub().CreateCadre(Context().get(), cadre, &created).ok());
  EXPECT_EQ(created.display_name(), "Vũ Thị Giang");
  v1::ListCadresRequest cadres;
  cadres.set_committee(cell.parent());
  v1::ListCadresResponse listed;
  ASSERT_TRUE(stub().ListCadres(Context().get(), cadres, &listed).ok());
  ASSERT_EQ(listed.cadres_size(), 1);

  // Someone who holds a position cannot be deleted outright.
  v1::DeleteMemberRequest del;
  del.set_name(secretary.name());
  google::protobuf::Empty empty;
  ExpectError(stub().DeleteMember(Context().get(), del, &empty),
              StatusCode::FAILED_PRECONDITION, "positions");
}

}  // namespace
}  // namespace chibo::registry
