#ifndef CHIBO_COMMON_DATES_H_
#define CHIBO_COMMON_DATES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace chibo {

// Calendar dates travel as ISO 8601 strings ("2025-07-01") and are civil
// days in Asia/Ho_Chi_Minh, the time zone of every party committee we serve.

// Parses "YYYY-MM-DD" within years 1900..2200. INVALID_ARGUMENT names
// `field`.
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text,
                                         absl::string_view field);

// ParseDate, with empty meaning `fallback`.
absl::StatusOr<absl::CivilDay> ParseDateOr(absl::string_view text,
                                           absl::string_view field,
                                           absl::CivilDay fallback);

std::string FormatDate(absl::CivilDay day);

// Today in Vietnam.
absl::CivilDay TodayInVietnam();
absl::TimeZone VietnamTimeZone();

// The largest date we store for "open-ended" periods.
inline constexpr absl::CivilDay kOpenEnd = absl::CivilDay(9999, 12, 31);

}  // namespace chibo

#endif  // CHIBO_COMMON_DATES_H_
