// Historical backfill: a 2023 year of postponements and records loaded
// after the fact, as an integration system (here insecure-dev: a system
// admin) does; the live rule for everyone else stays.

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/dates.h"
#include "common/testing/metric_value.h"
#include "tests/integration/scheduling/scheduling_fixture.h"

namespace chibo::scheduling {
namespace {

class BackfillTest : public SchedulingTest {
 protected:
  // "2023-06-20 09:30" Vietnam time.
  static google::protobuf::Timestamp At(int month, int day) {
    const absl::Time t = absl::FromCivil(
        absl::CivilMinute(2023, month, day, 9, 30), VietnamTimeZone());
    google::protobuf::Timestamp out;
    out.set_seconds(absl::ToUnixSeconds(t));
    return out;
  }

  // The postponements stored for `cell`.
  static int64_t StoredPostponements(const std::string& cell) {
    auto count =
        db().QueryInt("SELECT COUNT(*) FROM postponements WHERE cell_id = ?",
                      {cell.substr(cell.find('/') + 1)});
    EXPECT_TRUE(count.ok()) << count.status();
    return count.value_or(-1);
  }

  grpc::Status Backfill(const std::string& cell, const std::string& nominal,
                        const std::string& new_date, int reported_month,
                        int reported_day, v1::Postponement* out,
                        const std::string& request_id = "") {
    v1::PostponeMeetingRequest request;
    request.set_cell(cell);
    request.set_nominal_date(nominal);
    request.set_new_date(new_date);
    request.set_reason("Trùng lịch hội nghị của tỉnh");
    request.set_backfill(true);
    *request.mutable_report_time() = At(reported_month, reported_day);
    request.set_request_id(request_id);
    return stub().PostponeMeeting(Context().get(), request, out);
  }
};

TEST_F(BackfillTest, A2023YearLoadedAfterTheFact) {
  Tree tree = MakeTree(3);
  MakeDayRule(tree.cell, 5, "2023-01-01", v1::RULE_TARGET_CELL);
  const std::vector<v1::Meeting> year =
      Meetings(tree.cell, "2023-01-01", "2023-12-31");
  ASSERT_EQ(year.size(), 12u);

  // March: reported in time (2 March, due 6 March), held on the 15th.
  v1::Postponement march;
  grpc::Status status = Backfill(tree.cell, "2023-03-05", "2023-03-15", 3, 2,
                                 &march, "backfill-2023-03");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(march.reported_late());
  EXPECT_EQ(march.report_time().seconds(), At(3, 2).seconds());
  // A retry creates nothing twice.
  v1::Postponement again;
  ASSERT_TRUE(Backfill(tree.cell, "2023-03-05", "2023-03-15", 3, 2, &again,
                       "backfill-2023-03")
                  .ok());
  EXPECT_EQ(again.name(), march.name());
  // June: reported on the 20th, after the meeting day (5 June): late.
  v1::Postponement june;
  status = Backfill(tree.cell, "2023-06-05", "2023-06-22", 6, 20, &june);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(june.reported_late());
  EXPECT_EQ(june.previous_date(), "2023-06-05");

  // Records for every month but September.
  for (const v1::Meeting& m : year) {
    std::string day = m.scheduled_date();
    if (m.nominal_date() == "2023-09-05") continue;
    if (m.nominal_date() == "2023-03-05") day = "2023-03-15";
    if (m.nominal_date() == "2023-06-05") day = "2023-06-22";
    v1::MeetingRecord out;
    status = Record(RecordRequest(tree.cell, m.nominal_date(), day + "T14:00",
                                  120, tree.members),
                    &out);
    ASSERT_TRUE(status.ok()) << m.nominal_date() << status.error_message();
  }

  v1::GetComplianceReportRequest report;
  report.set_organization(tree.cell);
  report.set_start_date("2023-01-01");
  report.set_end_date("2023-12-31");
  v1::ComplianceReport compliance;
  ASSERT_TRUE(
      stub().GetComplianceReport(Context().get(), report, &compliance).ok());
  ASSERT_EQ(compliance.cells_size(), 1);
  const v1::CellCompliance& cell = compliance.cells(0);
  EXPECT_EQ(cell.months_with_regular_meeting(), 11);
  ASSERT_EQ(cell.months_missing_regular_size(), 1);
  EXPECT_EQ(cell.months_missing_regular(0), "2023-09");
  EXPECT_EQ(cell.meetings_held(), 11);
  EXPECT_EQ(cell.meetings_missed(), 1);
  EXPECT_EQ(cell.meetings_postponed(), 2);
  EXPECT_EQ(cell.postponements_reported_late(), 1);

  // The listed schedule shows the postponements and the held meetings.
  const std::vector<v1::Meeting> listed =
      Meetings(tree.cell, "2023-06-01", "2023-06-30");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].state(), v1::MEETING_STATE_HELD);
  EXPECT_EQ(listed[0].date(), "2023-06-22");
  ASSERT_EQ(listed[0].postponements_size(), 1);
  EXPECT_TRUE(listed[0].postponements(0).reported_late());
}

TEST_F(BackfillTest, TheLiveRuleStaysAndBadBackfillsNameTheField) {
  Tree tree = MakeTree(0);
  MakeDayRule(tree.cell, 5, "2023-01-01", v1::RULE_TARGET_CELL);
  v1::Postponement out;
  // Without backfill: no postponement after the meeting day.
  v1::PostponeMeetingRequest live;
  live.set_cell(tree.cell);
  live.set_nominal_date("2023-04-05");
  live.set_new_date("2023-04-12");
  live.set_reason("Họp đột xuất");
  ExpectError(stub().PostponeMeeting(Context().get(), live, &out),
              grpc::StatusCode::FAILED_PRECONDITION,
              "no later than the meeting day");
  // A report time only with backfill.
  v1::PostponeMeetingRequest stray = live;
  *stray.mutable_report_time() = At(4, 1);
  ExpectError(stub().PostponeMeeting(Context().get(), stray, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "report_time: set only");
  // A backfill needs its report time.
  v1::PostponeMeetingRequest missing = live;
  missing.set_backfill(true);
  ExpectError(stub().PostponeMeeting(Context().get(), missing, &out),
              grpc::StatusCode::INVALID_ARGUMENT,
              "report_time: is required for a backfill");
  // Not in the future.
  v1::PostponeMeetingRequest future = missing;
  future.mutable_report_time()->set_seconds(
      absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 3)));
  ExpectError(stub().PostponeMeeting(Context().get(), future, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "report_time: ");
  // The new day after the day it was due.
  ExpectError(Backfill(tree.cell, "2023-04-05", "2023-04-05", 4, 1, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "new_date");
}

TEST_F(BackfillTest, SixteenConcurrentBackfillersWriteEachOnce) {
  Tree tree = MakeTree(0);
  MakeDayRule(tree.cell, 5, "2022-01-01", v1::RULE_TARGET_CELL);
  constexpr int kClients = 16;
  // Client c backfills month c of 2022-01..2023-04, reported late (the
  // 20th) and held on the 25th, with its own request id. Round 0 writes,
  // round 1 retries every request at once: nothing twice, the same answers.
  auto month = [](int c) { return absl::CivilMonth(2022, 1) + c; };
  std::vector<std::string> names(kClients);
  std::atomic<int> failures{0};
  for (int round = 0; round < 2; ++round) {
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c, round] {
        const absl::CivilMonth m = month(c);
        v1::PostponeMeetingRequest request;
        request.set_cell(tree.cell);
        request.set_nominal_date(
            absl::StrFormat("%04d-%02d-05", m.year(), m.month()));
        request.set_new_date(
            absl::StrFormat("%04d-%02d-25", m.year(), m.month()));
        request.set_reason("Trùng lịch hội nghị của tỉnh");
        request.set_backfill(true);
        request.mutable_report_time()->set_seconds(absl::ToUnixSeconds(
            absl::FromCivil(absl::CivilMinute(m.year(), m.month(), 20, 9, 0),
                            VietnamTimeZone())));
        request.set_request_id(absl::StrCat("concurrent-backfill-", c));
        v1::Postponement out;
        grpc::Status status =
            stub().PostponeMeeting(Context().get(), request, &out);
        if (!status.ok()) {
          ++failures;
          ADD_FAILURE() << round << "/" << c << ": " << status.error_code()
                        << " " << status.error_message();
          return;
        }
        EXPECT_TRUE(out.reported_late());
        if (round == 0) {
          names[c] = out.name();
        } else {
          EXPECT_EQ(out.name(), names[c]) << c;
        }
      });
    }
    for (std::thread& t : clients) t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(StoredPostponements(tree.cell), kClients);

  // 16 clients sending the same request at once (a retrying integrator
  // that fanned out): one postponement, every client gets it.
  std::vector<std::string> same(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      v1::Postponement out;
      grpc::Status status = Backfill(tree.cell, "2023-05-05", "2023-05-25", 5,
                                     20, &out, "concurrent-backfill-same");
      if (!status.ok()) {
        ++failures;
        ADD_FAILURE() << c << ": " << status.error_code() << " "
                      << status.error_message();
      }
      same[c] = out.name();
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (const std::string& name : same) EXPECT_EQ(name, same[0]);
  EXPECT_EQ(StoredPostponements(tree.cell), kClients + 1);
  // Each month holds exactly one postponement.
  const std::vector<v1::Meeting> listed =
      Meetings(tree.cell, "2022-01-01", "2023-05-31");
  EXPECT_EQ(listed.size(), 17u);
  for (const v1::Meeting& m : listed) {
    EXPECT_EQ(m.postponements_size(), 1) << m.nominal_date();
  }
}

// A meeting's record and its postponements take turns on the meeting's slot
// row: 16 clients, a record and a postponement of each of 8 meetings at
// once. Whichever commits first decides: a postponement after the record
// is refused ("already held"), and one before it is in the feed before the
// record. No write deadlocks, not even one the server retried unseen (the
// locking read of an empty postponement range locked a gap that other
// meetings share, and concurrent postponements deadlocked on it).
TEST_F(BackfillTest, ARecordAndPostponementsOfOneMeetingTakeTurns) {
  Tree tree = MakeTree(3);
  MakeDayRule(tree.cell, 5, "2022-01-01", v1::RULE_TARGET_CELL);
  constexpr int kMeetings = 8;
  const double deadlocks_before = chibo::testing::CounterValue(
      "chibo_db_transaction_retries_total", {{"reason", "deadlock"}});
  std::vector<grpc::Status> postponed(kMeetings), recorded(kMeetings);
  std::vector<std::string> postponement(kMeetings), record(kMeetings);
  std::vector<std::thread> clients;
  for (int m = 0; m < kMeetings; ++m) {
    const std::string nominal = absl::StrFormat("2023-%02d-05", m + 1);
    const std::string held = absl::StrFormat("2023-%02d-25", m + 1);
    clients.emplace_back([&, m, nominal, held] {
      v1::Postponement out;
      postponed[m] = Backfill(tree.cell, nominal, held, m + 1, 20, &out,
                              absl::StrCat("turns-postpone-", m));
      postponement[m] = out.name();
    });
    clients.emplace_back([&, m, nominal, held] {
      v1::MeetingRecord out;
      recorded[m] = Record(
          RecordRequest(tree.cell, nominal, held + "T14:00", 120, tree.members),
          &out, absl::StrCat("turns-record-", m));
      record[m] = out.name();
    });
  }
  for (std::thread& t : clients) t.join();

  // Where each write is in the (commit-ordered) feed.
  std::map<std::string, int64_t> sequence;
  int64_t cursor = 0;
  while (true) {
    feed::v1::ListChangesRequest request;
    request.set_after_sequence(cursor);
    request.set_page_size(1000);
    feed::v1::ListChangesResponse page;
    ASSERT_TRUE(feed().ListChanges(Context().get(), request, &page).ok());
    for (const feed::v1::Change& c : page.changes()) {
      sequence[c.resource()] = c.sequence();
    }
    if (page.changes().empty()) break;
    cursor = page.last_sequence();
  }
  for (int m = 0; m < kMeetings; ++m) {
    SCOPED_TRACE(m);
    ASSERT_TRUE(recorded[m].ok()) << recorded[m].error_message();
    ASSERT_EQ(sequence.count(record[m]), 1u);
    if (postponed[m].ok()) {
      ASSERT_EQ(sequence.count(postponement[m]), 1u);
      EXPECT_LT(sequence[postponement[m]], sequence[record[m]]);
    } else {
      ExpectError(postponed[m], grpc::StatusCode::FAILED_PRECONDITION,
                  "was already held");
    }
  }
  EXPECT_EQ(chibo::testing::CounterValue("chibo_db_transaction_retries_total",
                                         {{"reason", "deadlock"}}),
            deadlocks_before);
}

}  // namespace
}  // namespace chibo::scheduling
