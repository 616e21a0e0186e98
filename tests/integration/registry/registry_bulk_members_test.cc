// BulkUpsertMembers through the public API: per-row errors that name the
// row and the field, good rows kept (or, all-or-nothing, none written), an
// identical re-run that changes nothing and emits no feed event, changes
// recorded as transfers and status changes from today, and 16 clients
// importing overlapping batches at once without an error reaching them.

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/dates.h"
#include "tests/integration/registry/registry_fixture.h"

namespace chibo::registry {
namespace {

class BulkMembersTest : public RegistryTest {
 protected:
  // A card number unique within the suite: digits only.
  static std::string Card() {
    static std::atomic<int64_t> next{absl::ToUnixMicros(absl::Now()) %
                                     1000000000};
    return absl::StrFormat("9%012d", next.fetch_add(1));
  }
  static v1::MemberRow Row(const std::string& card, const std::string& cell,
                           v1::MemberStatus status = v1::MEMBER_STATUS_FULL) {
    v1::MemberRow row;
    row.set_party_card_number(card);
    row.set_display_name(absl::StrCat("Đảng viên ", card));
    row.set_cell_external_code(cell);
    row.set_status(status);
    row.set_joined_date("2021-03-26");
    return row;
  }
  static v1::BulkUpsertMembersResponse Upsert(
      const v1::BulkUpsertMembersRequest& request) {
    v1::BulkUpsertMembersResponse response;
    grpc::Status status =
        stub().BulkUpsertMembers(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  int64_t Head() {
    feed::v1::ListChangesRequest request;
    request.set_page_size(1);
    feed::v1::ListChangesResponse page;
    EXPECT_TRUE(feed().ListChanges(Context().get(), request, &page).ok());
    return page.head_sequence();
  }
  int64_t CountMembersWithCard(const std::string& card) {
    auto count = db().QueryInt(absl::StrCat(
        "SELECT COUNT(*) FROM members WHERE party_card_number = '", card, "'"));
    EXPECT_TRUE(count.ok()) << count.status();
    return count.ok() ? *count : -1;
  }
};

TEST_F(BulkMembersTest, BadRowsFailAloneNamingRowAndField) {
  const v1::Organization cell = MakeCell("2020-01-01");
  const std::string good1 = Card(), good2 = Card(), dup = Card();
  v1::BulkUpsertMembersRequest request;
  *request.add_rows() = Row(good1, cell.external_code());
  *request.add_rows() = Row(Card(), "NO-SUCH-CELL");
  *request.add_rows() = Row(dup, cell.external_code());
  *request.add_rows() = Row(dup, cell.external_code());
  *request.add_rows() =
      Row(Card(), cell.external_code(), static_cast<v1::MemberStatus>(17));
  v1::MemberRow future = Row(Card(), cell.external_code());
  future.set_joined_date(FormatDate(TodayInVietnam() + 1));
  *request.add_rows() = future;
  // A committee, not a cell.
  *request.add_rows() =
      Row(Card(),
          MakeOrg("Đảng ủy cơ sở", v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE,
                  cell.parent())
              .external_code());
  *request.add_rows() =
      Row(good2, cell.external_code(), v1::MEMBER_STATUS_PROBATIONARY);
  const v1::BulkUpsertMembersResponse response = Upsert(request);
  ASSERT_EQ(response.results_size(), 8);
  EXPECT_TRUE(response.applied());
  const struct {
    v1::UpsertAction action;
    const char* error_prefix;
  } expected[] = {
      {v1::UPSERT_ACTION_CREATED, ""},
      {v1::UPSERT_ACTION_FAILED,
       "rows[1].cell_external_code: no cell has code \"NO-SUCH-CELL\""},
      {v1::UPSERT_ACTION_CREATED, ""},
      {v1::UPSERT_ACTION_FAILED, "rows[3].party_card_number: "},
      {v1::UPSERT_ACTION_FAILED, "rows[4].status: unknown value 17"},
      {v1::UPSERT_ACTION_FAILED, "rows[5].joined_date: "},
      {v1::UPSERT_ACTION_FAILED, "rows[6].cell_external_code: "},
      {v1::UPSERT_ACTION_CREATED, ""},
  };
  for (int i = 0; i < 8; ++i) {
    const v1::MemberRowResult& result = response.results(i);
    EXPECT_EQ(result.action(), expected[i].action) << i << result.error();
    EXPECT_TRUE(absl::StartsWith(result.error(), expected[i].error_prefix))
        << i << ": " << result.error();
    EXPECT_EQ(result.key(), request.rows(i).party_card_number());
    if (result.action() == v1::UPSERT_ACTION_CREATED) {
      v1::GetMemberRequest get;
      get.set_name(result.member());
      v1::Member member;
      ASSERT_TRUE(stub().GetMember(Context().get(), get, &member).ok());
      EXPECT_EQ(member.party_card_number(),
                request.rows(i).party_card_number());
      EXPECT_EQ(member.cell(), cell.name());
      EXPECT_EQ(member.status(), request.rows(i).status());
      EXPECT_EQ(member.display_name(), request.rows(i).display_name());
    }
  }
  EXPECT_TRUE(absl::StrContains(response.results(5).error(), "in the future"));
  EXPECT_TRUE(absl::StrContains(response.results(6).error(), "not a cell"));
  EXPECT_EQ(CountMembersWithCard(dup), 1);
}

TEST_F(BulkMembersTest, AllOrNothingWritesNothingWhenARowFails) {
  const v1::Organization cell = MakeCell("2020-01-01");
  const std::string card = Card();
  v1::BulkUpsertMembersRequest request;
  request.set_failure_mode(v1::BULK_FAILURE_MODE_ALL_OR_NOTHING);
  *request.add_rows() = Row(card, cell.external_code());
  *request.add_rows() = Row(Card(), "NO-SUCH-CELL");
  const int64_t head = Head();
  const v1::BulkUpsertMembersResponse response = Upsert(request);
  EXPECT_FALSE(response.applied());
  ASSERT_EQ(response.results_size(), 2);
  EXPECT_EQ(response.results(0).action(), v1::UPSERT_ACTION_CREATED);
  EXPECT_EQ(response.results(1).action(), v1::UPSERT_ACTION_FAILED);
  EXPECT_EQ(CountMembersWithCard(card), 0);
  EXPECT_EQ(Head(), head);
  // Without the bad row it goes in.
  request.mutable_rows()->RemoveLast();
  EXPECT_TRUE(Upsert(request).applied());
  EXPECT_EQ(CountMembersWithCard(card), 1);
}

TEST_F(BulkMembersTest, IdenticalRerunChangesNothingAndChangesAreDated) {
  const v1::Organization cell = MakeCell("2020-01-01");
  const v1::Organization other = MakeCell("2020-01-01");
  v1::BulkUpsertMembersRequest request;
  // More than one batch of the largest statement.
  for (int i = 0; i < 300; ++i) {
    v1::MemberRow row = Row(
        Card(), cell.external_code(),
        i % 10 == 0 ? v1::MEMBER_STATUS_PROBATIONARY : v1::MEMBER_STATUS_FULL);
    if (i % 3 == 0) {
      row.set_external_code(absl::StrCat("DV-", row.party_card_number()));
    }
    if (i % 7 == 0) {
      row.clear_party_card_number();
      row.set_external_code(Code("dv"));
    }
    if (i % 5 == 0) row.set_citizen_id(absl::StrFormat("0%011d", 7000000 + i));
    *request.add_rows() = row;
  }
  const int64_t before = Head();
  const v1::BulkUpsertMembersResponse first = Upsert(request);
  for (const auto& result : first.results()) {
    ASSERT_EQ(result.action(), v1::UPSERT_ACTION_CREATED) << result.error();
  }
  const int64_t after_first = Head();
  EXPECT_EQ(after_first - before, 300);
  const v1::BulkUpsertMembersResponse second = Upsert(request);
  for (int i = 0; i < second.results_size(); ++i) {
    EXPECT_EQ(second.results(i).action(), v1::UPSERT_ACTION_UNCHANGED)
        << second.results(i).error();
    EXPECT_EQ(second.results(i).member(), first.results(i).member());
  }
  EXPECT_EQ(Head(), after_first);

  // One moved, one with a new status, one renamed.
  request.mutable_rows(1)->set_cell_external_code(other.external_code());
  request.mutable_rows(2)->set_status(v1::MEMBER_STATUS_EXEMPT);
  request.mutable_rows(4)->set_display_name("Trần Thị Bình");
  const v1::BulkUpsertMembersResponse third = Upsert(request);
  EXPECT_EQ(third.results(1).action(), v1::UPSERT_ACTION_MOVED);
  EXPECT_EQ(third.results(2).action(), v1::UPSERT_ACTION_UPDATED);
  EXPECT_EQ(third.results(4).action(), v1::UPSERT_ACTION_UPDATED);
  EXPECT_EQ(third.results(3).action(), v1::UPSERT_ACTION_UNCHANGED);
  EXPECT_EQ(Head(), after_first + 3);
  const std::string today = FormatDate(TodayInVietnam());
  v1::ListMembershipsRequest memberships;
  memberships.set_member(first.results(1).member());
  v1::ListMembershipsResponse history;
  ASSERT_TRUE(
      stub().ListMemberships(Context().get(), memberships, &history).ok());
  ASSERT_EQ(history.memberships_size(), 2);
  EXPECT_EQ(history.memberships(0).cell(), cell.name());
  EXPECT_EQ(history.memberships(1).cell(), other.name());
  EXPECT_EQ(history.memberships(1).valid_from(), today);
  v1::ListMemberStatusesRequest statuses;
  statuses.set_member(first.results(2).member());
  v1::ListMemberStatusesResponse status_history;
  ASSERT_TRUE(
      stub()
          .ListMemberStatuses(Context().get(), statuses, &status_history)
          .ok());
  ASSERT_EQ(status_history.statuses_size(), 2);
  EXPECT_EQ(status_history.statuses(1).status(), v1::MEMBER_STATUS_EXEMPT);
  EXPECT_EQ(status_history.statuses(1).valid_from(), today);
  // Changed again the same day: today's period is replaced, not stacked.
  request.mutable_rows(2)->set_status(v1::MEMBER_STATUS_TEMPORARILY_EXEMPT);
  EXPECT_EQ(Upsert(request).results(2).action(), v1::UPSERT_ACTION_UPDATED);
  ASSERT_TRUE(
      stub()
          .ListMemberStatuses(Context().get(), statuses, &status_history)
          .ok());
  ASSERT_EQ(status_history.statuses_size(), 2);
  EXPECT_EQ(status_history.statuses(1).status(),
            v1::MEMBER_STATUS_TEMPORARILY_EXEMPT);
  v1::GetMemberRequest get;
  get.set_name(first.results(4).member());
  v1::Member renamed;
  ASSERT_TRUE(stub().GetMember(Context().get(), get, &renamed).ok());
  EXPECT_EQ(renamed.display_name(), "Trần Thị Bình");
}

TEST_F(BulkMembersTest, NumbersOfAnotherMemberAreRowErrors) {
  const v1::Organization cell = MakeCell("2020-01-01");
  v1::BulkUpsertMembersRequest request;
  v1::MemberRow a = Row(Card(), cell.external_code());
  a.set_external_code(Code("dv"));
  a.set_citizen_id("012345678901");
  *request.add_rows() = a;
  ASSERT_EQ(Upsert(request).results(0).action(), v1::UPSERT_ACTION_CREATED);
  v1::BulkUpsertMembersRequest clash;
  v1::MemberRow b = Row(Card(), cell.external_code());
  b.set_external_code(a.external_code());
  *clash.add_rows() = b;
  v1::MemberRow c = Row(Card(), cell.external_code());
  c.set_citizen_id(a.citizen_id());
  *clash.add_rows() = c;
  const v1::BulkUpsertMembersResponse response = Upsert(clash);
  EXPECT_EQ(response.results(0).error(),
            "rows[0].external_code: is recorded for another member");
  EXPECT_EQ(response.results(1).error(),
            "rows[1].citizen_id: is recorded for another member");
}

TEST_F(BulkMembersTest, RetryWithTheSameRequestIdReturnsTheFirstAnswer) {
  const v1::Organization cell = MakeCell("2020-01-01");
  v1::BulkUpsertMembersRequest request;
  request.set_request_id(absl::StrCat("bulk-", Card()));
  *request.add_rows() = Row(Card(), cell.external_code());
  const v1::BulkUpsertMembersResponse first = Upsert(request);
  const int64_t head = Head();
  const v1::BulkUpsertMembersResponse again = Upsert(request);
  EXPECT_EQ(again.results(0).action(), v1::UPSERT_ACTION_CREATED);
  EXPECT_EQ(again.results(0).member(), first.results(0).member());
  EXPECT_EQ(Head(), head);
}

TEST_F(BulkMembersTest, SixteenClientsImportOverlappingBatches) {
  constexpr int kThreads = 16;
  constexpr int kShared = 150;
  constexpr int kOwn = 40;
  const v1::Organization cell = MakeCell("2020-01-01");
  const v1::Organization other = MakeCell("2020-01-01");
  std::vector<v1::MemberRow> shared;
  for (int i = 0; i < kShared; ++i) {
    shared.push_back(Row(Card(), (i % 2 ? cell : other).external_code()));
  }
  std::vector<std::vector<v1::MemberRow>> own(kThreads);
  for (auto& rows : own) {
    for (int i = 0; i < kOwn; ++i)
      rows.push_back(Row(Card(), cell.external_code()));
  }
  const int64_t before = Head();
  std::atomic<int> failures{0};
  std::mutex mu;
  std::string first_error;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Two calls, each half shared (in a thread-dependent order) and half
      // the thread's own rows.
      for (int call = 0; call < 2; ++call) {
        v1::BulkUpsertMembersRequest request;
        for (int i = 0; i < kShared; ++i) {
          const int k = (i * 7 + t * 13) % kShared;
          if ((k % 2) == call) *request.add_rows() = shared[k];
        }
        for (int i = call; i < kOwn; i += 2) *request.add_rows() = own[t][i];
        v1::BulkUpsertMembersResponse response;
        grpc::Status status =
            stub().BulkUpsertMembers(Context().get(), request, &response);
        bool bad = !status.ok();
        for (const auto& result : response.results()) {
          bad = bad || result.action() == v1::UPSERT_ACTION_FAILED;
        }
        if (bad) {
          ++failures;
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.empty()) {
            first_error = status.ok() ? response.DebugString()
                                      : absl::StrCat(status.error_code(), " ",
                                                     status.error_message());
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0) << first_error;
  for (const auto& row : shared) {
    EXPECT_EQ(CountMembersWithCard(row.party_card_number()), 1);
  }
  for (const auto& rows : own) {
    for (const auto& row : rows) {
      EXPECT_EQ(CountMembersWithCard(row.party_card_number()), 1);
    }
  }
  // One "created" event per member, none for the rows found unchanged.
  EXPECT_EQ(Head() - before, kShared + kThreads * kOwn);
}

}  // namespace
}  // namespace chibo::registry
