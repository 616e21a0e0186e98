// GetMember, UpdatePosition, DeletePosition and DeleteCadre through the real
// server and MariaDB: the happy path, bad input naming the field, missing
// resources, etags, update masks, and each write in the change feed.

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/registry/registry_fixture.h"

namespace chibo::registry {
namespace {

using grpc::StatusCode;

class RegistryWritesTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    cell_ = MakeCell("2020-01-01");
    member_ = MakeMember(cell_.name(), "Vũ Thị Giang", v1::MEMBER_STATUS_FULL,
                         "2020-01-01");
  }

  // The last sequence in the feed now.
  static int64_t FeedHead() {
    int64_t head = 0;
    for (;;) {
      feed::v1::ListChangesRequest request;
      request.set_after_sequence(head);
      request.set_page_size(1000);
      feed::v1::ListChangesResponse page;
      grpc::Status status = feed().ListChanges(Context().get(), request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok() || page.changes_size() == 0) return head;
      head = page.last_sequence();
    }
  }

  // The changes after `after` that name `resource`, polled until at least
  // `want` have appeared (or 10 s have passed).
  static std::vector<feed::v1::Change> ChangesOf(const std::string& resource,
                                                 int64_t after,
                                                 size_t want = 1) {
    std::vector<feed::v1::Change> found;
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    int64_t cursor = after;
    while (absl::Now() < deadline) {
      feed::v1::ListChangesRequest request;
      request.set_after_sequence(cursor);
      request.set_page_size(1000);
      feed::v1::ListChangesResponse page;
      grpc::Status status = feed().ListChanges(Context().get(), request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const auto& change : page.changes()) {
        if (change.resource() == resource) found.push_back(change);
      }
      if (page.changes_size() > 0) cursor = page.last_sequence();
      if (found.size() >= want) break;
      if (page.changes_size() == 0) absl::SleepFor(absl::Milliseconds(20));
    }
    return found;
  }

  v1::Position MakePosition(const std::string& start, const std::string& end,
                            v1::PositionRole role = v1::POSITION_ROLE_SECRETARY,
                            const std::string& member = "") {
    v1::CreatePositionRequest create;
    create.mutable_position()->set_organization(cell_.name());
    create.mutable_position()->set_member(member.empty() ? member_.name()
                                                         : member);
    create.mutable_position()->set_role(role);
    create.mutable_position()->set_term_start(start);
    create.mutable_position()->set_term_end(end);
    v1::Position created;
    grpc::Status status =
        stub().CreatePosition(Context().get(), create, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }

  v1::Cadre MakeCadre() {
    v1::CreateCadreRequest create;
    create.mutable_cadre()->set_committee(cell_.parent());
    create.mutable_cadre()->set_member(member_.name());
    create.mutable_cadre()->set_title("Trưởng ban Tổ chức");
    create.mutable_cadre()->set_valid_from("2021-01-01");
    v1::Cadre created;
    grpc::Status status = stub().CreateCadre(Context().get(), create, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }

  std::vector<v1::Position> Positions() {
    v1::ListPositionsRequest list;
    list.set_organization(cell_.name());
    v1::ListPositionsResponse response;
    grpc::Status status =
        stub().ListPositions(Context().get(), list, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.positions().begin(), response.positions().end()};
  }

  std::vector<v1::Cadre> Cadres() {
    v1::ListCadresRequest list;
    list.set_committee(cell_.parent());
    v1::ListCadresResponse response;
    grpc::Status status = stub().ListCadres(Context().get(), list, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.cadres().begin(), response.cadres().end()};
  }

  grpc::Status Update(const v1::Position& position,
                      const std::vector<std::string>& paths,
                      v1::Position* out) {
    v1::UpdatePositionRequest update;
    *update.mutable_position() = position;
    for (const std::string& path : paths) {
      update.mutable_update_mask()->add_paths(path);
    }
    return stub().UpdatePosition(Context().get(), update, out);
  }

  v1::Organization cell_;
  v1::Member member_;
};

// ---- GetMember ----

TEST_F(RegistryWritesTest, GetMemberReadsWhatWasCreated) {
  v1::CreateMemberRequest create;
  create.mutable_member()->set_display_name("Nguyễn Thị Hương");
  create.mutable_member()->set_birth_date("1990-05-19");
  create.mutable_member()->set_gender(v1::GENDER_FEMALE);
  // Digits unique to this run: card and citizen ids are unique keys.
  const std::string digits = absl::StrCat(absl::ToUnixMicros(absl::Now()));
  create.mutable_member()->set_party_card_number(digits);
  create.mutable_member()->set_citizen_id(digits.substr(digits.size() - 12));
  create.set_cell(cell_.name());
  create.set_status(v1::MEMBER_STATUS_PROBATIONARY);
  create.set_joined_date("2024-03-01");
  v1::Member created;
  ASSERT_TRUE(stub().CreateMember(Context().get(), create, &created).ok());

  v1::GetMemberRequest get;
  get.set_name(created.name());
  v1::Member read;
  ASSERT_TRUE(stub().GetMember(Context().get(), get, &read).ok());
  EXPECT_EQ(read.name(), created.name());
  EXPECT_EQ(read.display_name(), "Nguyễn Thị Hương");
  EXPECT_EQ(read.birth_date(), "1990-05-19");
  EXPECT_EQ(read.gender(), v1::GENDER_FEMALE);
  EXPECT_EQ(read.party_card_number(), create.member().party_card_number());
  EXPECT_EQ(read.citizen_id(), create.member().citizen_id());
  EXPECT_EQ(read.cell(), cell_.name());
  EXPECT_EQ(read.status(), v1::MEMBER_STATUS_PROBATIONARY);
  EXPECT_EQ(read.etag(), created.etag());
  EXPECT_FALSE(read.etag().empty());
  EXPECT_TRUE(read.has_create_time());

  // After a status change and a transfer, Get shows today's cell and
  // status.
  v1::ChangeMemberStatusRequest full;
  full.set_member(created.name());
  full.set_status(v1::MEMBER_STATUS_FULL);
  full.set_effective_date("2025-06-01");
  v1::Member changed;
  ASSERT_TRUE(stub().ChangeMemberStatus(Context().get(), full, &changed).ok());
  v1::Organization other =
      MakeOrg("Chi bộ Phòng Hành chính", v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
              cell_.parent(), "2020-01-01");
  v1::TransferMemberRequest transfer;
  transfer.set_member(created.name());
  transfer.set_to_cell(other.name());
  transfer.set_effective_date("2025-07-01");
  v1::Member moved;
  ASSERT_TRUE(stub().TransferMember(Context().get(), transfer, &moved).ok());
  read.Clear();
  ASSERT_TRUE(stub().GetMember(Context().get(), get, &read).ok());
  EXPECT_EQ(read.cell(), other.name());
  EXPECT_EQ(read.status(), v1::MEMBER_STATUS_FULL);
  EXPECT_EQ(read.etag(), moved.etag());
}

TEST_F(RegistryWritesTest, GetMemberNamesBadAndMissingMembers) {
  v1::GetMemberRequest get;
  v1::Member out;
  ExpectError(stub().GetMember(Context().get(), get, &out),
              StatusCode::INVALID_ARGUMENT, "name");
  for (const char* bad : {"members/abc", "members/0", "members/-3",
                          "organizations/1", "members/", "members/1/x"}) {
    get.set_name(bad);
    ExpectError(stub().GetMember(Context().get(), get, &out),
                StatusCode::INVALID_ARGUMENT, "name: must be members/{id}");
  }
  get.set_name("members/987654321");
  ExpectError(stub().GetMember(Context().get(), get, &out),
              StatusCode::NOT_FOUND, "members/987654321");

  // A deleted member is gone.
  v1::Member gone = MakeMember(cell_.name(), "Lê Văn Tám");
  v1::DeleteMemberRequest del;
  del.set_name(gone.name());
  google::protobuf::Empty empty;
  ASSERT_TRUE(stub().DeleteMember(Context().get(), del, &empty).ok());
  get.set_name(gone.name());
  ExpectError(stub().GetMember(Context().get(), get, &out),
              StatusCode::NOT_FOUND, gone.name());
}

// ---- UpdatePosition ----

TEST_F(RegistryWritesTest, UpdatePositionChangesOnlyTheMaskedFields) {
  const v1::Position position = MakePosition("2020-10-01", "2025-09-30");
  const int64_t head = FeedHead();

  // term_start is sent changed but not masked: only term_end moves.
  v1::Position request = position;
  request.set_term_start("2019-01-01");
  request.set_term_end("2025-12-31");
  request.set_role(v1::POSITION_ROLE_COMMITTEE_MEMBER);
  v1::Position updated;
  grpc::Status status = Update(request, {"term_end"}, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.name(), position.name());
  EXPECT_EQ(updated.term_start(), "2020-10-01");
  EXPECT_EQ(updated.term_end(), "2025-12-31");
  EXPECT_EQ(updated.role(), v1::POSITION_ROLE_SECRETARY);
  EXPECT_EQ(updated.member(), member_.name());
  EXPECT_NE(updated.etag(), position.etag());

  // Clearing term_end reopens the term ("in office").
  v1::Position reopen = updated;
  reopen.clear_term_end();
  v1::Position open;
  ASSERT_TRUE(Update(reopen, {"term_end"}, &open).ok());
  EXPECT_EQ(open.term_end(), "");

  // Both fields at once.
  v1::Position both = open;
  both.set_term_start("2020-11-01");
  both.set_term_end("2025-10-31");
  v1::Position after;
  ASSERT_TRUE(Update(both, {"term_start", "term_end"}, &after).ok());
  EXPECT_EQ(after.term_start(), "2020-11-01");
  EXPECT_EQ(after.term_end(), "2025-10-31");

  // The list shows what Update returned.
  std::vector<v1::Position> listed = Positions();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].term_start(), "2020-11-01");
  EXPECT_EQ(listed[0].term_end(), "2025-10-31");
  EXPECT_EQ(listed[0].etag(), after.etag());

  // Each update is in the feed, for the cell, as the position after it.
  std::vector<feed::v1::Change> changes = ChangesOf(position.name(), head, 3);
  ASSERT_EQ(changes.size(), 3u);
  for (const auto& change : changes) {
    EXPECT_EQ(change.action(), "updated");
    EXPECT_EQ(change.organization(), cell_.name());
    EXPECT_EQ(change.method(),
              "chibo.registry.v1.RegistryService/UpdatePosition");
  }
  EXPECT_TRUE(absl::StrContains(changes[2].payload_json(), "2025-10-31"))
      << changes[2].payload_json();
}

TEST_F(RegistryWritesTest, UpdatePositionChecksTheMask) {
  const v1::Position position = MakePosition("2020-10-01", "");
  v1::Position request = position;
  request.set_term_end("2025-09-30");
  v1::Position out;
  ExpectError(Update(request, {}, &out), StatusCode::INVALID_ARGUMENT,
              "update_mask");
  for (const char* path : {"role", "member", "organization", "name", "etag"}) {
    ExpectError(Update(request, {"term_end", path}, &out),
                StatusCode::INVALID_ARGUMENT,
                absl::StrCat("update_mask: \"", path, "\""));
  }
  // Nothing changed.
  std::vector<v1::Position> listed = Positions();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].term_end(), "");
  EXPECT_EQ(listed[0].etag(), position.etag());
}

TEST_F(RegistryWritesTest, UpdatePositionNamesBadFields) {
  const v1::Position position = MakePosition("2020-10-01", "2025-09-30");
  const int64_t head = FeedHead();
  v1::Position out;

  v1::Position unnamed = position;
  unnamed.clear_name();
  ExpectError(Update(unnamed, {"term_end"}, &out), StatusCode::INVALID_ARGUMENT,
              "position.name");
  unnamed.set_name("members/1");
  ExpectError(Update(unnamed, {"term_end"}, &out), StatusCode::INVALID_ARGUMENT,
              "position.name");

  v1::Position bad_date = position;
  bad_date.set_term_end("2025-02-30");
  ExpectError(Update(bad_date, {"term_end"}, &out),
              StatusCode::INVALID_ARGUMENT, "position.term_end");
  bad_date = position;
  bad_date.set_term_start("1-10-2020");
  ExpectError(Update(bad_date, {"term_start"}, &out),
              StatusCode::INVALID_ARGUMENT, "position.term_start");

  v1::Position backwards = position;
  backwards.set_term_end("2019-12-31");
  ExpectError(Update(backwards, {"term_end"}, &out),
              StatusCode::INVALID_ARGUMENT, "position.term_end");

  v1::Position no_start = position;
  no_start.clear_term_start();
  ExpectError(Update(no_start, {"term_start"}, &out),
              StatusCode::INVALID_ARGUMENT, "position.term_start");

  // A refused update writes nothing, to the table or the feed.
  std::vector<v1::Position> listed = Positions();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].etag(), position.etag());
  EXPECT_EQ(FeedHead(), head);
}

TEST_F(RegistryWritesTest, UpdatePositionOfAMissingPositionIsNotFound) {
  v1::Position missing;
  missing.set_name("positions/987654321");
  missing.set_term_end("2025-09-30");
  v1::Position out;
  ExpectError(Update(missing, {"term_end"}, &out), StatusCode::NOT_FOUND,
              "positions/987654321");
}

TEST_F(RegistryWritesTest, UpdatePositionWithAStaleEtagIsAborted) {
  const v1::Position position = MakePosition("2020-10-01", "2025-09-30");
  v1::Position first = position;
  first.set_term_end("2025-10-31");
  v1::Position updated;
  ASSERT_TRUE(Update(first, {"term_end"}, &updated).ok());

  // Sent with the etag it was read with: someone else changed it since.
  v1::Position stale = position;
  stale.set_term_end("2025-11-30");
  v1::Position out;
  ExpectError(Update(stale, {"term_end"}, &out), StatusCode::ABORTED,
              position.name());
  // With the current etag it goes through; with none, too (last writer
  // wins, as AIP-154 allows).
  stale.set_etag(updated.etag());
  ASSERT_TRUE(Update(stale, {"term_end"}, &out).ok());
  EXPECT_EQ(out.term_end(), "2025-11-30");
  stale.clear_etag();
  stale.set_term_end("2025-12-31");
  ASSERT_TRUE(Update(stale, {"term_end"}, &out).ok());
  EXPECT_EQ(out.term_end(), "2025-12-31");
}

TEST_F(RegistryWritesTest, UpdatePositionKeepsOneSecretaryAtATime) {
  v1::Member next = MakeMember(cell_.name(), "Đỗ Văn Hải",
                               v1::MEMBER_STATUS_FULL, "2020-01-01");
  const v1::Position first = MakePosition("2020-10-01", "2025-09-30");
  const v1::Position second =
      MakePosition("2025-10-01", "", v1::POSITION_ROLE_SECRETARY, next.name());
  // Stretching the first term into the second's is refused, naming it.
  v1::Position longer = first;
  longer.set_term_end("2026-01-31");
  v1::Position out;
  ExpectError(Update(longer, {"term_end"}, &out),
              StatusCode::FAILED_PRECONDITION, second.name());
  // A deputy's term may overlap.
  const v1::Position deputy =
      MakePosition("2020-10-01", "2025-09-30",
                   v1::POSITION_ROLE_DEPUTY_SECRETARY, next.name());
  v1::Position deputy_longer = deputy;
  deputy_longer.set_term_end("2030-09-30");
  ASSERT_TRUE(Update(deputy_longer, {"term_end"}, &out).ok());
}

// ---- DeletePosition ----

TEST_F(RegistryWritesTest, DeletePositionRemovesItAndRecordsIt) {
  const v1::Position position = MakePosition("2020-10-01", "2025-09-30");
  const int64_t head = FeedHead();
  v1::DeletePositionRequest del;
  del.set_name(position.name());
  del.set_etag(position.etag());
  google::protobuf::Empty empty;
  ASSERT_TRUE(stub().DeletePosition(Context().get(), del, &empty).ok());
  EXPECT_TRUE(Positions().empty());

  std::vector<feed::v1::Change> changes = ChangesOf(position.name(), head);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].action(), "deleted");
  EXPECT_EQ(changes[0].organization(), cell_.name());
  EXPECT_EQ(changes[0].method(),
            "chibo.registry.v1.RegistryService/DeletePosition");

  // Deleting again: it is gone.
  ExpectError(stub().DeletePosition(Context().get(), del, &empty),
              StatusCode::NOT_FOUND, position.name());
  // And its member, who held nothing else, may now be deleted.
  v1::DeleteMemberRequest del_member;
  del_member.set_name(member_.name());
  ASSERT_TRUE(stub().DeleteMember(Context().get(), del_member, &empty).ok());
}

TEST_F(RegistryWritesTest, DeletePositionChecksNameAndEtag) {
  const v1::Position position = MakePosition("2020-10-01", "2025-09-30");
  v1::DeletePositionRequest del;
  google::protobuf::Empty empty;
  ExpectError(stub().DeletePosition(Context().get(), del, &empty),
              StatusCode::INVALID_ARGUMENT, "name");
  del.set_name("cadres/1");
  ExpectError(stub().DeletePosition(Context().get(), del, &empty),
              StatusCode::INVALID_ARGUMENT, "name: must be positions/{id}");
  del.set_name("positions/987654321");
  ExpectError(stub().DeletePosition(Context().get(), del, &empty),
              StatusCode::NOT_FOUND, "positions/987654321");

  // Changed since it was read: ABORTED, and it stays.
  v1::Position changed = position;
  changed.set_term_end("2025-10-31");
  v1::Position updated;
  ASSERT_TRUE(Update(changed, {"term_end"}, &updated).ok());
  const int64_t head = FeedHead();
  del.set_name(position.name());
  del.set_etag(position.etag());
  ExpectError(stub().DeletePosition(Context().get(), del, &empty),
              StatusCode::ABORTED, position.name());
  EXPECT_EQ(Positions().size(), 1u);
  EXPECT_EQ(FeedHead(), head);
  del.set_etag(updated.etag());
  ASSERT_TRUE(stub().DeletePosition(Context().get(), del, &empty).ok());
  EXPECT_TRUE(Positions().empty());
}

// ---- DeleteCadre ----

TEST_F(RegistryWritesTest, DeleteCadreRemovesItAndRecordsIt) {
  const v1::Cadre cadre = MakeCadre();
  ASSERT_EQ(Cadres().size(), 1u);
  const int64_t head = FeedHead();
  v1::DeleteCadreRequest del;
  del.set_name(cadre.name());
  del.set_etag(cadre.etag());
  google::protobuf::Empty empty;
  ASSERT_TRUE(stub().DeleteCadre(Context().get(), del, &empty).ok());
  EXPECT_TRUE(Cadres().empty());

  std::vector<feed::v1::Change> changes = ChangesOf(cadre.name(), head);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].action(), "deleted");
  // A cadre belongs to its committee's subtree.
  EXPECT_EQ(changes[0].organization(), cell_.parent());
  EXPECT_EQ(changes[0].method(),
            "chibo.registry.v1.RegistryService/DeleteCadre");

  ExpectError(stub().DeleteCadre(Context().get(), del, &empty),
              StatusCode::NOT_FOUND, cadre.name());
  // The person stays a member.
  v1::GetMemberRequest get;
  get.set_name(member_.name());
  v1::Member still;
  EXPECT_TRUE(stub().GetMember(Context().get(), get, &still).ok());
}

TEST_F(RegistryWritesTest, DeleteCadreChecksNameAndEtag) {
  const v1::Cadre cadre = MakeCadre();
  v1::DeleteCadreRequest del;
  google::protobuf::Empty empty;
  ExpectError(stub().DeleteCadre(Context().get(), del, &empty),
              StatusCode::INVALID_ARGUMENT, "name");
  del.set_name("positions/1");
  ExpectError(stub().DeleteCadre(Context().get(), del, &empty),
              StatusCode::INVALID_ARGUMENT, "name: must be cadres/{id}");
  del.set_name("cadres/987654321");
  ExpectError(stub().DeleteCadre(Context().get(), del, &empty),
              StatusCode::NOT_FOUND, "cadres/987654321");

  const int64_t head = FeedHead();
  del.set_name(cadre.name());
  del.set_etag("\"99\"");
  ExpectError(stub().DeleteCadre(Context().get(), del, &empty),
              StatusCode::ABORTED, cadre.name());
  EXPECT_EQ(Cadres().size(), 1u);
  EXPECT_EQ(FeedHead(), head);
  // Without an etag the delete is unconditional.
  del.clear_etag();
  ASSERT_TRUE(stub().DeleteCadre(Context().get(), del, &empty).ok());
  EXPECT_TRUE(Cadres().empty());
}

}  // namespace
}  // namespace chibo::registry
