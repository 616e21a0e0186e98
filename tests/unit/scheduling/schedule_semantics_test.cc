// The schedule semantics an integrator relies on (scheduling.proto's
// ListMeetings and ReviseMeetingRule comments): one regular meeting a month
// from the version in force on its nominal day, revisions that never change
// a meeting dated before their effective_from, fifth weekdays, the last
// working day's nominal day, and working weekend days (làm bù).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/scheduling/schedule_rules.h"
#include "tests/unit/scheduling/scheduling_test_util.h"

namespace chibo::scheduling {
namespace {

using ::chibo::scheduling::testing::D;
using ::chibo::scheduling::testing::DayOfMonthRule;
using ::chibo::scheduling::testing::kNext;
using ::chibo::scheduling::testing::kPrevious;
using ::chibo::scheduling::testing::LastWorkingDayRule;
using ::chibo::scheduling::testing::NthWeekdayRule;
using ::testing::HasSubstr;

// A revision as ReviseMeetingRule stores it: the previous version ends the
// day before the new one begins.
std::vector<MeetingRule> Revise(std::vector<MeetingRule> versions,
                                MeetingRule next) {
  versions.back().effective_to = next.effective_from - 1;
  next.id = versions.back().id;
  next.version = versions.back().version + 1;
  versions.push_back(next);
  return versions;
}

// Occurrences by nominal month.
std::map<absl::CivilMonth, std::vector<Occurrence>> ByMonth(
    const std::vector<Occurrence>& occurrences) {
  std::map<absl::CivilMonth, std::vector<Occurrence>> out;
  for (const Occurrence& o : occurrences) {
    out[absl::CivilMonth(o.nominal_day)].push_back(o);
  }
  return out;
}

bool Same(const Occurrence& a, const Occurrence& b) {
  return a.nominal_day == b.nominal_day && a.day == b.day &&
         a.rule_id == b.rule_id && a.rule_version == b.rule_version &&
         a.start_minute == b.start_minute;
}

TEST(RevisionTest, TheIssuesCaseKeepsThePastMeeting) {
  // Rule: day 1 from 2025. Then a version for day 31 from 2026-12-03.
  MeetingRule v1 = DayOfMonthRule(1, kNext, 7, 1);
  v1.effective_from = D(2025, 1, 1);
  MeetingRule v2 = DayOfMonthRule(31, kNext, 7, 2);
  v2.effective_from = D(2026, 12, 3);
  const std::vector<MeetingRule> revised = Revise({v1}, v2);
  const std::vector<Occurrence> december = ExpandSchedule(
      revised, WorkingCalendar(), D(2026, 12, 1), D(2026, 12, 31));
  ASSERT_EQ(december.size(), 1u);
  EXPECT_EQ(december[0].day, D(2026, 12, 1));  // a Tuesday
  EXPECT_EQ(december[0].rule_version, 1);
  // From January v2 holds every month (Sunday 31 January 2027 -> 1 Feb).
  const std::vector<Occurrence> january =
      ExpandSchedule(revised, WorkingCalendar(), D(2027, 1, 1), D(2027, 2, 10));
  ASSERT_EQ(january.size(), 1u);
  EXPECT_EQ(january[0].nominal_day, D(2027, 1, 31));
  EXPECT_EQ(january[0].day, D(2027, 2, 1));
  EXPECT_EQ(january[0].rule_version, 2);
}

TEST(RevisionTest, FirstMonthClampLooksForwardEvenForPreviousShift) {
  // v2 "day 5" from Saturday 15 March 2025, previous working day: the month's
  // meeting is v2's first day, shifted forward to Monday 17 (not back to
  // Friday 14, which v1 still governed).
  MeetingRule v1 = DayOfMonthRule(25, kPrevious, 4, 1);
  v1.effective_from = D(2024, 1, 1);
  MeetingRule v2 = DayOfMonthRule(5, kPrevious);
  v2.effective_from = D(2025, 3, 15);
  const std::vector<Occurrence> march = ExpandSchedule(
      Revise({v1}, v2), WorkingCalendar(), D(2025, 3, 1), D(2025, 3, 31));
  ASSERT_EQ(march.size(), 1u);
  EXPECT_EQ(march[0].nominal_day, D(2025, 3, 15));
  EXPECT_EQ(march[0].day, D(2025, 3, 17));
  EXPECT_EQ(march[0].rule_version, 2);
}

// A deterministic pseudo-random sequence (no time, no global state).
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed) {}
  int Next(int bound) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((state_ >> 33) % static_cast<uint64_t>(bound));
  }

 private:
  uint64_t state_;
};

MeetingRule RandomVersion(Lcg& random) {
  const absl::Weekday weekdays[] = {
      absl::Weekday::monday, absl::Weekday::tuesday, absl::Weekday::wednesday,
      absl::Weekday::thursday, absl::Weekday::friday};
  const NonWorkingDayShift shift = random.Next(2) == 0 ? kNext : kPrevious;
  switch (random.Next(3)) {
    case 0:
      return NthWeekdayRule(random.Next(5) == 4 ? -1 : random.Next(4) + 1,
                            weekdays[random.Next(5)], shift);
    case 1:
      return LastWorkingDayRule();
    default:
      return DayOfMonthRule(random.Next(31) + 1, shift);
  }
}

TEST(RevisionTest, RandomRevisionsNeverChangeThePastAndKeepOnePerMonth) {
  const WorkingCalendar calendar = testing::VietnamCalendar();
  Lcg random(20261202);
  for (int trial = 0; trial < 300; ++trial) {
    MeetingRule first = RandomVersion(random);
    first.id = trial + 1;
    first.effective_from = D(2023, 1, 1);
    std::vector<MeetingRule> versions = {first};
    absl::CivilDay from = first.effective_from;
    for (int revision = 0; revision < 4; ++revision) {
      MeetingRule next = RandomVersion(random);
      next.effective_from = from + 1 + random.Next(200);
      from = next.effective_from;
      const std::vector<MeetingRule> revised = Revise(versions, next);
      const std::vector<Occurrence> before =
          ExpandSchedule(versions, calendar, D(2023, 1, 1), D(2026, 12, 31));
      const std::vector<Occurrence> after =
          ExpandSchedule(revised, calendar, D(2023, 1, 1), D(2026, 12, 31));
      // Every meeting dated before the revision's effective_from stays.
      for (const Occurrence& o : before) {
        if (o.nominal_day >= next.effective_from) continue;
        bool kept = false;
        for (const Occurrence& a : after) kept = kept || Same(o, a);
        EXPECT_TRUE(kept) << "trial " << trial << " revision " << revision
                          << ": " << o.nominal_day << " lost";
      }
      // Exactly one meeting per nominal month (2023-02..2026-11: the ends
      // may shift outside the range).
      const auto months = ByMonth(after);
      for (absl::CivilMonth m(2023, 2); m <= absl::CivilMonth(2026, 11); ++m) {
        auto found = months.find(m);
        EXPECT_TRUE(found != months.end() && found->second.size() == 1)
            << "trial " << trial << " month " << m;
      }
      versions = revised;
    }
  }
}

TEST(ApplicableRulesSemanticsTest, OwnRuleFromMidMonthLeavesEarlierMeeting) {
  // The committee's rule: day 1. The cell's own rule "day 10" from 15 July
  // 2025: July keeps the committee's 1 July; August is the cell's.
  ScopedRule committee;
  committee.scope.organization_id = 2;
  committee.rule = DayOfMonthRule(1, kNext, 4);
  ScopedRule own;
  own.scope.organization_id = 1;
  own.scope.for_cell_itself = true;
  own.rule = DayOfMonthRule(10, kNext, 5);
  own.rule.effective_from = D(2025, 7, 15);
  const std::vector<MeetingRule> applicable = ApplicableRules(
      {committee, own}, {1, 2}, 0, D(2025, 6, 1), D(2025, 8, 31));
  const std::vector<Occurrence> summer = ExpandSchedule(
      applicable, WorkingCalendar(), D(2025, 6, 1), D(2025, 8, 31));
  ASSERT_EQ(summer.size(), 3u);
  EXPECT_EQ(summer[1].nominal_day, D(2025, 7, 1));
  EXPECT_EQ(summer[1].rule_id, 4);
  EXPECT_EQ(summer[2].nominal_day, D(2025, 8, 10));
  EXPECT_EQ(summer[2].rule_id, 5);
}

TEST(FifthWeekdayTest, SkippedMonthsAndAWarning) {
  const MeetingRule rule = NthWeekdayRule(5, absl::Weekday::friday, kNext);
  EXPECT_TRUE(ValidateRule(rule).ok());
  // 2026-02 has four Fridays: no meeting that month from this rule.
  EXPECT_FALSE(OccurrenceInMonth(rule, WorkingCalendar(), 2026, 2).has_value());
  MeetingRule from_2026 = rule;
  from_2026.effective_from = D(2026, 1, 1);
  const std::vector<std::string> warnings = RuleWarnings(from_2026);
  ASSERT_EQ(warnings.size(), 1u);
  // Fifth Fridays of 2026: January, May, July, October.
  EXPECT_THAT(warnings[0], HasSubstr("rule.nth: the 5th Friday occurs in only "
                                     "4 of the first 12 months"));
  EXPECT_TRUE(
      RuleWarnings(NthWeekdayRule(-1, absl::Weekday::friday, kNext)).empty());
  EXPECT_TRUE(
      RuleWarnings(NthWeekdayRule(4, absl::Weekday::friday, kNext)).empty());
  EXPECT_TRUE(RuleWarnings(DayOfMonthRule(31, kNext)).empty());
}

TEST(LastWorkingDayTest, NominalDayIsTheCalendarMonthEndEvenOnAHoliday) {
  // 30 April 2025 is Reunification Day: the meeting is on the 29th, and
  // postponements and records key on the 30th.
  std::optional<Occurrence> april = OccurrenceInMonth(
      LastWorkingDayRule(), testing::VietnamCalendar(), 2025, 4);
  ASSERT_TRUE(april.has_value());
  EXPECT_EQ(april->nominal_day, D(2025, 4, 30));
  EXPECT_EQ(april->day, D(2025, 4, 29));
}

TEST(WorkingWeekendTest, AWorkedSaturdayIsAWorkingDayForEveryShift) {
  // 2025: 2 May (Friday) bridged, Saturday 26 April worked instead.
  const WorkingCalendar plain({D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 2)});
  const WorkingCalendar bridged({D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 2)},
                                {D(2025, 4, 26)});
  EXPECT_FALSE(plain.IsWorkingDay(D(2025, 4, 26)));
  EXPECT_TRUE(bridged.IsWorkingDay(D(2025, 4, 26)));
  EXPECT_FALSE(bridged.IsWorkingDay(D(2025, 4, 27)));  // still a Sunday
  // Day 26, next working day: the Saturday itself.
  EXPECT_EQ(OccurrenceInMonth(DayOfMonthRule(26, kNext), plain, 2025, 4)->day,
            D(2025, 4, 28));
  EXPECT_EQ(OccurrenceInMonth(DayOfMonthRule(26, kNext), bridged, 2025, 4)->day,
            D(2025, 4, 26));
  // Day 27, previous working day: back to the worked Saturday.
  EXPECT_EQ(
      OccurrenceInMonth(DayOfMonthRule(27, kPrevious), bridged, 2025, 4)->day,
      D(2025, 4, 26));
  // The last working day of April 2025 is the 29th either way (30 is a
  // holiday); a worked Saturday at a month's end becomes the last one.
  const WorkingCalendar may_end({}, {D(2025, 5, 31)});
  EXPECT_EQ(OccurrenceInMonth(LastWorkingDayRule(), may_end, 2025, 5)->day,
            D(2025, 5, 31));
  EXPECT_EQ(
      OccurrenceInMonth(LastWorkingDayRule(), WorkingCalendar(), 2025, 5)->day,
      D(2025, 5, 30));
}

TEST(WorkingWeekendTest, ValidateWorkingDaysNamesTheField) {
  EXPECT_TRUE(ValidateWorkingDays({D(2025, 5, 2)}, {D(2025, 4, 26)}).ok());
  absl::Status weekday =
      ValidateWorkingDays({}, {D(2025, 4, 26), D(2025, 5, 5)});
  EXPECT_EQ(weekday.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(weekday.message(),
              HasSubstr("calendar.working_days[1].date: 2025-05-05 is a "
                        "Monday, already a working day"));
  absl::Status holiday =
      ValidateWorkingDays({D(2025, 4, 26)}, {D(2025, 4, 26)});
  EXPECT_THAT(holiday.message(),
              HasSubstr("calendar.working_days[0].date: 2025-04-26 is also"));
  absl::Status twice =
      ValidateWorkingDays({}, {D(2025, 4, 26), D(2025, 4, 26)});
  EXPECT_THAT(twice.message(), HasSubstr("working_days[1].date"));
}

}  // namespace
}  // namespace chibo::scheduling
