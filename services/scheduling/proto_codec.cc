#include "services/scheduling/proto_codec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/dates.h"
#include "common/status_macros.h"
#include "common/text_fold.h"

namespace chibo::scheduling {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

bool TwoDigits(absl::string_view text, int* out) {
  return text.size() == 2 && absl::ascii_isdigit(text[0]) &&
         absl::ascii_isdigit(text[1]) && absl::SimpleAtoi(text, out);
}

}  // namespace

absl::StatusOr<int> ParseTimeOfDay(absl::string_view text,
                                   absl::string_view field) {
  int hour = 0;
  int minute = 0;
  if (text.size() != 5 || text[2] != ':' ||
      !TwoDigits(text.substr(0, 2), &hour) ||
      !TwoDigits(text.substr(3, 2), &minute) || hour > 23 || minute > 59) {
    return Invalid(field, absl::StrCat("must be a time HH:MM (00:00..23:59), "
                                       "got \"",
                                       text.substr(0, 20), "\""));
  }
  return hour * 60 + minute;
}

std::string FormatTimeOfDay(int minute) {
  return absl::StrFormat("%02d:%02d", minute / 60, minute % 60);
}

absl::StatusOr<absl::CivilMinute> ParseLocalDateTime(absl::string_view text,
                                                     absl::string_view field) {
  if (text.size() != 16 || text[10] != 'T') {
    return Invalid(field, absl::StrCat("must be a local time YYYY-MM-DDTHH:MM"
                                       ", got \"",
                                       text.substr(0, 30), "\""));
  }
  ASSIGN_OR_RETURN(absl::CivilDay day, ParseDate(text.substr(0, 10), field));
  ASSIGN_OR_RETURN(int minute, ParseTimeOfDay(text.substr(11), field));
  return absl::CivilMinute(day) + minute;
}

std::string FormatLocalDateTime(absl::CivilMinute minute) {
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d", minute.year(),
                         minute.month(), minute.day(), minute.hour(),
                         minute.minute());
}

absl::StatusOr<MeetingRule> RuleFromProto(const v1::MeetingRuleVersion& in,
                                          absl::string_view field) {
  const std::string prefix = absl::StrCat(field, ".");
  MeetingRule rule;
  switch (in.pattern()) {
    case v1::DAY_PATTERN_DAY_OF_MONTH:
      rule.pattern = DayPattern::kDayOfMonth;
      rule.day_of_month = in.day_of_month();
      break;
    case v1::DAY_PATTERN_NTH_WEEKDAY:
      rule.pattern = DayPattern::kNthWeekday;
      rule.nth = in.nth();
      if (in.weekday() < 1 || in.weekday() > 7) {
        return Invalid(absl::StrCat(prefix, "weekday"),
                       "must be 1 (Monday) .. 7 (Sunday)");
      }
      // absl::Weekday counts from Monday = 0.
      rule.weekday = static_cast<absl::Weekday>(in.weekday() - 1);
      break;
    case v1::DAY_PATTERN_LAST_WORKING_DAY:
      rule.pattern = DayPattern::kLastWorkingDay;
      break;
    default:
      return Invalid(absl::StrCat(prefix, "pattern"),
                     "must be DAY_OF_MONTH, NTH_WEEKDAY or LAST_WORKING_DAY");
  }
  if (!in.start_time().empty()) {
    ASSIGN_OR_RETURN(
        rule.start_minute,
        ParseTimeOfDay(in.start_time(), absl::StrCat(prefix, "start_time")));
  }
  if (in.min_minutes() != 0) rule.min_minutes = in.min_minutes();
  if (in.combined_min_minutes() != 0) {
    rule.combined_min_minutes = in.combined_min_minutes();
  }
  switch (in.shift()) {
    case v1::NON_WORKING_DAY_SHIFT_UNSPECIFIED:
    case v1::NON_WORKING_DAY_SHIFT_NEXT_WORKING_DAY:
      rule.shift = NonWorkingDayShift::kNextWorkingDay;
      break;
    case v1::NON_WORKING_DAY_SHIFT_PREVIOUS_WORKING_DAY:
      rule.shift = NonWorkingDayShift::kPreviousWorkingDay;
      break;
    default:
      return Invalid(absl::StrCat(prefix, "shift"), "unknown value");
  }
  if (in.effective_from().empty()) {
    return Invalid(absl::StrCat(prefix, "effective_from"), "is required");
  }
  ASSIGN_OR_RETURN(
      rule.effective_from,
      ParseDate(in.effective_from(), absl::StrCat(prefix, "effective_from")));
  ASSIGN_OR_RETURN(rule.effective_to,
                   ParseDateOr(in.effective_to(),
                               absl::StrCat(prefix, "effective_to"), kOpenEnd));
  absl::Status valid = ValidateRule(rule);
  if (!valid.ok()) {
    // ValidateRule names "rule.<field>"; the request's path is longer.
    std::string message(valid.message());
    if (absl::StartsWith(message, "rule.")) {
      message = absl::StrCat(prefix, message.substr(5));
    }
    return absl::InvalidArgumentError(message);
  }
  return rule;
}

void RuleToProto(const MeetingRule& rule, v1::MeetingRuleVersion* out) {
  out->set_version(rule.version);
  switch (rule.pattern) {
    case DayPattern::kDayOfMonth:
      out->set_pattern(v1::DAY_PATTERN_DAY_OF_MONTH);
      out->set_day_of_month(rule.day_of_month);
      break;
    case DayPattern::kNthWeekday:
      out->set_pattern(v1::DAY_PATTERN_NTH_WEEKDAY);
      out->set_nth(rule.nth);
      out->set_weekday(static_cast<int>(rule.weekday) + 1);
      break;
    case DayPattern::kLastWorkingDay:
      out->set_pattern(v1::DAY_PATTERN_LAST_WORKING_DAY);
      break;
  }
  out->set_start_time(FormatTimeOfDay(rule.start_minute));
  out->set_min_minutes(rule.min_minutes);
  out->set_combined_min_minutes(rule.combined_min_minutes);
  out->set_shift(rule.shift == NonWorkingDayShift::kNextWorkingDay
                     ? v1::NON_WORKING_DAY_SHIFT_NEXT_WORKING_DAY
                     : v1::NON_WORKING_DAY_SHIFT_PREVIOUS_WORKING_DAY);
  out->set_effective_from(FormatDate(rule.effective_from));
  out->set_effective_to(
      rule.effective_to == kOpenEnd ? "" : FormatDate(rule.effective_to));
}

MeetingKind KindFromProto(v1::MeetingKind kind) {
  switch (kind) {
    case v1::MEETING_KIND_THEMATIC:
      return MeetingKind::kThematic;
    case v1::MEETING_KIND_COMBINED:
      return MeetingKind::kCombined;
    default:
      return MeetingKind::kRegular;
  }
}

AttendanceMark MarkFromProto(v1::AttendanceMark mark) {
  switch (mark) {
    case v1::ATTENDANCE_MARK_ABSENT_WITH_REASON:
      return AttendanceMark::kAbsentWithReason;
    case v1::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON:
      return AttendanceMark::kAbsentWithoutReason;
    case v1::ATTENDANCE_MARK_EXEMPT:
      return AttendanceMark::kExempt;
    default:
      return AttendanceMark::kPresent;
  }
}

absl::Status CheckText(absl::string_view text, absl::string_view field,
                       size_t max_bytes) {
  if (text.size() > max_bytes || !IsCleanUtf8(text)) {
    return Invalid(field,
                   absl::StrCat("at most ", max_bytes, " bytes of UTF-8 text"));
  }
  return absl::OkStatus();
}

std::string MonthLabel(int year, int month) {
  return absl::StrFormat("%04d-%02d", year, month);
}

std::string QuarterLabel(int year, int quarter) {
  return absl::StrFormat("%04d-Q%d", year, quarter);
}

}  // namespace chibo::scheduling
