// UpdateMeetingRecord through the real servers and MariaDB: a corrected
// attendance mark changes compliance and the absence ledger; the
// "corrected" event read back from scheduling's own feed; stale etags,
// retries and 16 concurrent correctors.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "tests/integration/scheduling/scheduling_fixture.h"

namespace chibo::scheduling {
namespace {

class CorrectionTest : public SchedulingTest {
 protected:
  void SetUp() override {
    SchedulingTest::SetUp();
    tree_ = MakeTree(2);
    y_ = LastYear();
    MakeDayRule(tree_.cell, 10, absl::StrFormat("%04d-01-01", y_),
                v1::RULE_TARGET_CELL);
  }

  // Records months 1..3, member 1 absent without reason each time.
  std::vector<v1::MeetingRecord> RecordQuarter() {
    std::vector<v1::MeetingRecord> out;
    for (const v1::Meeting& m :
         Meetings(tree_.cell, absl::StrFormat("%04d-01-01", y_),
                  absl::StrFormat("%04d-03-31", y_))) {
      v1::MeetingRecord record;
      grpc::Status status = Record(
          RecordRequest(tree_.cell, m.nominal_date(),
                        m.scheduled_date() + "T14:00", 120, tree_.members,
                        {v1::ATTENDANCE_MARK_PRESENT,
                         v1::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON}),
          &record);
      EXPECT_TRUE(status.ok()) << status.error_message();
      out.push_back(record);
    }
    return out;
  }

  v1::ComplianceReport Report() {
    v1::GetComplianceReportRequest request;
    request.set_organization(tree_.cell);
    request.set_start_date(absl::StrFormat("%04d-01-01", y_));
    request.set_end_date(absl::StrFormat("%04d-03-31", y_));
    v1::ComplianceReport report;
    grpc::Status status =
        stub().GetComplianceReport(Context().get(), request, &report);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return report;
  }

  // The request correcting member 1's mark to `mark`.
  v1::UpdateMeetingRecordRequest MarkCorrection(const v1::MeetingRecord& r,
                                                v1::AttendanceMark mark) {
    v1::UpdateMeetingRecordRequest request;
    *request.mutable_record() = r;
    request.mutable_record()->mutable_attendance(1)->set_mark(mark);
    request.mutable_record()->mutable_attendance(1)->set_reason("Ốm");
    request.mutable_update_mask()->add_paths("attendance");
    return request;
  }

  // The feed's "corrected" events of `record` after `after`, read through
  // ListChanges page by page; waits (up to 10 s) until `want` of them are
  // out, since the feed hands out only what can no longer be overtaken.
  std::vector<feed::v1::Change> Corrections(const std::string& record,
                                            int64_t after, size_t want) {
    std::vector<feed::v1::Change> out;
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (true) {
      out.clear();
      int64_t cursor = after;
      while (true) {
        feed::v1::ListChangesRequest request;
        request.set_after_sequence(cursor);
        request.set_page_size(1000);
        feed::v1::ListChangesResponse page;
        grpc::Status status =
            feed().ListChanges(Context().get(), request, &page);
        EXPECT_TRUE(status.ok()) << status.error_message();
        if (!status.ok()) return out;
        for (const feed::v1::Change& c : page.changes()) {
          if (c.resource() == record && c.action() == "corrected") {
            out.push_back(c);
          }
        }
        if (page.changes().empty() || page.last_sequence() <= cursor) break;
        cursor = page.last_sequence();
      }
      if (out.size() >= want || absl::Now() > deadline) return out;
      absl::SleepFor(absl::Milliseconds(100));
    }
  }

  // The feed's head now.
  int64_t FeedHead() {
    feed::v1::ListChangesRequest request;
    request.set_page_size(1);
    feed::v1::ListChangesResponse page;
    EXPECT_TRUE(feed().ListChanges(Context().get(), request, &page).ok());
    return page.head_sequence();
  }

  Tree tree_;
  int y_ = 0;
};

TEST_F(CorrectionTest, ACorrectedMarkChangesComplianceAndTheLedger) {
  const std::vector<v1::MeetingRecord> records = RecordQuarter();
  ASSERT_EQ(records.size(), 3u);
  v1::ComplianceReport before = Report();
  ASSERT_EQ(before.alerts_size(), 1);  // 3 months absent without reason
  EXPECT_EQ(before.alerts(0).member(), tree_.members[1]);
  EXPECT_EQ(before.alerts(0).kind(), v1::AbsenceAlert::KIND_UNEXCUSED_MONTHS);
  EXPECT_EQ(before.alerts(0).count(), 3);
  EXPECT_DOUBLE_EQ(before.attendance_rate(), 0.5);

  // The March mark was mistyped: absent with reason.
  v1::UpdateMeetingRecordRequest request =
      MarkCorrection(records[2], v1::ATTENDANCE_MARK_ABSENT_WITH_REASON);
  request.set_request_id("correct-march");
  v1::MeetingRecord corrected;
  grpc::Status status =
      stub().UpdateMeetingRecord(Context().get(), request, &corrected);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(corrected.attendance(1).mark(),
            v1::ATTENDANCE_MARK_ABSENT_WITH_REASON);
  EXPECT_NE(corrected.etag(), records[2].etag());
  EXPECT_EQ(corrected.agenda(), records[2].agenda());  // not in the mask

  v1::ComplianceReport after = Report();
  EXPECT_EQ(after.alerts_size(), 0);  // two months only
  EXPECT_DOUBLE_EQ(after.cells(0).attendance_rate(), 0.5);

  // A retry with the same request_id corrects nothing twice, and answers
  // as the first time.
  v1::MeetingRecord retried;
  ASSERT_TRUE(
      stub().UpdateMeetingRecord(Context().get(), request, &retried).ok());
  EXPECT_EQ(retried.etag(), corrected.etag());

  // The old etag is stale now.
  v1::UpdateMeetingRecordRequest stale =
      MarkCorrection(records[2], v1::ATTENDANCE_MARK_PRESENT);
  ExpectError(stub().UpdateMeetingRecord(Context().get(), stale, &retried),
              grpc::StatusCode::ABORTED, records[2].name());

  // A present mark raises the rate.
  v1::UpdateMeetingRecordRequest present =
      MarkCorrection(corrected, v1::ATTENDANCE_MARK_PRESENT);
  ASSERT_TRUE(
      stub().UpdateMeetingRecord(Context().get(), present, &retried).ok());
  EXPECT_DOUBLE_EQ(Report().cells(0).attendance_rate(), 4.0 / 6.0);
}

TEST_F(CorrectionTest, TheCorrectionIsReadBackFromTheFeed) {
  const std::vector<v1::MeetingRecord> records = RecordQuarter();
  ASSERT_EQ(records.size(), 3u);
  const int64_t head = FeedHead();
  const std::string& name = records[1].name();

  v1::UpdateMeetingRecordRequest request =
      MarkCorrection(records[1], v1::ATTENDANCE_MARK_ABSENT_WITH_REASON);
  request.set_request_id("feed-correction");
  v1::MeetingRecord corrected;
  grpc::Status status =
      stub().UpdateMeetingRecord(Context().get(), request, &corrected);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // A retry and a stale etag write no event.
  v1::MeetingRecord out;
  ASSERT_TRUE(stub().UpdateMeetingRecord(Context().get(), request, &out).ok());
  v1::UpdateMeetingRecordRequest stale =
      MarkCorrection(records[1], v1::ATTENDANCE_MARK_PRESENT);
  ExpectError(stub().UpdateMeetingRecord(Context().get(), stale, &out),
              grpc::StatusCode::ABORTED, "etag: " + name);
  // A later, valid correction: once its event is out, every earlier one is.
  v1::UpdateMeetingRecordRequest later =
      MarkCorrection(corrected, v1::ATTENDANCE_MARK_PRESENT);
  later.set_request_id("feed-correction-2");
  v1::MeetingRecord last;
  ASSERT_TRUE(stub().UpdateMeetingRecord(Context().get(), later, &last).ok());

  const std::vector<feed::v1::Change> events = Corrections(name, head, 2);
  ASSERT_EQ(events.size(), 2u);
  const feed::v1::Change& first = events[0];
  EXPECT_EQ(first.resource(), name);
  EXPECT_EQ(first.organization(), tree_.cell);
  EXPECT_EQ(first.request_id(), "feed-correction");
  EXPECT_TRUE(absl::StrContains(first.method(), "UpdateMeetingRecord"))
      << first.method();
  // The payload is the record as corrected.
  v1::MeetingRecord payload;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(first.payload_json(),
                                                          &payload)
                  .ok())
      << first.payload_json();
  EXPECT_EQ(payload.name(), name);
  EXPECT_EQ(payload.etag(), corrected.etag());
  EXPECT_EQ(payload.attendance(1).mark(),
            v1::ATTENDANCE_MARK_ABSENT_WITH_REASON);
  EXPECT_EQ(events[1].request_id(), "feed-correction-2");
  EXPECT_LT(first.sequence(), events[1].sequence());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  events[1].payload_json(), &payload)
                  .ok());
  EXPECT_EQ(payload.etag(), last.etag());
  EXPECT_EQ(payload.attendance(1).mark(), v1::ATTENDANCE_MARK_PRESENT);
}

TEST_F(CorrectionTest, BadCorrectionsNameTheField) {
  const std::vector<v1::MeetingRecord> records = RecordQuarter();
  ASSERT_FALSE(records.empty());
  v1::MeetingRecord out;
  v1::UpdateMeetingRecordRequest empty_mask;
  *empty_mask.mutable_record() = records[0];
  ExpectError(stub().UpdateMeetingRecord(Context().get(), empty_mask, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "update_mask");
  v1::UpdateMeetingRecordRequest start = empty_mask;
  start.mutable_update_mask()->add_paths("start_time");
  ExpectError(stub().UpdateMeetingRecord(Context().get(), start, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "start_time");
  v1::UpdateMeetingRecordRequest dropped =
      MarkCorrection(records[0], v1::ATTENDANCE_MARK_PRESENT);
  dropped.mutable_record()->mutable_attendance()->RemoveLast();
  ExpectError(stub().UpdateMeetingRecord(Context().get(), dropped, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "record.attendance");
  v1::UpdateMeetingRecordRequest missing =
      MarkCorrection(records[0], v1::ATTENDANCE_MARK_PRESENT);
  missing.mutable_record()->set_name("meetings/987654321");
  missing.mutable_record()->clear_etag();
  ExpectError(stub().UpdateMeetingRecord(Context().get(), missing, &out),
              grpc::StatusCode::NOT_FOUND, "meetings/987654321");
}

TEST_F(CorrectionTest, SixteenConcurrentCorrectorsAllSucceed) {
  const std::vector<v1::MeetingRecord> records = RecordQuarter();
  ASSERT_EQ(records.size(), 3u);
  // Without an etag each correction applies in turn; with request ids,
  // two rounds: the second is all retries.
  std::atomic<int> failures{0};
  for (int round = 0; round < 2; ++round) {
    std::vector<std::thread> clients;
    for (int c = 0; c < 16; ++c) {
      clients.emplace_back([&, c] {
        v1::UpdateMeetingRecordRequest request;
        *request.mutable_record() = records[c % 3];
        request.mutable_record()->clear_etag();
        request.mutable_record()->set_conclusions(
            absl::StrCat("Kết luận, bản sửa ", c));
        request.mutable_update_mask()->add_paths("conclusions");
        request.set_request_id(absl::StrCat("concurrent-", c));
        v1::MeetingRecord out;
        grpc::Status status =
            stub().UpdateMeetingRecord(Context().get(), request, &out);
        if (!status.ok()) {
          ++failures;
          ADD_FAILURE() << c << ": " << status.error_code() << " "
                        << status.error_message();
        }
      });
    }
    for (std::thread& t : clients) t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  // 16 corrections over three records: 6, 5 and 5 version bumps.
  int bumps = 0;
  for (const v1::MeetingRecord& r : records) {
    v1::GetMeetingRecordRequest get;
    get.set_name(r.name());
    v1::MeetingRecord now;
    ASSERT_TRUE(stub().GetMeetingRecord(Context().get(), get, &now).ok());
    bumps += std::stoi(now.etag().substr(1)) - std::stoi(r.etag().substr(1));
  }
  EXPECT_EQ(bumps, 16);
}

}  // namespace
}  // namespace chibo::scheduling
