#ifndef CHIBO_SERVICES_SCHEDULING_PROTO_CODEC_H_
#define CHIBO_SERVICES_SCHEDULING_PROTO_CODEC_H_

// Between the contract's messages and the pure rules' types, with the
// validation of every field on the way in (INVALID_ARGUMENT names it).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "chibo/scheduling/v1/scheduling.pb.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {

// "14:00" -> 840. `field` names the request field in errors.
absl::StatusOr<int> ParseTimeOfDay(absl::string_view text,
                                   absl::string_view field);
std::string FormatTimeOfDay(int minute);

// "2025-03-01T14:00" (local time) -> civil minute.
absl::StatusOr<absl::CivilMinute> ParseLocalDateTime(absl::string_view text,
                                                     absl::string_view field);
std::string FormatLocalDateTime(absl::CivilMinute minute);

// A rule version from the request, defaults applied, validated as a whole
// (a rule that never yields a date is refused). `field` prefixes errors:
// "rule.versions[0].day_of_month: ...".
absl::StatusOr<MeetingRule> RuleFromProto(const v1::MeetingRuleVersion& in,
                                          absl::string_view field);
void RuleToProto(const MeetingRule& rule, v1::MeetingRuleVersion* out);

MeetingKind KindFromProto(v1::MeetingKind kind);
AttendanceMark MarkFromProto(v1::AttendanceMark mark);

// Free text: valid UTF-8 of at most `max_bytes`. INVALID_ARGUMENT names
// `field`.
absl::Status CheckText(absl::string_view text, absl::string_view field,
                       size_t max_bytes);

// "2025-03" and "2025-Q2".
std::string MonthLabel(int year, int month);
std::string QuarterLabel(int year, int quarter);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_PROTO_CODEC_H_
