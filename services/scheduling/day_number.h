#ifndef CHIBO_SERVICES_SCHEDULING_DAY_NUMBER_H_
#define CHIBO_SERVICES_SCHEDULING_DAY_NUMBER_H_

// Days as a count since 1970-01-01 for the rules' hot loops: absl::CivilDay
// normalises on every construction and every +/- (cctz n_day), which was most
// of a national year's expansion. These are Howard Hinnant's branch-free
// days_from_civil / civil_from_days, exact over the proleptic Gregorian
// calendar; CivilDay stays the type of the rules' interface.

#include <cstdint>

#include "absl/time/civil_time.h"

namespace chibo::scheduling::internal {

using DayNumber = int64_t;

struct Ymd {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

constexpr DayNumber DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;  // [0, 399]
  const int64_t doy =
      (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;         // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
  return era * 146097 + doe - 719468;
}

constexpr Ymd CivilFromDays(DayNumber z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return Ymd{yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool IsLeapYear(int64_t y) {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr int DaysInMonth(int64_t y, int m) {
  constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// 0 for Monday .. 6 for Sunday, as absl::Weekday numbers them
// (1970-01-01 was a Thursday).
constexpr int WeekdayIndex(DayNumber z) {
  return static_cast<int>(z >= -3 ? (z + 3) % 7 : (z + 4) % 7 + 6);
}

inline DayNumber ToDayNumber(absl::CivilDay day) {
  return DaysFromCivil(day.year(), day.month(), day.day());
}

// The fields are valid, so CivilDay's constructor takes no normalising loop.
inline absl::CivilDay ToCivilDay(DayNumber z) {
  const Ymd ymd = CivilFromDays(z);
  return absl::CivilDay(ymd.year, ymd.month, ymd.day);
}

// Months counted from year 0's January, so a month steps as an integer.
constexpr int64_t MonthIndex(int64_t y, int m) { return y * 12 + (m - 1); }
constexpr int64_t MonthYear(int64_t index) {
  return (index >= 0 ? index : index - 11) / 12;
}
constexpr int MonthOfIndex(int64_t index) {
  return static_cast<int>(index - MonthYear(index) * 12) + 1;
}

}  // namespace chibo::scheduling::internal

#endif  // CHIBO_SERVICES_SCHEDULING_DAY_NUMBER_H_
