// Meeting records with attendance, tasks and topics; compliance, plans,
// the calendar export and a registry outage.

#include <cppconn/prepared_statement.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "common/mysql_pool.h"
#include "services/scheduling/schedule_rules.h"
#include "tests/integration/scheduling/scheduling_fixture.h"

namespace chibo::scheduling {
namespace {

std::string Day(int year, int month, int day) {
  return absl::StrFormat("%04d-%02d-%02d", year, month, day);
}

class RecordsTest : public SchedulingTest {
 protected:
  void SetUp() override {
    SchedulingTest::SetUp();
    tree_ = MakeTree(3);
    y_ = LastYear();
    rule_ = MakeDayRule(tree_.bloc, 10, Day(y_, 1, 1));
  }
  // Last year's meeting of `month`, as the rules give it.
  v1::Meeting MeetingOf(int month) {
    auto meetings = Meetings(tree_.cell, Day(y_, month, 1),
                             Day(y_, month, month == 2 ? 28 : 30));
    EXPECT_EQ(meetings.size(), 1u);
    return meetings.empty() ? v1::Meeting() : meetings[0];
  }
  v1::MeetingRecord RecordFor(
      int month, int minutes,
      const std::vector<v1::AttendanceMark>& marks = {}) {
    const v1::Meeting m = MeetingOf(month);
    return RecordRequest(tree_.cell, m.nominal_date(),
                         absl::StrCat(m.scheduled_date(), "T14:00"), minutes,
                         tree_.members, marks);
  }
  Tree tree_;
  int y_ = 0;
  v1::MeetingRule rule_;
};

TEST_F(RecordsTest, ARecordNamesItsRuleAndIsIdempotent) {
  v1::MeetingRecord record = RecordFor(1, 100);
  record.set_chair(tree_.members[0]);
  record.set_secretary(tree_.members[1]);
  record.add_guests("Đồng chí Phó Bí thư Đảng ủy Khối");
  v1::DocumentReference* doc = record.add_documents();
  doc->set_number("15-NQ/TW");
  doc->set_title("Nghị quyết");
  doc->set_available_time(absl::StrCat(record.start_time().substr(0, 10),
                                       "T08:00"));  // the same morning: late
  v1::Task* task = record.add_tasks();
  task->set_title("Hoàn thiện báo cáo");
  task->set_assignee(tree_.members[2]);
  task->set_due_date(Day(y_, 2, 1));
  v1::MeetingRecord first;
  ASSERT_TRUE(Record(record, &first, "rec-1").ok());
  EXPECT_EQ(first.rule(), rule_.name());
  EXPECT_EQ(first.rule_version(), 1);
  EXPECT_EQ(first.length_minutes(), 100);
  EXPECT_TRUE(first.meets_minimum_length());
  EXPECT_DOUBLE_EQ(first.attendance_rate(), 1.0);
  ASSERT_EQ(first.documents_size(), 1);
  EXPECT_FALSE(first.documents(0).available_in_time());
  ASSERT_EQ(first.tasks_size(), 1);
  EXPECT_EQ(first.tasks(0).status(), v1::TASK_STATUS_OPEN);
  v1::MeetingRecord retried;
  ASSERT_TRUE(Record(record, &retried, "rec-1").ok());
  EXPECT_EQ(retried.name(), first.name());
  // Without the request id it is a second record of the same meeting.
  ExpectError(Record(record, &retried), grpc::StatusCode::ALREADY_EXISTS,
              "already recorded");
  auto rows = db().QueryInt("SELECT COUNT(*) FROM meetings WHERE cell_id = ?",
                            {first.cell().substr(first.cell().find('/') + 1)});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, 1);
  v1::GetMeetingRecordRequest get;
  get.set_name(first.name());
  v1::MeetingRecord read;
  ASSERT_TRUE(stub().GetMeetingRecord(Context().get(), get, &read).ok());
  EXPECT_EQ(read.guests_size(), 1);
  EXPECT_EQ(read.attendance_size(), 3);
  // The answer to the write is the record as read: the write reads back
  // only the parts it wrote (documents and tasks here).
  EXPECT_EQ(read.DebugString(), first.DebugString());
  // The meeting now shows as held, and its month cannot be postponed.
  EXPECT_EQ(MeetingOf(1).state(), v1::MEETING_STATE_HELD);
  EXPECT_EQ(MeetingOf(1).record(), first.name());
}

// The marks go in as one JSON document (JSON_TABLE): any text survives it
// exactly, on the first write and on a correction.
TEST_F(RecordsTest, AttendanceReasonsSurviveTheWriteExactly) {
  const std::vector<std::string> reasons = {
      "Ốm, nằm viện \"Bạch Mai\"", "C:\\tạm\\vắng\tcó phép\nđi công tác",
      "Đi học 🎓 (4-byte UTF-8)"};
  v1::MeetingRecord record =
      RecordFor(3, 100,
                {v1::ATTENDANCE_MARK_ABSENT_WITH_REASON,
                 v1::ATTENDANCE_MARK_ABSENT_WITH_REASON,
                 v1::ATTENDANCE_MARK_ABSENT_WITH_REASON});
  for (int i = 0; i < 3; ++i) {
    record.mutable_attendance(i)->set_reason(reasons[i]);
  }
  v1::MeetingRecord written;
  ASSERT_TRUE(Record(record, &written).ok());
  v1::GetMeetingRecordRequest get;
  get.set_name(written.name());
  v1::MeetingRecord read;
  ASSERT_TRUE(stub().GetMeetingRecord(Context().get(), get, &read).ok());
  ASSERT_EQ(read.attendance_size(), 3);
  std::map<std::string, std::string> by_member;
  for (int i = 0; i < 3; ++i)
    by_member[record.attendance(i).member()] = reasons[i];
  for (const v1::Attendance& a : read.attendance()) {
    EXPECT_EQ(a.reason(), by_member[a.member()]) << a.member();
  }
  EXPECT_EQ(read.DebugString(), written.DebugString());

  v1::UpdateMeetingRecordRequest correct;
  *correct.mutable_record() = read;
  correct.mutable_record()->mutable_attendance(0)->set_reason("\\\"'%_;");
  correct.mutable_update_mask()->add_paths("attendance");
  v1::MeetingRecord corrected;
  grpc::Status status =
      stub().UpdateMeetingRecord(Context().get(), correct, &corrected);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(stub().GetMeetingRecord(Context().get(), get, &read).ok());
  ASSERT_EQ(read.attendance_size(), 3);
  EXPECT_EQ(read.attendance(0).reason(), "\\\"'%_;");
  EXPECT_EQ(read.attendance(1).reason(),
            correct.record().attendance(1).reason());
}

// The answer to a write is the record as read, also for an extra meeting
// (no nominal date: the month's rule gives its minimum length).
TEST_F(RecordsTest, AnExtraMeetingAnswersWhatItReads) {
  v1::MeetingRecord extra = RecordFor(5, 90);
  const std::string day = extra.start_time().substr(0, 10);
  extra.clear_nominal_date();
  extra.set_start_time(day + "T18:00");
  extra.set_end_time(day + "T19:30");
  extra.set_conclusions("Kết luận\ncó hai dòng");
  v1::MeetingRecord out;
  grpc::Status status = Record(extra, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(out.nominal_date().empty());
  EXPECT_EQ(out.rule(), rule_.name());
  v1::GetMeetingRecordRequest get;
  get.set_name(out.name());
  v1::MeetingRecord read;
  ASSERT_TRUE(stub().GetMeetingRecord(Context().get(), get, &read).ok());
  EXPECT_EQ(read.DebugString(), out.DebugString());
}

// A record counts for its meeting however long after the nominal day it
// was held: the schedule finds it by its key, the report by its nominal
// day, and neither shows it again as an extra meeting where it was held.
// (Both used to look only 70 days either side of the period.)
TEST_F(RecordsTest, ARecordHeldMonthsAfterItsDayStillCountsForIt) {
  v1::MeetingRecord late = RecordFor(1, 100);
  late.set_start_time(Day(y_, 6, 20) + "T14:00");
  late.set_end_time(Day(y_, 6, 20) + "T15:40");
  v1::MeetingRecord out;
  grpc::Status status = Record(late, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const v1::Meeting january = MeetingOf(1);
  EXPECT_EQ(january.state(), v1::MEETING_STATE_HELD);
  EXPECT_EQ(january.record(), out.name());
  for (const v1::Meeting& meeting :
       Meetings(tree_.cell, Day(y_, 6, 1), Day(y_, 6, 30))) {
    EXPECT_NE(meeting.record(), out.name()) << meeting.DebugString();
  }
  v1::GetComplianceReportRequest request;
  request.set_organization(tree_.cell);
  request.set_start_date(Day(y_, 1, 1));
  request.set_end_date(Day(y_, 1, 31));
  v1::ComplianceReport report;
  status = stub().GetComplianceReport(Context().get(), request, &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(report.cells_size(), 1);
  EXPECT_EQ(report.cells(0).meetings_held(), 1);
  EXPECT_EQ(report.cells(0).meetings_missed(), 0);
  EXPECT_EQ(report.cells(0).months_with_regular_meeting(), 1);
}

// A record's late documents are counted when it is written (its documents
// and start time never change); a row without the count (written by an
// older binary) is counted from meeting_documents, with the same result.
TEST_F(RecordsTest, LateDocumentsAreCountedOnceAndTheSameEitherWay) {
  v1::MeetingRecord record = RecordFor(4, 120);
  const std::string day = record.start_time().substr(0, 10);  // 14:00
  absl::CivilDay held;
  ASSERT_TRUE(absl::ParseCivilTime(day, &held));
  const std::string day_before = FormatDate(held - 1);
  auto add = [&record](const std::string& available) {
    v1::DocumentReference* d = record.add_documents();
    d->set_title("Tài liệu");
    d->set_available_time(available);
  };
  add(day_before + "T14:00");  // exactly a day before: in time
  add(day_before + "T14:01");  // a minute less: late
  add(day + "T08:00");         // the same morning: late
  add("");                     // never said: late
  v1::MeetingRecord written;
  ASSERT_TRUE(Record(record, &written).ok());
  ASSERT_EQ(written.documents_size(), 4);
  EXPECT_TRUE(written.documents(0).available_in_time());
  EXPECT_FALSE(written.documents(1).available_in_time());
  const std::string id = written.name().substr(written.name().find('/') + 1);
  auto stored =
      db().QueryInt("SELECT documents_late FROM meetings WHERE id = ?", {id});
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(*stored, 3);

  auto late = [&]() {
    v1::GetComplianceReportRequest request;
    request.set_organization(tree_.cell);
    request.set_start_date(Day(y_, 4, 1));
    request.set_end_date(Day(y_, 4, 30));
    v1::ComplianceReport report;
    grpc::Status status =
        stub().GetComplianceReport(Context().get(), request, &report);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return report.cells_size() == 1 ? report.cells(0).documents_late() : -1;
  };
  EXPECT_EQ(late(), 3);
  ASSERT_TRUE(WithConnection(db().pool(), absl::Now() + absl::Seconds(30),
                             "forgetting the count", TxMode::kWrite,
                             [&](DbConnection& c) {
                               sql::PreparedStatement& forget = c.Prepare(
                                   "UPDATE meetings SET documents_late = NULL "
                                   "WHERE id = ?");
                               forget.setInt64(1, std::stoll(id));
                               forget.executeUpdate();
                               return absl::OkStatus();
                             })
                  .ok());
  EXPECT_EQ(late(), 3);
}

TEST_F(RecordsTest, BadRecordsAreRefusedNamingTheProblem) {
  v1::MeetingRecord out;
  v1::MeetingRecord stranger = RecordFor(2, 120);
  stranger.mutable_attendance(0)->set_member("members/987654321");
  ExpectError(Record(stranger, &out), grpc::StatusCode::INVALID_ARGUMENT,
              "record.attendance[0].member");
  v1::MeetingRecord missing = RecordFor(2, 120);
  missing.mutable_attendance()->RemoveLast();
  ExpectError(Record(missing, &out), grpc::StatusCode::INVALID_ARGUMENT,
              tree_.members[2]);
  v1::MeetingRecord twice = RecordFor(2, 120);
  *twice.add_attendance() = twice.attendance(0);
  ExpectError(Record(twice, &out), grpc::StatusCode::INVALID_ARGUMENT, "twice");
  v1::MeetingRecord backwards = RecordFor(2, 120);
  backwards.set_end_time(Day(y_, 1, 1) + "T08:00");
  ExpectError(Record(backwards, &out), grpc::StatusCode::INVALID_ARGUMENT,
              "record.end_time");
  v1::MeetingRecord nowhere = RecordFor(2, 120);
  nowhere.set_cell("organizations/987654321");
  ExpectError(Record(nowhere, &out), grpc::StatusCode::NOT_FOUND,
              "organizations/987654321");
  v1::MeetingRecord committee = RecordFor(2, 120);
  committee.set_cell(tree_.bloc);
  // The registry says what it is instead, under our field's name.
  ExpectError(Record(committee, &out), grpc::StatusCode::FAILED_PRECONDITION,
              "record.cell: " + tree_.bloc + " is a");
  ExpectError(Record(committee, &out), grpc::StatusCode::FAILED_PRECONDITION,
              "not a cell");
  v1::MeetingRecord future = RecordFor(2, 120);
  future.set_start_time(Day(NextYear(), 2, 10) + "T14:00");
  future.set_end_time(Day(NextYear(), 2, 10) + "T16:00");
  ExpectError(Record(future, &out), grpc::StatusCode::FAILED_PRECONDITION,
              "future");
  v1::MeetingRecord no_meeting = RecordFor(2, 120);
  no_meeting.set_nominal_date(Day(y_, 2, 11));
  ExpectError(Record(no_meeting, &out), grpc::StatusCode::INVALID_ARGUMENT,
              "record.nominal_date");
  v1::MeetingRecord no_kind = RecordFor(2, 120);
  no_kind.clear_kind();
  ExpectError(Record(no_kind, &out), grpc::StatusCode::INVALID_ARGUMENT,
              "record.kind");
  v1::MeetingRecord bad_task = RecordFor(2, 120);
  v1::Task* task = bad_task.add_tasks();
  task->set_title("Việc");
  task->set_assignee("members/987654321");
  task->set_due_date(Day(y_, 3, 1));
  ExpectError(Record(bad_task, &out), grpc::StatusCode::INVALID_ARGUMENT,
              "record.tasks[0].assignee");
  auto rows = db().QueryInt("SELECT COUNT(*) FROM meetings WHERE cell_id = ?",
                            {tree_.cell.substr(tree_.cell.find('/') + 1)});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, 0);
}

TEST_F(RecordsTest, ComplianceAndTheAbsenceLedger) {
  using M = v1::AttendanceMark;
  const M p = v1::ATTENDANCE_MARK_PRESENT;
  const M unexcused = v1::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON;
  const M excused = v1::ATTENDANCE_MARK_ABSENT_WITH_REASON;
  // Member 3 stays away without reason in three months; member 2 with a
  // reason four meetings in a row. March is too short; June is missed.
  const std::vector<std::vector<M>> marks = {{p, excused, unexcused},
                                             {p, excused, p},
                                             {p, excused, unexcused},
                                             {p, excused, unexcused},
                                             {p, p, p}};
  const int months[] = {1, 2, 3, 4, 5};
  for (int i = 0; i < 5; ++i) {
    v1::MeetingRecord record =
        RecordFor(months[i], months[i] == 3 ? 60 : 120, marks[i]);
    if (months[i] == 2) record.set_kind(v1::MEETING_KIND_COMBINED);
    v1::MeetingRecord out;
    ASSERT_TRUE(Record(record, &out).ok()) << months[i];
  }
  v1::GetComplianceReportRequest request;
  request.set_organization(tree_.bloc);
  request.set_start_date(Day(y_, 1, 1));
  request.set_end_date(Day(y_, 6, 30));
  v1::ComplianceReport report;
  grpc::Status status =
      stub().GetComplianceReport(Context().get(), request, &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(report.cells_size(), 1);
  const v1::CellCompliance& cell = report.cells(0);
  EXPECT_EQ(cell.months(), 6);
  EXPECT_EQ(cell.months_with_regular_meeting(), 5);
  EXPECT_THAT(cell.months_missing_regular(),
              ::testing::ElementsAre(absl::StrFormat("%04d-06", y_)));
  EXPECT_THAT(cell.quarters_missing_thematic(),
              ::testing::ElementsAre(absl::StrFormat("%04d-Q2", y_)));
  EXPECT_EQ(cell.meetings_held(), 5);
  EXPECT_EQ(cell.meetings_missed(), 1);
  EXPECT_EQ(cell.meetings_too_short(), 1);
  EXPECT_THAT(cell.rule_versions(),
              ::testing::ElementsAre(absl::StrCat(rule_.name(), " v1")));
  EXPECT_NEAR(cell.attendance_rate(), 8.0 / 15.0, 1e-9);
  EXPECT_EQ(report.cells_fully_compliant(), 0);
  EXPECT_TRUE(absl::StrContains(report.rule_set(), "-HD/BTCTW"))
      << report.rule_set();

  bool unexcused_alert = false;
  bool streak_alert = false;
  for (const v1::AbsenceAlert& alert : report.alerts()) {
    if (alert.member() == tree_.members[2] &&
        alert.kind() == v1::AbsenceAlert::KIND_UNEXCUSED_MONTHS) {
      unexcused_alert = true;
      EXPECT_EQ(alert.count(), 3);
      EXPECT_EQ(alert.year(), y_);
    }
    if (alert.member() == tree_.members[1] &&
        alert.kind() == v1::AbsenceAlert::KIND_EXCUSED_STREAK) {
      streak_alert = true;
      EXPECT_EQ(alert.count(), 4);
    }
  }
  EXPECT_TRUE(unexcused_alert);
  EXPECT_TRUE(streak_alert);

  // The rule sets are dated rows: a period across 28/10/2025 names both.
  request.set_start_date("2025-07-01");
  request.set_end_date("2025-12-31");
  v1::ComplianceReport dated;
  ASSERT_TRUE(
      stub().GetComplianceReport(Context().get(), request, &dated).ok());
  EXPECT_EQ(dated.rule_set(),
            "Hướng dẫn 12-HD/BTCTW (06/7/2018), 2025-07-01..2025-10-27; "
            "Hướng dẫn 42-HD/BTCTW (28/10/2025), 2025-10-28..2025-12-31");
}

TEST_F(RecordsTest, ExemptMembersLeaveTheDenominator) {
  const std::string exempt = MakeMember(tree_.cell);
  registry::v1::ChangeMemberStatusRequest change;
  change.set_member(exempt);
  change.set_status(registry::v1::MEMBER_STATUS_EXEMPT);
  change.set_effective_date("2020-06-01");
  change.set_reason("tuổi cao, sức yếu");
  registry::v1::Member changed;
  ASSERT_TRUE(
      registry().ChangeMemberStatus(Context().get(), change, &changed).ok());
  std::vector<std::string> everyone = tree_.members;
  everyone.push_back(exempt);
  const v1::Meeting m = MeetingOf(7);
  v1::MeetingRecord record = RecordRequest(
      tree_.cell, m.nominal_date(), absl::StrCat(m.scheduled_date(), "T14:00"),
      120, everyone,
      {v1::ATTENDANCE_MARK_PRESENT, v1::ATTENDANCE_MARK_PRESENT,
       v1::ATTENDANCE_MARK_PRESENT, v1::ATTENDANCE_MARK_ABSENT_WITH_REASON});
  v1::MeetingRecord out;
  ASSERT_TRUE(Record(record, &out).ok());
  EXPECT_EQ(out.attendance(3).mark(), v1::ATTENDANCE_MARK_EXEMPT);
  EXPECT_DOUBLE_EQ(out.attendance_rate(), 1.0);
  {
    v1::GetMeetingRecordRequest get;
    get.set_name(out.name());
    v1::MeetingRecord read;
    ASSERT_TRUE(stub().GetMeetingRecord(Context().get(), get, &read).ok());
    EXPECT_EQ(read.DebugString(), out.DebugString());  // a plain record
  }
  // A member who is not exempt cannot be marked so.
  const v1::Meeting aug = MeetingOf(8);
  v1::MeetingRecord wrong =
      RecordRequest(tree_.cell, aug.nominal_date(),
                    absl::StrCat(aug.scheduled_date(), "T14:00"), 120, everyone,
                    {v1::ATTENDANCE_MARK_EXEMPT});
  ExpectError(Record(wrong, &out), grpc::StatusCode::INVALID_ARGUMENT,
              "is not exempt");
}

TEST_F(RecordsTest, TasksAreTrackedToTheNextMeeting) {
  v1::MeetingRecord record = RecordFor(9, 120);
  for (const char* title : {"Rà soát hồ sơ", "Thu đảng phí"}) {
    v1::Task* task = record.add_tasks();
    task->set_title(title);
    task->set_assignee(tree_.members[0]);
    task->set_due_date(Day(y_, 10, 1));
  }
  v1::MeetingRecord out;
  ASSERT_TRUE(Record(record, &out).ok());
  v1::UpdateTaskRequest update;
  *update.mutable_task() = out.tasks(0);
  update.mutable_task()->set_status(v1::TASK_STATUS_DONE);
  update.mutable_update_mask()->add_paths("status");
  v1::Task done;
  ASSERT_TRUE(stub().UpdateTask(Context().get(), update, &done).ok());
  EXPECT_EQ(done.status(), v1::TASK_STATUS_DONE);
  ExpectError(stub().UpdateTask(Context().get(), update, &done),
              grpc::StatusCode::ABORTED, out.tasks(0).name());
  update.mutable_update_mask()->set_paths(0, "meeting");
  ExpectError(stub().UpdateTask(Context().get(), update, &done),
              grpc::StatusCode::INVALID_ARGUMENT, "update_mask");
  // A new assignee must be a member of the cell (today) or a party group.
  v1::UpdateTaskRequest reassign;
  *reassign.mutable_task() = done;
  reassign.mutable_update_mask()->add_paths("assignee");
  reassign.mutable_task()->set_assignee("members/987654321");
  v1::Task reassigned;
  ExpectError(stub().UpdateTask(Context().get(), reassign, &reassigned),
              grpc::StatusCode::INVALID_ARGUMENT, "task.assignee");
  reassign.mutable_task()->set_assignee(tree_.members[1]);
  ASSERT_TRUE(stub().UpdateTask(Context().get(), reassign, &reassigned).ok());
  EXPECT_EQ(reassigned.assignee(), tree_.members[1]);
  v1::ListTasksRequest list;
  list.set_cell(tree_.cell);
  list.set_open_only(true);
  v1::ListTasksResponse open;
  ASSERT_TRUE(stub().ListTasks(Context().get(), list, &open).ok());
  ASSERT_EQ(open.tasks_size(), 1);
  EXPECT_EQ(open.tasks(0).title(), "Thu đảng phí");
  list.set_open_only(false);
  v1::ListTasksResponse all;
  ASSERT_TRUE(stub().ListTasks(Context().get(), list, &all).ok());
  EXPECT_EQ(all.tasks_size(), 2);
}

TEST_F(RecordsTest, MandatedTopicsCountInEveryCellsPlan) {
  const std::string other = MakeCellUnder(
      tree_.bloc, registry::v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY);
  v1::CreateTopicRequest mandate;
  mandate.mutable_topic()->set_organization(tree_.bloc);
  mandate.mutable_topic()->set_year(y_);
  mandate.mutable_topic()->set_title("Tự soi, tự sửa");
  mandate.mutable_topic()->set_planned_month(10);
  v1::Topic mandated;
  ASSERT_TRUE(stub().CreateTopic(Context().get(), mandate, &mandated).ok());
  EXPECT_TRUE(mandated.mandated());
  v1::CreateTopicRequest own;
  own.mutable_topic()->set_organization(tree_.cell);
  own.mutable_topic()->set_year(y_);
  own.mutable_topic()->set_title("Chuyển đổi số trong cơ quan");
  own.mutable_topic()->set_planned_month(11);
  v1::Topic registered;
  ASSERT_TRUE(stub().CreateTopic(Context().get(), own, &registered).ok());
  EXPECT_FALSE(registered.mandated());
  own.mutable_topic()->set_planned_month(13);
  ExpectError(stub().CreateTopic(Context().get(), own, &registered),
              grpc::StatusCode::INVALID_ARGUMENT, "topic.planned_month");

  v1::ListTopicsRequest list;
  list.set_organization(tree_.cell);
  list.set_year(y_);
  v1::ListTopicsResponse topics;
  ASSERT_TRUE(stub().ListTopics(Context().get(), list, &topics).ok());
  EXPECT_EQ(topics.topics_size(), 2);

  v1::MeetingRecord record = RecordFor(10, 130);
  record.set_kind(v1::MEETING_KIND_COMBINED);
  record.add_topics(mandated.name());
  v1::MeetingRecord out;
  ASSERT_TRUE(Record(record, &out).ok());
  {
    v1::GetMeetingRecordRequest get;
    get.set_name(out.name());
    v1::MeetingRecord read;
    ASSERT_TRUE(stub().GetMeetingRecord(Context().get(), get, &read).ok());
    ASSERT_EQ(out.topics_size(), 1);
    EXPECT_EQ(read.DebugString(), out.DebugString());
  }
  v1::MeetingRecord foreign = RecordFor(11, 130);
  v1::Topic elsewhere;
  v1::CreateTopicRequest other_topic;
  other_topic.mutable_topic()->set_organization(other);
  other_topic.mutable_topic()->set_year(y_);
  other_topic.mutable_topic()->set_title("Chuyên đề khác");
  other_topic.mutable_topic()->set_planned_month(11);
  ASSERT_TRUE(
      stub().CreateTopic(Context().get(), other_topic, &elsewhere).ok());
  foreign.add_topics(elsewhere.name());
  ExpectError(Record(foreign, &out), grpc::StatusCode::INVALID_ARGUMENT,
              "record.topics[0]");

  v1::GetPlanCompletionRequest plan_request;
  plan_request.set_organization(tree_.bloc);
  plan_request.set_year(y_);
  v1::PlanCompletion plan;
  ASSERT_TRUE(
      stub().GetPlanCompletion(Context().get(), plan_request, &plan).ok());
  EXPECT_EQ(plan.cells(), 2);
  ASSERT_EQ(plan.mandated_size(), 1);
  EXPECT_EQ(plan.mandated(0).cells(), 2);
  EXPECT_EQ(plan.mandated(0).cells_held(), 1);
  // Cell: mandated (held) + own (not); other: mandated + its own.
  EXPECT_EQ(plan.topics_planned(), 4);
  EXPECT_EQ(plan.topics_held(), 1);
}

TEST_F(RecordsTest, TheCalendarExportParsesBack) {
  const int y = NextYear();
  v1::PostponeMeetingRequest postpone;
  postpone.set_cell(tree_.cell);
  postpone.set_nominal_date(Day(y, 4, 10));
  postpone.set_new_date(Day(y, 4, 16));
  postpone.set_new_time("08:30");
  postpone.set_reason("Bí thư đi công tác");
  v1::Postponement postponement;
  ASSERT_TRUE(
      stub().PostponeMeeting(Context().get(), postpone, &postponement).ok());
  v1::ExportCalendarRequest request;
  request.set_cell(tree_.cell);
  request.set_start_date(Day(y, 1, 1));
  request.set_end_date(Day(y, 12, 31));
  v1::ExportCalendarResponse response;
  ASSERT_TRUE(stub().ExportCalendar(Context().get(), request, &response).ok());
  auto events = ParseICalendar(response.ics());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 12u);
  const CalendarEvent& april = (*events)[3];
  EXPECT_TRUE(april.postponed);
  EXPECT_EQ(april.start, absl::CivilMinute(y, 4, 16, 8, 30));
  EXPECT_FALSE((*events)[2].postponed);
}

TEST_F(RecordsTest, ARegistryOutageFailsWritesFastAndKeepsReads) {
  v1::MeetingRecord record = RecordFor(12, 120);
  v1::Task* task = record.add_tasks();
  task->set_title("Chuẩn bị đại hội");
  task->set_assignee(tree_.members[0]);
  task->set_due_date(Day(y_ + 1, 1, 31));
  v1::MeetingRecord out;
  ASSERT_TRUE(Record(record, &out).ok());
  // The subtree is known from the calls above.
  ASSERT_EQ(Meetings(tree_.bloc, Day(y_, 1, 1), Day(y_, 12, 31)).size(), 12u);
  StopRegistry();
  v1::ListTasksRequest list;
  list.set_cell(tree_.cell);
  v1::ListTasksResponse tasks;
  EXPECT_TRUE(stub().ListTasks(Context().get(), list, &tasks).ok());
  EXPECT_EQ(tasks.tasks_size(), 1);
  EXPECT_EQ(Meetings(tree_.bloc, Day(y_, 1, 1), Day(y_, 12, 31)).size(), 12u);
  const absl::Time start = absl::Now();
  v1::MeetingRecord november = RecordFor(11, 120);
  grpc::Status status = Record(november, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  StartRegistry();
  // Recovers by itself once the registry is back (after the short open
  // circuit): polled, never slept for a fixed time. Until then each attempt
  // is refused as UNAVAILABLE and records nothing.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  int attempts = 0;
  do {
    ++attempts;
    status = Record(RecordFor(11, 120), &out);
    if (status.ok()) break;
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << status.error_message();
    absl::SleepFor(absl::Milliseconds(25));
  } while (absl::Now() < give_up);
  EXPECT_TRUE(status.ok()) << "still failing after " << attempts
                           << " attempts: " << status.error_message();
  const std::vector<v1::Meeting> held =
      Meetings(tree_.cell, Day(y_, 11, 1), Day(y_, 11, 30));
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].record(), out.name());
}

}  // namespace
}  // namespace chibo::scheduling
