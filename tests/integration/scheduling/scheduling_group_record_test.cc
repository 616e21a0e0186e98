// RecordMeeting under group commit (common/group_write.h), through the real
// servers: 16 clients recording at once are written in shared
// transactions, yet each one's answer is what it would have been alone. Two
// records of one meeting in flight: one wins, the other is told it is
// already recorded. Retries get their first answer. No deadlock, not even
// one the server retried unseen.

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/testing/metric_value.h"
#include "tests/integration/scheduling/scheduling_fixture.h"

namespace chibo::scheduling {
namespace {

class GroupRecordTest : public SchedulingTest {};

double GroupWrites(const std::string& how) {
  return chibo::testing::CounterValue("chibo_group_writes_total",
                                      {{"how", how}});
}

TEST_F(GroupRecordTest, SixteenRecordersInSharedTransactionsEachGetTheirOwn) {
  Tree tree = MakeTree(5);
  MakeDayRule(tree.cell, 5, "2022-01-01", v1::RULE_TARGET_CELL);
  constexpr int kClients = 16;
  constexpr int kMeetings = 8;  // two clients record each meeting
  constexpr int kExtras = 3;    // and each client three extra meetings
  const double deadlocks_before = chibo::testing::CounterValue(
      "chibo_db_transaction_retries_total", {{"reason", "deadlock"}});
  const double together_before =
      GroupWrites("together") + GroupWrites("again_alone");

  // Each client's requests: its meeting's record, then its extra meetings.
  auto requests_of = [&](int c) {
    std::vector<v1::MeetingRecord> requests;
    const int month = c % kMeetings + 1;
    requests.push_back(RecordRequest(
        tree.cell, absl::StrFormat("2023-%02d-05", month),
        absl::StrFormat("2023-%02d-25T14:00", month), 120, tree.members));
    for (int e = 0; e < kExtras; ++e) {
      requests.push_back(
          RecordRequest(tree.cell, "",
                        absl::StrFormat("2024-%02d-%02dT08:00", c % 12 + 1,
                                        10 + e + 5 * (c / 12)),
                        90, tree.members));
    }
    return requests;
  };
  // Round 0 writes; round 1 sends every request again with its request_id.
  std::mutex mu;
  std::map<std::string, grpc::Status> status;  // by request_id
  std::map<std::string, std::string> name;
  for (int round = 0; round < 2; ++round) {
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c, round] {
        const std::vector<v1::MeetingRecord> requests = requests_of(c);
        for (size_t i = 0; i < requests.size(); ++i) {
          const std::string id = absl::StrCat("group-", c, "-", i);
          v1::MeetingRecord out;
          const grpc::Status got = Record(requests[i], &out, id);
          std::lock_guard<std::mutex> lock(mu);
          if (round == 0) {
            status[id] = got;
            name[id] = out.name();
            continue;
          }
          EXPECT_EQ(got.error_code(), status[id].error_code()) << id;
          if (got.ok()) {
            EXPECT_EQ(out.name(), name[id]) << id;
          }
        }
      });
    }
    for (std::thread& t : clients) t.join();
  }

  // Each meeting: one of its two clients recorded it, the other was told.
  for (int m = 0; m < kMeetings; ++m) {
    SCOPED_TRACE(m);
    const grpc::Status& a = status[absl::StrCat("group-", m, "-0")];
    const grpc::Status& b = status[absl::StrCat("group-", m + kMeetings, "-0")];
    ASSERT_NE(a.ok(), b.ok())
        << a.error_message() << " / " << b.error_message();
    const grpc::Status& lost = a.ok() ? b : a;
    chibo::testing::ExpectError(lost, grpc::StatusCode::ALREADY_EXISTS,
                                "is already recorded as");
  }
  // Every extra meeting is recorded once.
  for (int c = 0; c < kClients; ++c) {
    for (int e = 1; e <= kExtras; ++e) {
      const std::string id = absl::StrCat("group-", c, "-", e);
      EXPECT_TRUE(status[id].ok()) << id << ": " << status[id].error_message();
    }
  }
  const std::vector<v1::Meeting> held =
      Meetings(tree.cell, "2023-01-01", "2023-08-31");
  ASSERT_EQ(held.size(), static_cast<size_t>(kMeetings));
  for (const v1::Meeting& meeting : held) {
    EXPECT_FALSE(meeting.record().empty()) << meeting.nominal_date();
  }
  // 2024's extra meetings, beside its twelve scheduled ones.
  int extras = 0;
  for (const v1::Meeting& meeting :
       Meetings(tree.cell, "2024-01-01", "2024-12-31")) {
    if (meeting.nominal_date().empty() && !meeting.record().empty()) ++extras;
  }
  EXPECT_EQ(extras, kClients * kExtras);
  // Some of those writes shared a transaction, and none deadlocked.
  EXPECT_GT(GroupWrites("together") + GroupWrites("again_alone"),
            together_before);
  EXPECT_EQ(chibo::testing::CounterValue("chibo_db_transaction_retries_total",
                                         {{"reason", "deadlock"}}),
            deadlocks_before);
}

// A record checked against kept rules that a revision has since moved is
// caught by its own write (the generation it was checked at is confirmed
// in the write's transaction) and checked again against the new rules.
TEST_F(GroupRecordTest, ARecordCheckedAgainstMovedRulesIsCheckedAgain) {
  Tree tree = MakeTree(3);
  const v1::MeetingRule rule =
      MakeDayRule(tree.cell, 5, "2024-01-01", v1::RULE_TARGET_CELL);
  auto record_extra = [&](const std::string& start) {
    v1::MeetingRecord out;
    const grpc::Status status =
        Record(RecordRequest(tree.cell, "", start, 90, tree.members), &out);
    EXPECT_TRUE(status.ok()) << start << ": " << status.error_message();
    return out;
  };
  // The first record reads the rules and keeps them; the second is checked
  // against what is kept.
  EXPECT_EQ(record_extra("2024-03-12T08:00").rule_version(), 1);
  EXPECT_EQ(record_extra("2024-05-12T08:00").rule_version(), 1);
  v1::ReviseMeetingRuleRequest revise;
  revise.set_name(rule.name());
  revise.set_etag(rule.etag());
  v1::MeetingRuleVersion* v = revise.mutable_version();
  v->set_pattern(v1::DAY_PATTERN_NTH_WEEKDAY);
  v->set_nth(1);
  v->set_weekday(1);  // the first Monday
  v->set_start_time("08:00");
  v->set_effective_from("2024-04-01");
  v1::MeetingRule revised;
  ASSERT_TRUE(stub().ReviseMeetingRule(Context().get(), revise, &revised).ok());
  // At once, while the kept rules are still young: May falls under the
  // new version, March still under the first.
  EXPECT_EQ(record_extra("2024-05-13T08:00").rule_version(), 2);
  EXPECT_EQ(record_extra("2024-03-13T08:00").rule_version(), 1);
}

}  // namespace
}  // namespace chibo::scheduling
