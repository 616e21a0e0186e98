// The day-number expansion gives exactly what the CivilDay expansion gave
// (rules_oracle.cc, the code before day numbers), over many random rules,
// versions, scopes, holidays and working Saturdays.

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "services/scheduling/day_number.h"
#include "services/scheduling/schedule_rules.h"
#include "tests/unit/scheduling/rules_oracle.h"

namespace chibo::scheduling {
namespace {

std::string Show(const Occurrence& o) {
  return absl::StrCat(absl::FormatCivilTime(o.nominal_day), "->",
                      absl::FormatCivilTime(o.day), " ", o.start_minute, " ",
                      o.min_minutes, " r", o.rule_id, "v", o.rule_version);
}

std::string Show(const MeetingRule& r) {
  return absl::StrCat(
      "r", r.id, "v", r.version, " p", static_cast<int>(r.pattern), " d",
      r.day_of_month, " n", r.nth, " w", static_cast<int>(r.weekday), " s",
      static_cast<int>(r.shift), " ", r.start_minute, " ", r.min_minutes, " ",
      r.combined_min_minutes, " ", absl::FormatCivilTime(r.effective_from),
      "..", absl::FormatCivilTime(r.effective_to));
}

template <typename T>
std::vector<std::string> ShowAll(const std::vector<T>& items) {
  std::vector<std::string> out;
  for (const T& item : items) out.push_back(Show(item));
  return out;
}

class Random {
 public:
  explicit Random(uint32_t seed) : engine_(seed) {}
  int Int(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(engine_);
  }
  absl::CivilDay Day(int from_year, int to_year) {
    const absl::CivilDay first(from_year, 1, 1);
    return first +
           Int(0, static_cast<int>(absl::CivilDay(to_year, 12, 31) - first));
  }

 private:
  std::mt19937 engine_;
};

MeetingRule RandomRule(Random& rng, int64_t id) {
  MeetingRule rule;
  rule.id = id;
  rule.version = rng.Int(1, 3);
  rule.pattern = static_cast<DayPattern>(rng.Int(0, 2));
  rule.day_of_month = rng.Int(1, 31);
  const int nths[] = {-1, 1, 2, 3, 4, 5};
  rule.nth = nths[rng.Int(0, 5)];
  rule.weekday = static_cast<absl::Weekday>(rng.Int(0, 6));
  rule.shift = static_cast<NonWorkingDayShift>(rng.Int(0, 1));
  rule.start_minute = rng.Int(0, 1439);
  rule.min_minutes = rng.Int(1, 200);
  rule.effective_from = rng.Day(2018, 2030);
  rule.effective_to = rng.Int(0, 3) == 0
                          ? absl::CivilDay(9999, 12, 31)
                          : rule.effective_from + rng.Int(0, 800);
  return rule;
}

WorkingCalendar RandomCalendar(Random& rng) {
  std::set<absl::CivilDay> holidays;
  std::set<absl::CivilDay> working;
  const int holiday_count = rng.Int(0, 120);
  for (int i = 0; i < holiday_count; ++i) holidays.insert(rng.Day(2017, 2031));
  // Runs of holidays, so shifts walk far (and sometimes past 31 days).
  for (int run = rng.Int(0, 3); run > 0; --run) {
    const absl::CivilDay start = rng.Day(2017, 2031);
    const int length = rng.Int(1, 40);
    for (int d = 0; d < length; ++d) holidays.insert(start + d);
  }
  const int working_count = rng.Int(0, 40);
  for (int i = 0; i < working_count; ++i) {
    const absl::CivilDay day = rng.Day(2017, 2031);
    const absl::Weekday weekday = absl::GetWeekday(day);
    if ((weekday == absl::Weekday::saturday ||
         weekday == absl::Weekday::sunday) &&
        holidays.count(day) == 0) {
      working.insert(day);
    }
  }
  return WorkingCalendar(std::move(holidays), std::move(working));
}

TEST(DayNumberTest, MatchesCivilDayOverFourCenturiesAndBeyond) {
  const absl::CivilDay epoch(1970, 1, 1);
  for (absl::CivilDay day(1600, 1, 1); day <= absl::CivilDay(2401, 3, 1);
       ++day) {
    const internal::DayNumber n = internal::ToDayNumber(day);
    ASSERT_EQ(n, day - epoch) << absl::FormatCivilTime(day);
    ASSERT_EQ(internal::ToCivilDay(n), day) << n;
    ASSERT_EQ(internal::WeekdayIndex(n),
              static_cast<int>(absl::GetWeekday(day)))
        << absl::FormatCivilTime(day);
    ASSERT_EQ(internal::DaysInMonth(day.year(), day.month()),
              absl::CivilDay(absl::CivilMonth(day) + 1) -
                  absl::CivilDay(absl::CivilMonth(day)))
        << absl::FormatCivilTime(day);
  }
  const absl::CivilDay far(9999, 12, 31);
  EXPECT_EQ(internal::ToDayNumber(far), far - epoch);
  EXPECT_EQ(internal::ToCivilDay(far - epoch), far);
  for (int64_t index = -30; index < 30; ++index) {
    const int64_t year = internal::MonthYear(index);
    const int month = internal::MonthOfIndex(index);
    EXPECT_EQ(internal::MonthIndex(year, month), index);
    EXPECT_GE(month, 1);
    EXPECT_LE(month, 12);
  }
}

TEST(ExpansionEqualityTest, OccurrenceInMonthMatchesOracle) {
  Random rng(7);
  for (int round = 0; round < 300; ++round) {
    const WorkingCalendar calendar = RandomCalendar(rng);
    const MeetingRule rule = RandomRule(rng, round + 1);
    for (int year = 2017; year <= 2031; ++year) {
      for (int month = 0; month <= 13; ++month) {
        const std::optional<Occurrence> fast =
            OccurrenceInMonth(rule, calendar, year, month);
        const std::optional<Occurrence> old =
            oracle::OccurrenceInMonth(rule, calendar, year, month);
        ASSERT_EQ(fast.has_value(), old.has_value())
            << Show(rule) << " " << year << "-" << month;
        if (fast.has_value()) {
          ASSERT_EQ(Show(*fast), Show(*old)) << Show(rule);
        }
      }
    }
  }
}

TEST(ExpansionEqualityTest, ExpandScheduleMatchesOracle) {
  Random rng(11);
  size_t compared = 0;  // so an expansion that finds nothing cannot pass
  for (int round = 0; round < 3000; ++round) {
    const WorkingCalendar calendar = RandomCalendar(rng);
    std::vector<MeetingRule> rules;
    const int count = rng.Int(0, 5);
    const int64_t id = rng.Int(1, 3);
    for (int i = 0; i < count; ++i) {
      // Versions of one rule, or several rules; adjacent periods often.
      MeetingRule rule = RandomRule(rng, rng.Int(0, 1) == 0 ? id : i + 10);
      if (!rules.empty() && rng.Int(0, 1) == 0) {
        rule.effective_from = rules.back().effective_to + 1;
        if (rule.effective_to < rule.effective_from) {
          rule.effective_to = rule.effective_from + rng.Int(0, 400);
        }
      }
      rules.push_back(rule);
    }
    const absl::CivilDay from = rng.Day(2018, 2030);
    const absl::CivilDay to = from + rng.Int(-5, 800);
    const std::vector<std::string> fast =
        ShowAll(ExpandSchedule(rules, calendar, from, to));
    ASSERT_EQ(fast, ShowAll(oracle::ExpandSchedule(rules, calendar, from, to)))
        << "round " << round << ": "
        << ::testing::PrintToString(ShowAll(rules));
    compared += fast.size();
  }
  EXPECT_GT(compared, 10000u);
}

TEST(ExpansionEqualityTest, ApplicableRulesAndTheirExpansionMatchOracle) {
  Random rng(13);
  const std::vector<int64_t> ancestors = {100, 10, 2, 1};
  const std::vector<int64_t> organizations = {100, 101, 10, 2, 1, 99};
  for (int round = 0; round < 3000; ++round) {
    const WorkingCalendar calendar = RandomCalendar(rng);
    std::vector<ScopedRule> rules;
    const int count = rng.Int(0, 7);
    for (int i = 0; i < count; ++i) {
      ScopedRule scoped;
      scoped.scope.organization_id = organizations[rng.Int(0, 5)];
      scoped.scope.for_cell_itself = rng.Int(0, 2) == 0;
      scoped.scope.category = rng.Int(0, 4);
      scoped.rule = RandomRule(rng, rng.Int(1, 4));
      if (!rules.empty() && rng.Int(0, 1) == 0) {
        scoped.scope = rules.back().scope;
        scoped.rule.id = rules.back().rule.id;
        scoped.rule.version = rules.back().rule.version + 1;
        scoped.rule.effective_from = rules.back().rule.effective_to + 1;
        if (scoped.rule.effective_to < scoped.rule.effective_from) {
          scoped.rule.effective_to = absl::CivilDay(9999, 12, 31);
        }
      }
      rules.push_back(scoped);
    }
    const int category = rng.Int(0, 4);
    const absl::CivilDay from = rng.Day(2018, 2030);
    const absl::CivilDay to = from + rng.Int(-5, 800);
    const std::vector<MeetingRule> fast =
        ApplicableRules(rules, ancestors, category, from, to);
    const std::vector<MeetingRule> old =
        oracle::ApplicableRules(rules, ancestors, category, from, to);
    ASSERT_EQ(ShowAll(fast), ShowAll(old)) << "round " << round;
    ASSERT_EQ(ShowAll(ExpandSchedule(fast, calendar, from, to)),
              ShowAll(oracle::ExpandSchedule(old, calendar, from, to)))
        << "round " << round;
  }
}

}  // namespace
}  // namespace chibo::scheduling
