// Working days, ValidateRule, OccurrenceInMonth and ExpandSchedule: every
// rule form across leap years, month ends, weekends, holidays (Tết runs) and
// rule changes mid-year.

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
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
using ::chibo::scheduling::testing::VietnamCalendar;
using ::testing::HasSubstr;

constexpr absl::Weekday kAllWeekdays[] = {
    absl::Weekday::monday,   absl::Weekday::tuesday, absl::Weekday::wednesday,
    absl::Weekday::thursday, absl::Weekday::friday,  absl::Weekday::saturday,
    absl::Weekday::sunday};

// The shifted day of `rule` in (year, month), or nullopt.
std::optional<absl::CivilDay> DayOf(const MeetingRule& rule, int year,
                                    int month) {
  static const WorkingCalendar* calendar =
      new WorkingCalendar(VietnamCalendar());
  std::optional<Occurrence> occurrence =
      OccurrenceInMonth(rule, *calendar, year, month);
  if (!occurrence.has_value()) return std::nullopt;
  return occurrence->day;
}

std::optional<absl::CivilDay> NominalOf(const MeetingRule& rule, int year,
                                        int month) {
  std::optional<Occurrence> occurrence =
      OccurrenceInMonth(rule, WorkingCalendar(), year, month);
  if (!occurrence.has_value()) return std::nullopt;
  return occurrence->nominal_day;
}

// ---------------------------------------------------------------------------
// Brute-force references, written without absl's weekday arithmetic.

int DaysIn(int year, int month) {
  int days = 0;
  for (int d = 1; d <= 31; ++d) {
    if (absl::CivilDay(year, month, d).month() == month) days = d;
  }
  return days;
}

std::optional<absl::CivilDay> ReferenceNthWeekday(int year, int month, int nth,
                                                  absl::Weekday weekday) {
  std::vector<absl::CivilDay> matches;
  for (int d = 1; d <= DaysIn(year, month); ++d) {
    if (absl::GetWeekday(absl::CivilDay(year, month, d)) == weekday) {
      matches.push_back(absl::CivilDay(year, month, d));
    }
  }
  if (nth == -1) return matches.back();
  if (nth > static_cast<int>(matches.size())) return std::nullopt;
  return matches[nth - 1];
}

absl::CivilDay ReferenceShift(const WorkingCalendar& calendar,
                              absl::CivilDay day, int step) {
  while (absl::GetWeekday(day) == absl::Weekday::saturday ||
         absl::GetWeekday(day) == absl::Weekday::sunday ||
         calendar.IsHoliday(day)) {
    day += step;
  }
  return day;
}

// ---------------------------------------------------------------------------
// WorkingCalendar.

TEST(WorkingCalendarTest, WeekendsAndHolidaysAreNotWorkingDays) {
  const WorkingCalendar calendar = VietnamCalendar();
  EXPECT_TRUE(calendar.IsWorkingDay(D(2025, 3, 3)));    // Monday
  EXPECT_TRUE(calendar.IsWorkingDay(D(2025, 3, 7)));    // Friday
  EXPECT_FALSE(calendar.IsWorkingDay(D(2025, 3, 8)));   // Saturday
  EXPECT_FALSE(calendar.IsWorkingDay(D(2025, 3, 9)));   // Sunday
  EXPECT_FALSE(calendar.IsWorkingDay(D(2025, 4, 30)));  // Wednesday, holiday
  EXPECT_FALSE(calendar.IsWorkingDay(D(2025, 5, 1)));
  EXPECT_FALSE(calendar.IsWorkingDay(D(2025, 9, 2)));
  EXPECT_FALSE(calendar.IsWorkingDay(D(2025, 1, 27)));  // Tết, a Monday
  EXPECT_TRUE(calendar.IsHoliday(D(2025, 1, 25)));      // Tết, a Saturday
  EXPECT_FALSE(calendar.IsHoliday(D(2025, 3, 8)));      // only a weekend
  EXPECT_TRUE(WorkingCalendar().IsWorkingDay(D(2025, 4, 30)));
}

// ---------------------------------------------------------------------------
// ValidateRule.

TEST(ValidateRuleTest, AcceptsEveryWellFormedPattern) {
  EXPECT_TRUE(ValidateRule(DayOfMonthRule(1, kNext)).ok());
  EXPECT_TRUE(ValidateRule(DayOfMonthRule(31, kPrevious)).ok());
  EXPECT_TRUE(ValidateRule(LastWorkingDayRule()).ok());
  for (int nth : {1, 2, 3, 4, 5, -1}) {
    for (absl::Weekday weekday : kAllWeekdays) {
      EXPECT_TRUE(ValidateRule(NthWeekdayRule(nth, weekday, kNext)).ok())
          << nth << " " << weekday;
    }
  }
}

TEST(ValidateRuleTest, NamesTheFieldOfEachMalformedValue) {
  struct Case {
    std::string name;
    MeetingRule rule;
    std::string field;
  };
  std::vector<Case> cases;
  auto add = [&cases](std::string name, MeetingRule rule, std::string field) {
    cases.push_back({std::move(name), std::move(rule), std::move(field)});
  };
  for (int day : {0, -1, 32, 100}) {
    add("day " + std::to_string(day), DayOfMonthRule(day, kNext),
        "rule.day_of_month: must be 1..31");
  }
  for (int nth : {0, 6, -2, -5}) {
    add("nth " + std::to_string(nth),
        NthWeekdayRule(nth, absl::Weekday::monday, kNext),
        "rule.nth: must be 1..5 or -1");
  }
  add("weekday 9", NthWeekdayRule(1, static_cast<absl::Weekday>(9), kNext),
      "rule.weekday");
  add("shift 7", DayOfMonthRule(1, static_cast<NonWorkingDayShift>(7)),
      "rule.shift");
  {
    MeetingRule rule = DayOfMonthRule(1, kNext);
    rule.pattern = static_cast<DayPattern>(9);
    add("pattern 9", rule, "rule.pattern");
  }
  for (int minute : {-1, 1440, 5000}) {
    MeetingRule rule = DayOfMonthRule(1, kNext);
    rule.start_minute = minute;
    add("start " + std::to_string(minute), rule, "rule.start_minute");
  }
  for (int minutes : {0, -90, 1441}) {
    MeetingRule rule = DayOfMonthRule(1, kNext);
    rule.min_minutes = minutes;
    add("min " + std::to_string(minutes), rule, "rule.min_minutes");
  }
  {
    MeetingRule rule = DayOfMonthRule(1, kNext);
    rule.combined_min_minutes = 60;  // below min_minutes (90)
    add("combined below min", rule, "rule.combined_min_minutes");
  }
  {
    MeetingRule rule = DayOfMonthRule(1, kNext);
    rule.version = 0;
    add("version 0", rule, "rule.version");
  }
  {
    MeetingRule rule = DayOfMonthRule(1, kNext);
    rule.effective_from = D(2025, 7, 1);
    rule.effective_to = D(2025, 6, 30);
    add("period reversed", rule,
        "rule.effective_to: 2025-06-30 is before rule.effective_from "
        "2025-07-01");
  }
  for (const Case& c : cases) {
    absl::Status status = ValidateRule(c.rule);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(status.message(), HasSubstr(c.field)) << c.name;
  }
}

TEST(ValidateRuleTest, IgnoresFieldsThePatternDoesNotUse) {
  MeetingRule rule = LastWorkingDayRule();
  rule.day_of_month = 0;
  rule.nth = 9;
  EXPECT_TRUE(ValidateRule(rule).ok());
  rule = NthWeekdayRule(2, absl::Weekday::tuesday, kNext);
  rule.day_of_month = 40;
  EXPECT_TRUE(ValidateRule(rule).ok());
}

TEST(ValidateRuleTest, RejectsAFifthWeekdayThatNeverOccursInThePeriod) {
  // February 2026 has four Fridays (6, 13, 20, 27).
  MeetingRule rule = NthWeekdayRule(5, absl::Weekday::friday, kNext);
  rule.effective_from = D(2026, 2, 1);
  rule.effective_to = D(2026, 3, 31);  // March 2026: 6, 13, 20, 27 too
  absl::Status status = ValidateRule(rule);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("rule.nth: the 5th Friday never"));
  EXPECT_THAT(status.message(), HasSubstr("2026-02-01..2026-03-31"));
  // ... but May 2026 has a fifth Friday (the 29th).
  rule.effective_to = D(2026, 5, 29);
  EXPECT_TRUE(ValidateRule(rule).ok());
  rule.effective_to = D(2026, 5, 28);  // the period ends the day before
  EXPECT_FALSE(ValidateRule(rule).ok());
}

TEST(ValidateRuleTest, FifthThursdayOnlyInLeapFebruary) {
  MeetingRule rule = NthWeekdayRule(5, absl::Weekday::thursday, kNext);
  rule.effective_from = D(2024, 2, 1);
  rule.effective_to = D(2024, 2, 29);
  EXPECT_TRUE(ValidateRule(rule).ok());  // Thursday 29 February 2024
  rule.effective_from = D(2023, 2, 1);
  rule.effective_to = D(2023, 2, 28);
  EXPECT_FALSE(ValidateRule(rule).ok());
}

TEST(ValidateRuleTest, RejectsAPeriodWithoutTheNominalDay) {
  // Day 25 in a period of 10..20 March: past its end.
  MeetingRule rule = DayOfMonthRule(25, kNext);
  rule.effective_from = D(2025, 3, 10);
  rule.effective_to = D(2025, 3, 20);
  absl::Status status = ValidateRule(rule);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("rule.effective_to"));
  EXPECT_THAT(status.message(), HasSubstr("2025-03-10..2025-03-20"));

  // Day 31 means the 28th in February 2025.
  rule = DayOfMonthRule(31, kNext);
  rule.effective_from = D(2025, 2, 1);
  rule.effective_to = D(2025, 2, 28);
  EXPECT_TRUE(ValidateRule(rule).ok());
  rule.effective_to = D(2025, 2, 27);
  EXPECT_FALSE(ValidateRule(rule).ok());

  // One day periods.
  rule = DayOfMonthRule(15, kNext);
  rule.effective_from = rule.effective_to = D(2025, 6, 15);
  EXPECT_TRUE(ValidateRule(rule).ok());
  rule.effective_from = rule.effective_to = D(2025, 6, 14);
  EXPECT_FALSE(ValidateRule(rule).ok());
  // Day 1 in a period of 10..20 March: the version's first month holds its
  // meeting on the first day (see ExpandSchedule), so it yields a date.
  rule = DayOfMonthRule(1, kNext);
  rule.effective_from = D(2025, 3, 10);
  rule.effective_to = D(2025, 3, 20);
  EXPECT_TRUE(ValidateRule(rule).ok());

  // The last working day's nominal day is the month's last day.
  rule = LastWorkingDayRule();
  rule.effective_from = D(2025, 3, 1);
  rule.effective_to = D(2025, 3, 30);
  EXPECT_FALSE(ValidateRule(rule).ok());
  rule.effective_to = D(2025, 3, 31);
  EXPECT_TRUE(ValidateRule(rule).ok());
}

// ---------------------------------------------------------------------------
// Day N of the month.

TEST(DayOfMonthTest, BeyondTheMonthsEndMeansItsLastDay) {
  // Nominal days, without a calendar.
  EXPECT_EQ(NominalOf(DayOfMonthRule(29, kNext), 2024, 2), D(2024, 2, 29));
  EXPECT_EQ(NominalOf(DayOfMonthRule(30, kNext), 2024, 2), D(2024, 2, 29));
  EXPECT_EQ(NominalOf(DayOfMonthRule(31, kNext), 2024, 2), D(2024, 2, 29));
  EXPECT_EQ(NominalOf(DayOfMonthRule(29, kNext), 2023, 2), D(2023, 2, 28));
  EXPECT_EQ(NominalOf(DayOfMonthRule(30, kNext), 2023, 2), D(2023, 2, 28));
  EXPECT_EQ(NominalOf(DayOfMonthRule(31, kNext), 2023, 2), D(2023, 2, 28));
  EXPECT_EQ(NominalOf(DayOfMonthRule(28, kNext), 2023, 2), D(2023, 2, 28));
  EXPECT_EQ(NominalOf(DayOfMonthRule(31, kNext), 2025, 4), D(2025, 4, 30));
  EXPECT_EQ(NominalOf(DayOfMonthRule(31, kNext), 2025, 6), D(2025, 6, 30));
  EXPECT_EQ(NominalOf(DayOfMonthRule(31, kNext), 2025, 7), D(2025, 7, 31));
  EXPECT_EQ(NominalOf(DayOfMonthRule(30, kNext), 2025, 12), D(2025, 12, 30));
  // 2100 is not a leap year, 2000 was.
  EXPECT_EQ(NominalOf(DayOfMonthRule(29, kNext), 2100, 2), D(2100, 2, 28));
  EXPECT_EQ(NominalOf(DayOfMonthRule(29, kNext), 2000, 2), D(2000, 2, 29));
}

TEST(DayOfMonthTest, LeapFebruaryWithWeekendsAndShifts) {
  // 29 Feb 2024 is a Thursday: no shift.
  EXPECT_EQ(DayOf(DayOfMonthRule(29, kNext), 2024, 2), D(2024, 2, 29));
  EXPECT_EQ(DayOf(DayOfMonthRule(31, kPrevious), 2024, 2), D(2024, 2, 29));
  // 28 Feb 2026 is a Saturday: Monday 2 March, or Friday 27 February.
  EXPECT_EQ(DayOf(DayOfMonthRule(30, kNext), 2026, 2), D(2026, 3, 2));
  EXPECT_EQ(DayOf(DayOfMonthRule(30, kPrevious), 2026, 2), D(2026, 2, 27));
  // 28 Feb 2023 is a Tuesday.
  EXPECT_EQ(DayOf(DayOfMonthRule(31, kNext), 2023, 2), D(2023, 2, 28));
}

TEST(DayOfMonthTest, TheFirstWithWeekendsAndHolidays) {
  const MeetingRule next = DayOfMonthRule(1, kNext);
  const MeetingRule previous = DayOfMonthRule(1, kPrevious);
  // 1 Jan 2025 (Wednesday) is New Year.
  EXPECT_EQ(DayOf(next, 2025, 1), D(2025, 1, 2));
  EXPECT_EQ(DayOf(previous, 2025, 1), D(2024, 12, 31));
  // 1 Feb 2025 is a Saturday inside Tết (25 Jan - 2 Feb): forward to
  // Monday 3 Feb; backward across the whole of Tết to Friday 24 Jan.
  EXPECT_EQ(DayOf(next, 2025, 2), D(2025, 2, 3));
  EXPECT_EQ(DayOf(previous, 2025, 2), D(2025, 1, 24));
  // 1 Mar 2025 is a Saturday: into February when going back.
  EXPECT_EQ(DayOf(next, 2025, 3), D(2025, 3, 3));
  EXPECT_EQ(DayOf(previous, 2025, 3), D(2025, 2, 28));
  // 1 May 2025 (Thursday) and 2 May are holidays, then a weekend.
  EXPECT_EQ(DayOf(next, 2025, 5), D(2025, 5, 5));
  EXPECT_EQ(DayOf(previous, 2025, 5), D(2025, 4, 29));  // 30 Apr a holiday
  // 1 Jun 2025 is a Sunday.
  EXPECT_EQ(DayOf(next, 2025, 6), D(2025, 6, 2));
  EXPECT_EQ(DayOf(previous, 2025, 6), D(2025, 5, 30));
  // 1 and 2 Sep 2025 are National Day holidays after a weekend.
  EXPECT_EQ(DayOf(next, 2025, 9), D(2025, 9, 3));
  EXPECT_EQ(DayOf(previous, 2025, 9), D(2025, 8, 29));
  // A working day stays.
  EXPECT_EQ(DayOf(next, 2025, 4), D(2025, 4, 1));
  EXPECT_EQ(DayOf(previous, 2025, 4), D(2025, 4, 1));
}

TEST(DayOfMonthTest, MonthEndsShiftIntoTheNextMonth) {
  // 30 Apr 2025 (31 -> 30): holidays 30 Apr, 1-2 May, weekend 3-4 May.
  EXPECT_EQ(DayOf(DayOfMonthRule(31, kNext), 2025, 4), D(2025, 5, 5));
  EXPECT_EQ(DayOf(DayOfMonthRule(31, kPrevious), 2025, 4), D(2025, 4, 29));
  // 30 Nov 2025 is a Sunday.
  EXPECT_EQ(DayOf(DayOfMonthRule(30, kNext), 2025, 11), D(2025, 12, 1));
  EXPECT_EQ(DayOf(DayOfMonthRule(31, kPrevious), 2025, 11), D(2025, 11, 28));
  // 31 Jan 2025 is inside Tết: forward to 3 Feb.
  EXPECT_EQ(DayOf(DayOfMonthRule(31, kNext), 2025, 1), D(2025, 2, 3));
  EXPECT_EQ(DayOf(DayOfMonthRule(31, kPrevious), 2025, 1), D(2025, 1, 24));
  // 31 Dec 2025 is a Wednesday; 1 Jan 2026 a holiday.
  EXPECT_EQ(DayOf(DayOfMonthRule(31, kNext), 2025, 12), D(2025, 12, 31));
}

TEST(DayOfMonthTest, TetRunsOf2025And2026) {
  // Every day of Tết 2026 (14-22 Feb) moves to Monday 23 Feb, or back to
  // Friday 13 Feb.
  for (int day = 14; day <= 22; ++day) {
    EXPECT_EQ(DayOf(DayOfMonthRule(day, kNext), 2026, 2), D(2026, 2, 23))
        << day;
    EXPECT_EQ(DayOf(DayOfMonthRule(day, kPrevious), 2026, 2), D(2026, 2, 13))
        << day;
  }
  EXPECT_EQ(DayOf(DayOfMonthRule(13, kNext), 2026, 2), D(2026, 2, 13));
  EXPECT_EQ(DayOf(DayOfMonthRule(23, kPrevious), 2026, 2), D(2026, 2, 23));
  // Tết 2025 (25 Jan - 2 Feb).
  for (int day = 25; day <= 31; ++day) {
    EXPECT_EQ(DayOf(DayOfMonthRule(day, kNext), 2025, 1), D(2025, 2, 3)) << day;
    EXPECT_EQ(DayOf(DayOfMonthRule(day, kPrevious), 2025, 1), D(2025, 1, 24))
        << day;
  }
  EXPECT_EQ(DayOf(DayOfMonthRule(2, kNext), 2025, 2), D(2025, 2, 3));
  EXPECT_EQ(DayOf(DayOfMonthRule(2, kPrevious), 2025, 2), D(2025, 1, 24));
}

TEST(DayOfMonthTest, ReunificationAndNationalDay) {
  EXPECT_EQ(DayOf(DayOfMonthRule(30, kNext), 2026, 4), D(2026, 5, 4));
  EXPECT_EQ(DayOf(DayOfMonthRule(30, kPrevious), 2026, 4), D(2026, 4, 29));
  EXPECT_EQ(DayOf(DayOfMonthRule(2, kNext), 2026, 9), D(2026, 9, 3));
  EXPECT_EQ(DayOf(DayOfMonthRule(2, kPrevious), 2026, 9), D(2026, 9, 1));
  EXPECT_EQ(DayOf(DayOfMonthRule(2, kNext), 2025, 9), D(2025, 9, 3));
  EXPECT_EQ(DayOf(DayOfMonthRule(2, kPrevious), 2025, 9), D(2025, 8, 29));
}

// Every day 1..31, both shifts, every month of 2023..2027 against the
// brute-force reference.
TEST(DayOfMonthTest, ExhaustiveAgainstReference) {
  const WorkingCalendar calendar = VietnamCalendar();
  int checked = 0;
  for (int year = 2023; year <= 2027; ++year) {
    for (int month = 1; month <= 12; ++month) {
      for (int n = 1; n <= 31; ++n) {
        const absl::CivilDay nominal(year, month,
                                     std::min(n, DaysIn(year, month)));
        for (NonWorkingDayShift shift : {kNext, kPrevious}) {
          const MeetingRule rule = DayOfMonthRule(n, shift, 4, 2);
          std::optional<Occurrence> occurrence =
              OccurrenceInMonth(rule, calendar, year, month);
          ASSERT_TRUE(occurrence.has_value())
              << year << "-" << month << " " << n;
          EXPECT_EQ(occurrence->nominal_day, nominal);
          EXPECT_EQ(occurrence->day,
                    ReferenceShift(calendar, nominal, shift == kNext ? 1 : -1))
              << nominal;
          EXPECT_TRUE(calendar.IsWorkingDay(occurrence->day));
          EXPECT_EQ(occurrence->rule_id, 4);
          EXPECT_EQ(occurrence->rule_version, 2);
          ++checked;
        }
      }
    }
  }
  EXPECT_EQ(checked, 5 * 12 * 31 * 2);
}

TEST(DayOfMonthTest, CopiesTimeAndLengthFromTheRule) {
  MeetingRule rule = DayOfMonthRule(3, kNext, 7, 3);
  rule.start_minute = 7 * 60 + 30;
  rule.min_minutes = 100;
  std::optional<Occurrence> occurrence =
      OccurrenceInMonth(rule, WorkingCalendar(), 2025, 3);
  ASSERT_TRUE(occurrence.has_value());
  EXPECT_EQ(occurrence->start_minute, 450);
  EXPECT_EQ(occurrence->min_minutes, 100);
  EXPECT_EQ(occurrence->rule_id, 7);
  EXPECT_EQ(occurrence->rule_version, 3);
}

TEST(ShiftTest, SearchesAtMost31Days) {
  // 40 holidays in a row from 1 March 2025: no working day within 31 days.
  std::set<absl::CivilDay> days;
  for (absl::CivilDay d = D(2025, 3, 1); d < D(2025, 3, 1) + 40; ++d) {
    days.insert(d);
  }
  const WorkingCalendar calendar(days);
  EXPECT_FALSE(OccurrenceInMonth(DayOfMonthRule(1, kNext), calendar, 2025, 3)
                   .has_value());
  // Backwards it finds Friday 28 February at once.
  EXPECT_EQ(
      OccurrenceInMonth(DayOfMonthRule(1, kPrevious), calendar, 2025, 3)->day,
      D(2025, 2, 28));
  // 31 days exactly: holidays all of March, so the 31st day after the 1st
  // (1 April, Tuesday) is still found.
  std::set<absl::CivilDay> march;
  for (absl::CivilDay d = D(2025, 3, 1); d <= D(2025, 3, 31); ++d) {
    march.insert(d);
  }
  EXPECT_EQ(OccurrenceInMonth(DayOfMonthRule(1, kNext), WorkingCalendar(march),
                              2025, 3)
                ->day,
            D(2025, 4, 1));
  // One more holiday and it is out of reach.
  march.insert(D(2025, 4, 1));
  EXPECT_FALSE(OccurrenceInMonth(DayOfMonthRule(1, kNext),
                                 WorkingCalendar(march), 2025, 3)
                   .has_value());
}

TEST(OccurrenceInMonthTest, OutsideTheEffectivePeriodYieldsNothing) {
  MeetingRule rule = DayOfMonthRule(10, kNext);
  rule.effective_from = D(2025, 3, 10);
  rule.effective_to = D(2025, 5, 9);
  EXPECT_FALSE(OccurrenceInMonth(rule, WorkingCalendar(), 2025, 2).has_value());
  EXPECT_EQ(NominalOf(rule, 2025, 3), D(2025, 3, 10));  // first day
  EXPECT_EQ(NominalOf(rule, 2025, 4), D(2025, 4, 10));
  EXPECT_FALSE(NominalOf(rule, 2025, 5).has_value());  // ends the 9th
}

TEST(OccurrenceInMonthTest, MalformedRulesYieldNothing) {
  EXPECT_FALSE(NominalOf(DayOfMonthRule(0, kNext), 2025, 3).has_value());
  EXPECT_FALSE(NominalOf(DayOfMonthRule(32, kNext), 2025, 3).has_value());
  EXPECT_FALSE(
      NominalOf(NthWeekdayRule(6, absl::Weekday::monday, kNext), 2025, 3)
          .has_value());
  EXPECT_FALSE(NominalOf(DayOfMonthRule(1, kNext), 2025, 13).has_value());
  EXPECT_FALSE(NominalOf(DayOfMonthRule(1, kNext), 2025, 0).has_value());
}

// ---------------------------------------------------------------------------
// The n-th weekday.

TEST(NthWeekdayTest, ExhaustiveAgainstReference) {
  int yielded = 0;
  int none = 0;
  for (int year = 2023; year <= 2027; ++year) {
    for (int month = 1; month <= 12; ++month) {
      for (int nth : {1, 2, 3, 4, 5, -1}) {
        for (absl::Weekday weekday : kAllWeekdays) {
          const MeetingRule rule = NthWeekdayRule(nth, weekday, kNext);
          std::optional<absl::CivilDay> expected =
              ReferenceNthWeekday(year, month, nth, weekday);
          EXPECT_EQ(NominalOf(rule, year, month), expected)
              << year << "-" << month << " nth " << nth << " " << weekday;
          if (nth <= 4) {
            EXPECT_TRUE(expected.has_value());
          }
          expected.has_value() ? ++yielded : ++none;
        }
      }
    }
  }
  // Every month has 4 of each weekday, and 28..31 days: 0..3 fifth ones.
  EXPECT_EQ(yielded + none, 5 * 12 * 6 * 7);
  EXPECT_GT(none, 0);
}

TEST(NthWeekdayTest, KnownDays) {
  using absl::Weekday;
  EXPECT_EQ(NominalOf(NthWeekdayRule(1, Weekday::monday, kNext), 2025, 3),
            D(2025, 3, 3));
  EXPECT_EQ(NominalOf(NthWeekdayRule(1, Weekday::saturday, kNext), 2025, 3),
            D(2025, 3, 1));
  EXPECT_EQ(NominalOf(NthWeekdayRule(2, Weekday::tuesday, kNext), 2025, 7),
            D(2025, 7, 8));
  EXPECT_EQ(NominalOf(NthWeekdayRule(-1, Weekday::friday, kNext), 2025, 2),
            D(2025, 2, 28));
  EXPECT_EQ(NominalOf(NthWeekdayRule(-1, Weekday::monday, kNext), 2025, 3),
            D(2025, 3, 31));
  EXPECT_EQ(NominalOf(NthWeekdayRule(4, Weekday::friday, kNext), 2026, 2),
            D(2026, 2, 27));
  // Fifth Thursday: 29 Feb 2024 (leap), none in February 2023.
  EXPECT_EQ(NominalOf(NthWeekdayRule(5, Weekday::thursday, kNext), 2024, 2),
            D(2024, 2, 29));
  EXPECT_FALSE(NominalOf(NthWeekdayRule(5, Weekday::thursday, kNext), 2023, 2)
                   .has_value());
  EXPECT_EQ(NominalOf(NthWeekdayRule(-1, Weekday::thursday, kNext), 2024, 2),
            D(2024, 2, 29));
  EXPECT_EQ(NominalOf(NthWeekdayRule(-1, Weekday::thursday, kNext), 2023, 2),
            D(2023, 2, 23));
}

TEST(NthWeekdayTest, FifthFridayMonthsOf2025) {
  const MeetingRule rule = NthWeekdayRule(5, absl::Weekday::friday, kNext);
  std::vector<int> months;
  for (int month = 1; month <= 12; ++month) {
    if (NominalOf(rule, 2025, month).has_value()) months.push_back(month);
  }
  EXPECT_EQ(months, (std::vector<int>{1, 5, 8, 10}));
}

TEST(NthWeekdayTest, HolidayShiftsBothWays) {
  using absl::Weekday;
  // First Monday of September 2025 is National Day (1 Sep), 2 Sep too.
  EXPECT_EQ(DayOf(NthWeekdayRule(1, Weekday::monday, kNext), 2025, 9),
            D(2025, 9, 3));
  EXPECT_EQ(DayOf(NthWeekdayRule(1, Weekday::monday, kPrevious), 2025, 9),
            D(2025, 8, 29));
  // Last (and fifth) Friday of January 2025 is 31 Jan, in Tết.
  EXPECT_EQ(DayOf(NthWeekdayRule(-1, Weekday::friday, kNext), 2025, 1),
            D(2025, 2, 3));
  EXPECT_EQ(DayOf(NthWeekdayRule(5, Weekday::friday, kPrevious), 2025, 1),
            D(2025, 1, 24));
  // Third Monday of February 2026 is 16 Feb, in Tết.
  EXPECT_EQ(DayOf(NthWeekdayRule(3, Weekday::monday, kNext), 2026, 2),
            D(2026, 2, 23));
  EXPECT_EQ(DayOf(NthWeekdayRule(3, Weekday::monday, kPrevious), 2026, 2),
            D(2026, 2, 13));
  // A weekend weekday always shifts: first Sunday of June 2025 is the 1st.
  EXPECT_EQ(DayOf(NthWeekdayRule(1, Weekday::sunday, kNext), 2025, 6),
            D(2025, 6, 2));
  EXPECT_EQ(DayOf(NthWeekdayRule(1, Weekday::sunday, kPrevious), 2025, 6),
            D(2025, 5, 30));
  // Last Wednesday of April 2025 is the 30th (Reunification Day).
  EXPECT_EQ(DayOf(NthWeekdayRule(-1, Weekday::wednesday, kNext), 2025, 4),
            D(2025, 5, 5));
  EXPECT_EQ(DayOf(NthWeekdayRule(-1, Weekday::wednesday, kPrevious), 2025, 4),
            D(2025, 4, 29));
}

// ---------------------------------------------------------------------------
// The last working day.

TEST(LastWorkingDayTest, KnownMonths) {
  const MeetingRule rule = LastWorkingDayRule();
  EXPECT_EQ(DayOf(rule, 2025, 1), D(2025, 1, 24));  // 25-31 Jan: Tết
  EXPECT_EQ(DayOf(rule, 2025, 2), D(2025, 2, 28));  // Friday
  EXPECT_EQ(DayOf(rule, 2025, 3), D(2025, 3, 31));  // Monday
  EXPECT_EQ(DayOf(rule, 2025, 4), D(2025, 4, 29));  // 30 Apr a holiday
  EXPECT_EQ(DayOf(rule, 2025, 5), D(2025, 5, 30));  // 31 May a Saturday
  EXPECT_EQ(DayOf(rule, 2025, 8), D(2025, 8, 29));  // 31 Sunday, 30 Saturday
  EXPECT_EQ(DayOf(rule, 2025, 11), D(2025, 11, 28));
  EXPECT_EQ(DayOf(rule, 2026, 2), D(2026, 2, 27));  // 28 Feb 2026 Saturday
  EXPECT_EQ(DayOf(rule, 2024, 2), D(2024, 2, 29));  // leap day, Thursday
  EXPECT_EQ(DayOf(rule, 2023, 2), D(2023, 2, 28));
}

TEST(LastWorkingDayTest, NominalDayIsTheMonthsLastDayAndShiftIsIgnored) {
  MeetingRule rule = LastWorkingDayRule();
  std::optional<Occurrence> occurrence =
      OccurrenceInMonth(rule, VietnamCalendar(), 2025, 8);
  ASSERT_TRUE(occurrence.has_value());
  EXPECT_EQ(occurrence->nominal_day, D(2025, 8, 31));
  EXPECT_EQ(occurrence->day, D(2025, 8, 29));
  rule.shift = kNext;  // never leaves the month forwards
  EXPECT_EQ(DayOf(rule, 2025, 8), D(2025, 8, 29));
  rule.shift = kPrevious;
  EXPECT_EQ(DayOf(rule, 2025, 8), D(2025, 8, 29));
}

TEST(LastWorkingDayTest, ExhaustiveAgainstReference) {
  const WorkingCalendar calendar = VietnamCalendar();
  for (int year = 2023; year <= 2027; ++year) {
    for (int month = 1; month <= 12; ++month) {
      absl::CivilDay expected(year, month, DaysIn(year, month));
      expected = ReferenceShift(calendar, expected, -1);
      EXPECT_EQ(DayOf(LastWorkingDayRule(), year, month), expected);
      EXPECT_EQ(absl::CivilMonth(expected), absl::CivilMonth(year, month));
    }
  }
}

// ---------------------------------------------------------------------------
// ExpandSchedule.

std::vector<absl::CivilDay> Days(const std::vector<Occurrence>& occurrences) {
  std::vector<absl::CivilDay> days;
  for (const Occurrence& o : occurrences) days.push_back(o.day);
  return days;
}

TEST(ExpandScheduleTest, OneOccurrencePerMonthSortedByDay) {
  const std::vector<Occurrence> year =
      ExpandSchedule({DayOfMonthRule(1, kNext)}, VietnamCalendar(),
                     D(2025, 1, 1), D(2025, 12, 31));
  EXPECT_EQ(Days(year), (std::vector<absl::CivilDay>{
                            D(2025, 1, 2), D(2025, 2, 3), D(2025, 3, 3),
                            D(2025, 4, 1), D(2025, 5, 5), D(2025, 6, 2),
                            D(2025, 7, 1), D(2025, 8, 1), D(2025, 9, 3),
                            D(2025, 10, 1), D(2025, 11, 3), D(2025, 12, 1)}));
  for (size_t i = 0; i < year.size(); ++i) {
    EXPECT_EQ(year[i].nominal_day, D(2025, static_cast<int>(i) + 1, 1));
  }
}

TEST(ExpandScheduleTest, ShiftedDaysOutsideTheRangeAreDropped) {
  // The previous-working-day rule: February's meeting (1 Feb) is held on
  // 24 Jan, March's (1 Mar) on 28 Feb.
  const std::vector<Occurrence> february =
      ExpandSchedule({DayOfMonthRule(1, kPrevious)}, VietnamCalendar(),
                     D(2025, 2, 1), D(2025, 2, 28));
  ASSERT_EQ(february.size(), 1u);
  EXPECT_EQ(february[0].nominal_day, D(2025, 3, 1));
  EXPECT_EQ(february[0].day, D(2025, 2, 28));

  // The next-working-day rule: April's 31 -> 30 Apr -> 5 May.
  const std::vector<Occurrence> may =
      ExpandSchedule({DayOfMonthRule(31, kNext)}, VietnamCalendar(),
                     D(2025, 5, 1), D(2025, 5, 31));
  ASSERT_EQ(may.size(), 1u);  // May's own (31 May, Saturday) is 2 June
  EXPECT_EQ(may[0].nominal_day, D(2025, 4, 30));
  EXPECT_EQ(may[0].day, D(2025, 5, 5));

  // A single day.
  EXPECT_EQ(ExpandSchedule({DayOfMonthRule(1, kNext)}, VietnamCalendar(),
                           D(2025, 2, 3), D(2025, 2, 3))
                .size(),
            1u);
  EXPECT_TRUE(ExpandSchedule({DayOfMonthRule(1, kNext)}, VietnamCalendar(),
                             D(2025, 2, 1), D(2025, 2, 2))
                  .empty());
}

TEST(ExpandScheduleTest, EmptyInputs) {
  EXPECT_TRUE(
      ExpandSchedule({}, VietnamCalendar(), D(2025, 1, 1), D(2025, 12, 31))
          .empty());
  EXPECT_TRUE(ExpandSchedule({DayOfMonthRule(1, kNext)}, VietnamCalendar(),
                             D(2025, 2, 1), D(2025, 1, 31))
                  .empty());
}

TEST(ExpandScheduleTest, RuleChangeMidYearNamesTheRightVersion) {
  MeetingRule v1 = DayOfMonthRule(1, kNext, 7, 1);
  v1.effective_from = D(2024, 1, 1);
  v1.effective_to = D(2025, 6, 30);
  MeetingRule v2 = LastWorkingDayRule(7, 2);
  v2.effective_from = D(2025, 7, 1);
  v2.start_minute = 8 * 60;
  for (const std::vector<MeetingRule>& rules :
       {std::vector<MeetingRule>{v1, v2}, std::vector<MeetingRule>{v2, v1}}) {
    const std::vector<Occurrence> year = ExpandSchedule(
        rules, VietnamCalendar(), D(2025, 1, 1), D(2025, 12, 31));
    ASSERT_EQ(year.size(), 12u);
    for (size_t i = 0; i < 6; ++i) {
      EXPECT_EQ(year[i].rule_id, 7);
      EXPECT_EQ(year[i].rule_version, 1) << i;
      EXPECT_EQ(year[i].start_minute, 14 * 60);
      EXPECT_EQ(year[i].nominal_day.day(), 1);
    }
    for (size_t i = 6; i < 12; ++i) {
      EXPECT_EQ(year[i].rule_version, 2) << i;
      EXPECT_EQ(year[i].start_minute, 8 * 60);
    }
    EXPECT_EQ(year[5].day, D(2025, 6, 2));   // v1: 1 Jun (Sunday) -> 2 Jun
    EXPECT_EQ(year[6].day, D(2025, 7, 31));  // v2: last working day of July
    EXPECT_EQ(year[7].day, D(2025, 8, 29));
  }
}

TEST(ExpandScheduleTest, RuleChangeInsideAMonthFollowsTheNominalDay) {
  // v1 (day 20) until 15 Mar, v2 (day 10) from 16 Mar: in March neither
  // version's own day is in its period; v2's first month holds its meeting
  // on v2's first day (Sunday 16 March, shifted to Monday 17).
  MeetingRule v1 = DayOfMonthRule(20, kNext, 3, 1);
  v1.effective_to = D(2025, 3, 15);
  MeetingRule v2 = DayOfMonthRule(10, kNext, 3, 2);
  v2.effective_from = D(2025, 3, 16);
  const std::vector<Occurrence> march = ExpandSchedule(
      {v1, v2}, WorkingCalendar(), D(2025, 2, 1), D(2025, 4, 30));
  EXPECT_EQ(Days(march), (std::vector<absl::CivilDay>{
                             D(2025, 2, 20), D(2025, 3, 17), D(2025, 4, 10)}));
  EXPECT_EQ(march[1].nominal_day, D(2025, 3, 16));
  EXPECT_EQ(march[1].rule_version, 2);
  // v1 (day 10) until 15 Mar, v2 (day 20) from 16 Mar: both in March; the
  // 10th was held under v1 before v2 began, so it stays the month's one.
  v1.day_of_month = 10;
  v2.day_of_month = 20;
  const std::vector<Occurrence> both = ExpandSchedule(
      {v1, v2}, WorkingCalendar(), D(2025, 3, 1), D(2025, 3, 31));
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0].day, D(2025, 3, 10));
  EXPECT_EQ(both[0].rule_version, 1);
}

TEST(ExpandScheduleTest, FifthWeekdayMonthsOnly) {
  const std::vector<Occurrence> year =
      ExpandSchedule({NthWeekdayRule(5, absl::Weekday::friday, kNext)},
                     VietnamCalendar(), D(2025, 1, 1), D(2025, 12, 31));
  // 31 Jan (Tết) -> 3 Feb, 30 May, 29 Aug, 31 Oct.
  EXPECT_EQ(Days(year),
            (std::vector<absl::CivilDay>{D(2025, 2, 3), D(2025, 5, 30),
                                         D(2025, 8, 29), D(2025, 10, 31)}));
}

TEST(ExpandScheduleTest, ShiftsAcrossYearEnds) {
  // 1 Jan 2025 (holiday) backwards is 31 Dec 2024; 1 Dec 2024 (Sunday)
  // backwards is 29 Nov, outside the range.
  const std::vector<Occurrence> december =
      ExpandSchedule({DayOfMonthRule(1, kPrevious)}, VietnamCalendar(),
                     D(2024, 12, 1), D(2024, 12, 31));
  ASSERT_EQ(december.size(), 1u);
  EXPECT_EQ(december[0].day, D(2024, 12, 31));
  EXPECT_EQ(december[0].nominal_day, D(2025, 1, 1));
  // Forwards, 1 Dec 2024 is 2 Dec and 1 Jan 2025 is 2 Jan.
  EXPECT_EQ(Days(ExpandSchedule({DayOfMonthRule(1, kNext)}, VietnamCalendar(),
                                D(2024, 12, 1), D(2025, 1, 31))),
            (std::vector<absl::CivilDay>{D(2024, 12, 2), D(2025, 1, 2)}));
}

TEST(ExpandScheduleTest, LongRangesAndLeapYears) {
  const std::vector<Occurrence> four_years =
      ExpandSchedule({DayOfMonthRule(29, kNext)}, WorkingCalendar(),
                     D(2023, 1, 1), D(2026, 12, 31));
  ASSERT_EQ(four_years.size(), 48u);
  int leap_days = 0;
  for (const Occurrence& o : four_years) {
    if (o.nominal_day == D(2024, 2, 29)) ++leap_days;
    if (o.nominal_day.month() == 2 && o.nominal_day.year() != 2024) {
      EXPECT_EQ(o.nominal_day.day(), 28);
    }
  }
  EXPECT_EQ(leap_days, 1);
  for (size_t i = 1; i < four_years.size(); ++i) {
    EXPECT_LT(four_years[i - 1].day, four_years[i].day);
  }
}

}  // namespace
}  // namespace chibo::scheduling
