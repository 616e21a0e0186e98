#ifndef CHIBO_COMMON_PERIODS_H_
#define CHIBO_COMMON_PERIODS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace chibo {

// Dated histories (placements, statuses, memberships) are sequences of
// periods [valid_from, valid_to] where only the latest is open. A change
// from `effective` either replaces the latest period (same start day: a
// correction) or closes it the day before and opens a new one.
enum class PeriodChange { kReplaceLatest, kCloseAndAppend };

// FAILED_PRECONDITION when `effective` precedes the latest period's start:
// history is appended, never rewritten. `field` names the request field.
absl::StatusOr<PeriodChange> PlanPeriodChange(absl::CivilDay latest_start,
                                              absl::CivilDay effective,
                                              absl::string_view field);

}  // namespace chibo

#endif  // CHIBO_COMMON_PERIODS_H_
