#include "common/dates.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace chibo {

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text,
                                         absl::string_view field) {
  auto invalid = [&]() {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must be a date YYYY-MM-DD between 1900 and 2200"));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return invalid();
  int year = 0, month = 0, day = 0;
  if (!absl::SimpleAtoi(text.substr(0, 4), &year) ||
      !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return invalid();
  }
  const absl::CivilDay parsed(year, month, day);
  // CivilDay normalises 2023-02-30 to March; a real date survives unchanged.
  if (parsed.year() != year || parsed.month() != month || parsed.day() != day ||
      year < 1900 || year > 2200) {
    return invalid();
  }
  return parsed;
}

absl::StatusOr<absl::CivilDay> ParseDateOr(absl::string_view text,
                                           absl::string_view field,
                                           absl::CivilDay fallback) {
  if (text.empty()) return fallback;
  return ParseDate(text, field);
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::TimeZone VietnamTimeZone() {
  static const absl::TimeZone* zone = [] {
    auto* tz = new absl::TimeZone;
    // Vietnam has used UTC+7 without daylight saving since 1975; the fixed
    // offset is the fallback when the tz database is absent (slim images).
    if (!absl::LoadTimeZone("Asia/Ho_Chi_Minh", tz)) {
      *tz = absl::FixedTimeZone(7 * 3600);
    }
    return tz;
  }();
  return *zone;
}

absl::CivilDay TodayInVietnam() {
  return absl::ToCivilDay(absl::Now(), VietnamTimeZone());
}

}  // namespace chibo
