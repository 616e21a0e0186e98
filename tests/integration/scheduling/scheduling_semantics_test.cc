// Schedule semantics an integrator relies on, through the real servers and
// MariaDB: a revision leaves every past meeting as it was, worked weekend
// days (làm bù) in holiday calendars, the fifth-weekday warning.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "tests/integration/scheduling/scheduling_fixture.h"

namespace chibo::scheduling {
namespace {

std::string Day(int year, int month, int day) {
  return absl::StrFormat("%04d-%02d-%02d", year, month, day);
}

class SemanticsTest : public SchedulingTest {};

// What an integrator would compare of a listed meeting.
std::string Summary(const v1::Meeting& m) {
  return absl::StrFormat("%s %s %s %s v%d state=%d record=%s postponed=%d",
                         m.nominal_date(), m.scheduled_date(), m.date(),
                         m.rule(), m.rule_version(), m.state(), m.record(),
                         m.postponements_size());
}

TEST_F(SemanticsTest, ARevisionLeavesEveryPastMeetingAsItWas) {
  // The case: day 1 from January; the December 1 meeting passes
  // (missed), then a version for day 31 from December 3.
  Tree tree = MakeTree(2);
  const int y = LastYear();
  const v1::MeetingRule rule =
      MakeDayRule(tree.cell, 1, Day(y, 1, 1), v1::RULE_TARGET_CELL);
  // One meeting held (March), the others missed.
  const std::vector<v1::Meeting> march =
      Meetings(tree.cell, Day(y, 3, 1), Day(y, 3, 31));
  ASSERT_EQ(march.size(), 1u);
  v1::MeetingRecord held;
  ASSERT_TRUE(Record(RecordRequest(tree.cell, march[0].nominal_date(),
                                   march[0].scheduled_date() + "T14:00", 120,
                                   tree.members),
                     &held)
                  .ok());
  const std::vector<v1::Meeting> before =
      Meetings(tree.cell, Day(y, 1, 1), Day(y, 12, 31));
  ASSERT_EQ(before.size(), 12u);

  v1::ReviseMeetingRuleRequest revise;
  revise.set_name(rule.name());
  revise.set_etag(rule.etag());
  revise.mutable_version()->set_pattern(v1::DAY_PATTERN_DAY_OF_MONTH);
  revise.mutable_version()->set_day_of_month(31);
  revise.mutable_version()->set_effective_from(Day(y, 12, 3));
  v1::MeetingRule revised;
  ASSERT_TRUE(stub().ReviseMeetingRule(Context().get(), revise, &revised).ok());

  const std::vector<v1::Meeting> after =
      Meetings(tree.cell, Day(y, 1, 1), Day(y, 12, 31));
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(Summary(after[i]), Summary(before[i])) << i;
  }
  // December keeps its one meeting, the 1st, from v1; v2 holds January.
  EXPECT_EQ(after.back().nominal_date(), Day(y, 12, 1));
  EXPECT_EQ(after.back().rule_version(), 1);
  const std::vector<v1::Meeting> january =
      Meetings(tree.cell, Day(y + 1, 1, 20), Day(y + 1, 2, 5));
  ASSERT_EQ(january.size(), 1u);
  EXPECT_EQ(january[0].nominal_date(), Day(y + 1, 1, 31));
  EXPECT_EQ(january[0].rule_version(), 2);
}

TEST_F(SemanticsTest, AWorkedSaturdayIsAWorkingDay) {
  // 2190 belongs to this test alone (holiday calendars are national).
  Tree tree = MakeTree(0);
  MakeDayRule(tree.cell, 24, "2190-01-01", v1::RULE_TARGET_CELL);
  auto april = [&] {
    const std::vector<v1::Meeting> meetings =
        Meetings(tree.cell, "2190-04-01", "2190-04-30");
    return meetings.empty() ? std::string() : meetings[0].scheduled_date();
  };
  EXPECT_EQ(april(), "2190-04-26");  // Saturday 24 -> Monday 26

  v1::SetHolidayCalendarRequest set;
  set.mutable_calendar()->set_year(2190);
  v1::Holiday* bridged = set.mutable_calendar()->add_holidays();
  bridged->set_date("2190-04-30");
  bridged->set_title("Nghỉ bù");
  v1::Holiday* worked = set.mutable_calendar()->add_working_days();
  worked->set_date("2190-04-24");
  worked->set_title("Làm bù cho ngày 30/4");
  v1::HolidayCalendar calendar;
  ASSERT_TRUE(stub().SetHolidayCalendar(Context().get(), set, &calendar).ok());
  ASSERT_EQ(calendar.working_days_size(), 1);
  EXPECT_EQ(calendar.working_days(0).date(), "2190-04-24");
  EXPECT_EQ(april(), "2190-04-24");

  v1::GetHolidayCalendarRequest get;
  get.set_year(2190);
  v1::HolidayCalendar read;
  ASSERT_TRUE(stub().GetHolidayCalendar(Context().get(), get, &read).ok());
  EXPECT_EQ(read.working_days_size(), 1);

  // A weekday is already a working day.
  v1::SetHolidayCalendarRequest weekday = set;
  weekday.mutable_calendar()->mutable_working_days(0)->set_date("2190-04-26");
  ExpectError(stub().SetHolidayCalendar(Context().get(), weekday, &calendar),
              grpc::StatusCode::INVALID_ARGUMENT,
              "calendar.working_days[0].date: 2190-04-26 is a Monday, "
              "already a working day");
}

TEST_F(SemanticsTest, AFifthWeekdayRuleIsAcceptedWithAWarning) {
  Tree tree = MakeTree(0);
  v1::CreateMeetingRuleRequest request;
  request.mutable_rule()->set_organization(tree.cell);
  request.mutable_rule()->set_target(v1::RULE_TARGET_CELL);
  v1::MeetingRuleVersion* v = request.mutable_rule()->add_versions();
  v->set_pattern(v1::DAY_PATTERN_NTH_WEEKDAY);
  v->set_nth(5);
  v->set_weekday(5);
  v->set_effective_from("2026-01-01");
  v1::MeetingRule created;
  ASSERT_TRUE(
      stub().CreateMeetingRule(Context().get(), request, &created).ok());
  ASSERT_EQ(created.warnings_size(), 1);
  EXPECT_THAT(created.warnings(0),
              ::testing::HasSubstr("rule.versions[0].nth: the 5th Friday "
                                   "occurs in only 4 of the first 12 months"));
  // A day-of-month rule has none.
  EXPECT_EQ(MakeDayRule(tree.bloc, 5, "2026-01-01").warnings_size(), 0);
}

}  // namespace
}  // namespace chibo::scheduling
