#include "common/periods.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/dates.h"

namespace chibo {

absl::StatusOr<PeriodChange> PlanPeriodChange(absl::CivilDay latest_start,
                                              absl::CivilDay effective,
                                              absl::string_view field) {
  if (effective < latest_start) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": ", FormatDate(effective),
                     " is before the current period, which started on ",
                     FormatDate(latest_start), "; history is only appended"));
  }
  return effective == latest_start ? PeriodChange::kReplaceLatest
                                   : PeriodChange::kCloseAndAppend;
}

}  // namespace chibo
