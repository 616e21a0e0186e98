// The rules for reporting a postponement ("chỉ báo hoãn, không báo họp").

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "services/scheduling/rules_internal.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {

absl::Status CheckPostponement(absl::CivilDay scheduled_day,
                               absl::CivilDay new_day, absl::CivilDay today) {
  if (today > scheduled_day) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a postponement must be reported no later than the meeting day ",
        internal::Iso(scheduled_day), " (today is ", internal::Iso(today),
        "): the meeting is now held or missed"));
  }
  if (new_day < today) {
    return absl::InvalidArgumentError(
        absl::StrCat("new_date: ", internal::Iso(new_day),
                     " is in the past (today is ", internal::Iso(today), ")"));
  }
  if (new_day <= scheduled_day) {
    return absl::InvalidArgumentError(absl::StrCat(
        "new_date: ", internal::Iso(new_day),
        " must be after the scheduled day ", internal::Iso(scheduled_day)));
  }
  return absl::OkStatus();
}

absl::Status CheckBackfilledPostponement(absl::CivilDay scheduled_day,
                                         absl::CivilDay new_day,
                                         absl::CivilDay reported_day,
                                         absl::CivilDay today) {
  if (reported_day > today) {
    return absl::InvalidArgumentError(
        absl::StrCat("report_time: ", internal::Iso(reported_day),
                     " is in the future (today is ", internal::Iso(today),
                     "); a backfill records what was reported"));
  }
  if (new_day <= scheduled_day) {
    return absl::InvalidArgumentError(absl::StrCat(
        "new_date: ", internal::Iso(new_day),
        " must be after the scheduled day ", internal::Iso(scheduled_day)));
  }
  return absl::OkStatus();
}

}  // namespace chibo::scheduling
