#ifndef CHIBO_TESTS_UNIT_SCHEDULING_SCHEDULING_TEST_UTIL_H_
#define CHIBO_TESTS_UNIT_SCHEDULING_SCHEDULING_TEST_UTIL_H_

#include <cstdint>
#include <set>
#include <utility>

#include "absl/time/civil_time.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling::testing {

inline absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }

// Public holidays 2023..2026 as the tests use them: New Year, Tết (2025:
// Jan 25 - Feb 2; 2026: Feb 14 - 22), Reunification Day and Labour Day
// (2025 also May 2), National Day (2025 also Sep 1).
inline WorkingCalendar VietnamCalendar() {
  std::set<absl::CivilDay> days;
  auto range = [&days](absl::CivilDay from, absl::CivilDay to) {
    for (absl::CivilDay d = from; d <= to; ++d) days.insert(d);
  };
  for (int year = 2023; year <= 2026; ++year) {
    days.insert(D(year, 1, 1));
    days.insert(D(year, 4, 30));
    days.insert(D(year, 5, 1));
    days.insert(D(year, 9, 2));
  }
  range(D(2023, 1, 20), D(2023, 1, 26));  // Tết Quý Mão
  range(D(2024, 2, 8), D(2024, 2, 14));   // Tết Giáp Thìn
  range(D(2025, 1, 25), D(2025, 2, 2));   // Tết Ất Tỵ
  range(D(2026, 2, 14), D(2026, 2, 22));  // Tết Bính Ngọ
  days.insert(D(2025, 5, 2));
  days.insert(D(2025, 9, 1));
  return WorkingCalendar(std::move(days));
}

inline MeetingRule DayOfMonthRule(int day, NonWorkingDayShift shift,
                                  int64_t id = 1, int32_t version = 1) {
  MeetingRule rule;
  rule.id = id;
  rule.version = version;
  rule.pattern = DayPattern::kDayOfMonth;
  rule.day_of_month = day;
  rule.shift = shift;
  rule.effective_from = D(2000, 1, 1);
  return rule;
}

inline MeetingRule NthWeekdayRule(int nth, absl::Weekday weekday,
                                  NonWorkingDayShift shift, int64_t id = 1,
                                  int32_t version = 1) {
  MeetingRule rule = DayOfMonthRule(1, shift, id, version);
  rule.pattern = DayPattern::kNthWeekday;
  rule.nth = nth;
  rule.weekday = weekday;
  return rule;
}

inline MeetingRule LastWorkingDayRule(int64_t id = 1, int32_t version = 1) {
  MeetingRule rule =
      DayOfMonthRule(1, NonWorkingDayShift::kNextWorkingDay, id, version);
  rule.pattern = DayPattern::kLastWorkingDay;
  return rule;
}

constexpr NonWorkingDayShift kNext = NonWorkingDayShift::kNextWorkingDay;
constexpr NonWorkingDayShift kPrevious =
    NonWorkingDayShift::kPreviousWorkingDay;

}  // namespace chibo::scheduling::testing

#endif  // CHIBO_TESTS_UNIT_SCHEDULING_SCHEDULING_TEST_UTIL_H_
