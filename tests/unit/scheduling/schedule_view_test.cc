// Composing one cell's schedule, states and compliance from loaded rows.

#include "services/scheduling/schedule_view.h"

#include "gtest/gtest.h"

namespace chibo::scheduling {
namespace {

MeetingRule DayRule(int day) {
  MeetingRule rule;
  rule.id = 7;
  rule.version = 2;
  rule.pattern = DayPattern::kDayOfMonth;
  rule.day_of_month = day;
  rule.effective_from = absl::CivilDay(2025, 1, 1);
  return rule;
}

CellData Cell() {
  CellData data;
  data.cell.id = 12;
  data.cell.is_cell = true;
  data.rules = {DayRule(1)};
  return data;
}

StoredRecord Held(absl::CivilDay nominal, absl::CivilMinute start, int minutes,
                  MeetingKind kind = MeetingKind::kRegular) {
  StoredRecord record;
  record.id = 100 + nominal.month();
  record.meeting.nominal_day = nominal;
  record.meeting.day = absl::CivilDay(start);
  record.meeting.kind = kind;
  record.meeting.start = start;
  record.meeting.end = start + minutes;
  record.meeting.attendance = {{1, AttendanceMark::kPresent},
                               {2, AttendanceMark::kAbsentWithoutReason},
                               {3, AttendanceMark::kExempt}};
  record.min_minutes = kind == MeetingKind::kCombined ? 120 : 90;
  record.rule_id = 7;
  record.rule_version = 2;
  return record;
}

TEST(BuildMeetingsTest, StatesFromRecordsAndPostponements) {
  CellData data = Cell();
  data.records = {Held(absl::CivilDay(2025, 1, 1),
                       absl::CivilMinute(2025, 1, 2, 14, 0), 100)};
  StoredPostponement p;
  p.rule.nominal_day = absl::CivilDay(2025, 3, 1);
  p.rule.new_day = absl::CivilDay(2025, 3, 20);
  p.rule.sequence = 1;
  p.proto.set_new_date("2025-03-20");
  p.proto.set_new_time("08:00");
  data.postponements[p.rule.nominal_day].push_back(p);
  // 2025: Jan 1 is a Wednesday (no holidays here), Feb 1 a Saturday.
  const std::vector<v1::Meeting> meetings =
      BuildMeetings(data, WorkingCalendar(), absl::CivilDay(2025, 1, 1),
                    absl::CivilDay(2025, 4, 30), absl::CivilDay(2025, 3, 10));
  ASSERT_EQ(meetings.size(), 4u);
  EXPECT_EQ(meetings[0].state(), v1::MEETING_STATE_HELD);
  EXPECT_EQ(meetings[0].record(), "meetings/101");
  EXPECT_EQ(meetings[1].scheduled_date(), "2025-02-03");
  EXPECT_EQ(meetings[1].state(), v1::MEETING_STATE_MISSED);
  EXPECT_EQ(meetings[2].state(), v1::MEETING_STATE_POSTPONED);
  EXPECT_EQ(meetings[2].date(), "2025-03-20");
  EXPECT_EQ(meetings[2].time(), "08:00");
  EXPECT_EQ(meetings[3].state(), v1::MEETING_STATE_UPCOMING);
  EXPECT_EQ(meetings[3].rule(), "meetingRules/7");
  EXPECT_EQ(meetings[3].rule_version(), 2);
  EXPECT_EQ(meetings[3].cell(), "organizations/12");
}

TEST(BuildMeetingsTest, ExtraMeetingsAreListedAsHeld) {
  CellData data = Cell();
  StoredRecord extra =
      Held(absl::CivilDay(), absl::CivilMinute(2025, 1, 15, 8, 0), 120,
           MeetingKind::kThematic);
  extra.id = 55;
  data.records = {extra};
  const std::vector<v1::Meeting> meetings =
      BuildMeetings(data, WorkingCalendar(), absl::CivilDay(2025, 1, 1),
                    absl::CivilDay(2025, 2, 28), absl::CivilDay(2025, 3, 10));
  ASSERT_EQ(meetings.size(), 3u);
  EXPECT_EQ(meetings[1].nominal_date(), "");
  EXPECT_EQ(meetings[1].date(), "2025-01-15");
  EXPECT_EQ(meetings[1].time(), "08:00");
  EXPECT_EQ(meetings[1].state(), v1::MEETING_STATE_HELD);
  EXPECT_EQ(meetings[1].record(), "meetings/55");
  const std::vector<CalendarEvent> events =
      CalendarEventsOf("Chi bộ 3", meetings);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].uid, "organizations-12-meetings-55@chibo");
  std::vector<v1::AbsenceAlert> alerts;
  const v1::CellCompliance c = CellComplianceOf(
      data, WorkingCalendar(), absl::CivilDay(2025, 1, 1),
      absl::CivilDay(2025, 3, 31), absl::CivilDay(2025, 12, 31), &alerts);
  // The extra thematic meeting fulfils the quarter, not a month.
  EXPECT_EQ(c.quarters_with_thematic_meeting(), 1);
  EXPECT_EQ(c.months_with_regular_meeting(), 0);
  EXPECT_EQ(c.meetings_held(), 1);
  EXPECT_EQ(c.meetings_missed(), 3);
}

TEST(FindOccurrenceTest, ByNominalDayOnly) {
  const std::vector<MeetingRule> rules = {DayRule(1)};
  auto found =
      FindOccurrence(rules, WorkingCalendar(), absl::CivilDay(2025, 2, 1));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->day, absl::CivilDay(2025, 2, 3));
  EXPECT_FALSE(
      FindOccurrence(rules, WorkingCalendar(), absl::CivilDay(2025, 2, 3))
          .has_value());
}

TEST(CellComplianceTest, CountsMonthsQuartersLengthsAndAlerts) {
  CellData data = Cell();
  for (int month : {1, 2, 3}) {
    data.records.push_back(
        Held(absl::CivilDay(2025, month, 1),
             absl::CivilMinute(2025, month, 3, 14, 0), month == 2 ? 60 : 130,
             month == 3 ? MeetingKind::kCombined : MeetingKind::kRegular));
  }
  std::vector<v1::AbsenceAlert> alerts;
  const v1::CellCompliance c = CellComplianceOf(
      data, WorkingCalendar(), absl::CivilDay(2025, 1, 1),
      absl::CivilDay(2025, 4, 30), absl::CivilDay(2025, 12, 31), &alerts);
  EXPECT_EQ(c.months(), 4);
  EXPECT_EQ(c.months_with_regular_meeting(), 3);
  ASSERT_EQ(c.months_missing_regular_size(), 1);
  EXPECT_EQ(c.months_missing_regular(0), "2025-04");
  EXPECT_EQ(c.quarters(), 2);
  EXPECT_EQ(c.quarters_with_thematic_meeting(), 1);
  EXPECT_EQ(c.meetings_held(), 3);
  EXPECT_EQ(c.meetings_missed(), 1);
  EXPECT_EQ(c.meetings_too_short(), 1);
  // Exempt members leave the denominator: 1 of 2 each time.
  EXPECT_DOUBLE_EQ(c.attendance_rate(), 0.5);
  ASSERT_EQ(c.rule_versions_size(), 1);
  EXPECT_EQ(c.rule_versions(0), "meetingRules/7 v2");
  // Member 2 was absent without reason in three months.
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].member(), "members/2");
  EXPECT_EQ(alerts[0].kind(), v1::AbsenceAlert::KIND_UNEXCUSED_MONTHS);
  EXPECT_EQ(alerts[0].count(), 3);
}

TEST(CalendarEventsTest, PostponedMeetingsMoveAndAreMarked) {
  v1::Meeting meeting;
  meeting.set_cell("organizations/12");
  meeting.set_nominal_date("2025-03-01");
  meeting.set_scheduled_date("2025-03-03");
  meeting.set_date("2025-03-20");
  meeting.set_time("08:00");
  meeting.set_min_minutes(90);
  meeting.add_postponements()->set_new_date("2025-03-20");
  const std::vector<CalendarEvent> events =
      CalendarEventsOf("Chi bộ 3", {meeting});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].uid, "organizations-12-2025-03-01@chibo");
  EXPECT_EQ(events[0].start, absl::CivilMinute(2025, 3, 20, 8, 0));
  EXPECT_TRUE(events[0].postponed);
  EXPECT_EQ(events[0].minutes, 90);
}

}  // namespace
}  // namespace chibo::scheduling
