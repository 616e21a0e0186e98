// Working days, rule validation and the expansion of rules into expected
// meetings.

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "services/scheduling/rules_internal.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {

namespace {

// The shift looks this many days away from the nominal day at most.
constexpr int kMaxShiftDays = 31;

// ValidateRule looks this many months ahead of effective_from at most.
constexpr int kValidationMonths = 5 * 12;

bool IsKnownWeekday(absl::Weekday weekday) {
  switch (weekday) {
    case absl::Weekday::monday:
    case absl::Weekday::tuesday:
    case absl::Weekday::wednesday:
    case absl::Weekday::thursday:
    case absl::Weekday::friday:
    case absl::Weekday::saturday:
    case absl::Weekday::sunday:
      return true;
  }
  return false;
}

const char* WeekdayName(absl::Weekday weekday) {
  switch (weekday) {
    case absl::Weekday::monday:
      return "Monday";
    case absl::Weekday::tuesday:
      return "Tuesday";
    case absl::Weekday::wednesday:
      return "Wednesday";
    case absl::Weekday::thursday:
      return "Thursday";
    case absl::Weekday::friday:
      return "Friday";
    case absl::Weekday::saturday:
      return "Saturday";
    case absl::Weekday::sunday:
      return "Sunday";
  }
  return "?";
}

bool IsKnownPattern(DayPattern pattern) {
  switch (pattern) {
    case DayPattern::kDayOfMonth:
    case DayPattern::kNthWeekday:
    case DayPattern::kLastWorkingDay:
      return true;
  }
  return false;
}

bool IsKnownShift(NonWorkingDayShift shift) {
  switch (shift) {
    case NonWorkingDayShift::kNextWorkingDay:
    case NonWorkingDayShift::kPreviousWorkingDay:
      return true;
  }
  return false;
}

bool IsValidNth(int nth) { return nth == -1 || (nth >= 1 && nth <= 5); }

absl::CivilDay LastDayOfMonth(absl::CivilMonth month) {
  return absl::CivilDay(month + 1) - 1;
}

bool InEffect(const MeetingRule& rule, absl::CivilDay day) {
  return rule.effective_from <= day && day <= rule.effective_to;
}

std::string Ordinal(int nth) {
  switch (nth) {
    case -1:
      return "last";
    case 1:
      return "1st";
    case 2:
      return "2nd";
    case 3:
      return "3rd";
    default:
      return absl::StrCat(nth, "th");
  }
}

// The version that decides `month` among `rules`, or null.
const MeetingRule* RuleForMonth(const std::vector<MeetingRule>& rules,
                                absl::CivilMonth month) {
  const MeetingRule* best = nullptr;
  for (const MeetingRule& rule : rules) {
    if (!internal::DecidesMonth(rule, month)) continue;
    if (best == nullptr || internal::Supersedes(rule, *best)) best = &rule;
  }
  return best;
}

}  // namespace

namespace internal {

std::optional<absl::CivilDay> NominalDay(const MeetingRule& rule, int year,
                                         int month) {
  if (month < 1 || month > 12) return std::nullopt;
  const absl::CivilMonth civil_month(year, month);
  const absl::CivilDay last = LastDayOfMonth(civil_month);
  switch (rule.pattern) {
    case DayPattern::kDayOfMonth: {
      if (rule.day_of_month < 1 || rule.day_of_month > 31) return std::nullopt;
      return absl::CivilDay(year, month,
                            std::min(rule.day_of_month, last.day()));
    }
    case DayPattern::kNthWeekday: {
      if (!IsValidNth(rule.nth) || !IsKnownWeekday(rule.weekday)) {
        return std::nullopt;
      }
      if (rule.nth == -1) return absl::PrevWeekday(last + 1, rule.weekday);
      const absl::CivilDay first =
          absl::NextWeekday(absl::CivilDay(civil_month) - 1, rule.weekday);
      const absl::CivilDay day = first + 7 * (rule.nth - 1);
      if (absl::CivilMonth(day) != civil_month) return std::nullopt;
      return day;
    }
    case DayPattern::kLastWorkingDay:
      return last;
  }
  return std::nullopt;
}

bool DecidesMonth(const MeetingRule& rule, absl::CivilMonth month) {
  std::optional<absl::CivilDay> nominal =
      NominalDay(rule, static_cast<int>(month.year()), month.month());
  return nominal.has_value() && InEffect(rule, *nominal);
}

bool Supersedes(const MeetingRule& a, const MeetingRule& b) {
  return std::tie(a.effective_from, a.version, a.id) >
         std::tie(b.effective_from, b.version, b.id);
}

}  // namespace internal

bool WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  const absl::Weekday weekday = absl::GetWeekday(day);
  if (weekday == absl::Weekday::saturday || weekday == absl::Weekday::sunday) {
    return false;
  }
  return !IsHoliday(day);
}

absl::Status ValidateRule(const MeetingRule& rule) {
  if (rule.version < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("rule.version: must be >= 1, got ", rule.version));
  }
  if (!IsKnownPattern(rule.pattern)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rule.pattern: unknown pattern ", static_cast<int>(rule.pattern)));
  }
  if (rule.pattern == DayPattern::kDayOfMonth &&
      (rule.day_of_month < 1 || rule.day_of_month > 31)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rule.day_of_month: must be 1..31, got ", rule.day_of_month));
  }
  if (rule.pattern == DayPattern::kNthWeekday) {
    if (!IsValidNth(rule.nth)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rule.nth: must be 1..5 or -1 (the last), got ", rule.nth));
    }
    if (!IsKnownWeekday(rule.weekday)) {
      return absl::InvalidArgumentError(
          absl::StrCat("rule.weekday: must be Monday..Sunday, got ",
                       static_cast<int>(rule.weekday)));
    }
  }
  if (!IsKnownShift(rule.shift)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rule.shift: unknown shift ", static_cast<int>(rule.shift)));
  }
  if (rule.start_minute < 0 || rule.start_minute >= 24 * 60) {
    return absl::InvalidArgumentError(
        absl::StrCat("rule.start_minute: must be 0..1439 (minutes after "
                     "midnight), got ",
                     rule.start_minute));
  }
  if (rule.min_minutes < 1 || rule.min_minutes > 24 * 60) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rule.min_minutes: must be 1..1440, got ", rule.min_minutes));
  }
  if (rule.combined_min_minutes < rule.min_minutes ||
      rule.combined_min_minutes > 24 * 60) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rule.combined_min_minutes: must be min_minutes (", rule.min_minutes,
        ")..1440, got ", rule.combined_min_minutes));
  }
  if (rule.effective_to < rule.effective_from) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rule.effective_to: ", internal::Iso(rule.effective_to),
        " is before rule.effective_from ", internal::Iso(rule.effective_from)));
  }
  // The rule must yield at least one date (checked over at most five years:
  // every pattern that yields a date at all does so within a few months).
  const absl::CivilMonth first(rule.effective_from);
  const absl::CivilMonth last = std::min(absl::CivilMonth(rule.effective_to),
                                         first + (kValidationMonths - 1));
  for (absl::CivilMonth month = first; month <= last; ++month) {
    if (internal::DecidesMonth(rule, month)) return absl::OkStatus();
  }
  const std::string period =
      absl::StrCat(internal::Iso(rule.effective_from), "..",
                   internal::Iso(rule.effective_to));
  switch (rule.pattern) {
    case DayPattern::kNthWeekday:
      return absl::InvalidArgumentError(absl::StrCat(
          "rule.nth: the ", Ordinal(rule.nth), " ", WeekdayName(rule.weekday),
          " never occurs in the effective period ", period));
    case DayPattern::kDayOfMonth:
      return absl::InvalidArgumentError(
          absl::StrCat("rule.effective_to: the effective period ", period,
                       " contains no day ", rule.day_of_month, " of a month"));
    case DayPattern::kLastWorkingDay:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("rule.effective_to: the effective period ", period,
                   " contains no month's last day"));
}

std::optional<Occurrence> OccurrenceInMonth(const MeetingRule& rule,
                                            const WorkingCalendar& calendar,
                                            int year, int month) {
  std::optional<absl::CivilDay> nominal =
      internal::NominalDay(rule, year, month);
  if (!nominal.has_value() || !InEffect(rule, *nominal)) return std::nullopt;
  if (!IsKnownShift(rule.shift)) return std::nullopt;
  // The last working day always looks back: looking forward would leave the
  // month it is the last working day of.
  const int step = rule.pattern == DayPattern::kLastWorkingDay ||
                           rule.shift == NonWorkingDayShift::kPreviousWorkingDay
                       ? -1
                       : 1;
  absl::CivilDay day = *nominal;
  for (int i = 0; !calendar.IsWorkingDay(day); ++i) {
    if (i == kMaxShiftDays) return std::nullopt;
    day += step;
  }
  Occurrence occurrence;
  occurrence.nominal_day = *nominal;
  occurrence.day = day;
  occurrence.start_minute = rule.start_minute;
  occurrence.min_minutes = rule.min_minutes;
  occurrence.rule_id = rule.id;
  occurrence.rule_version = rule.version;
  return occurrence;
}

std::vector<Occurrence> ExpandSchedule(const std::vector<MeetingRule>& rules,
                                       const WorkingCalendar& calendar,
                                       absl::CivilDay from, absl::CivilDay to) {
  std::vector<Occurrence> out;
  if (to < from) return out;
  const absl::CivilMonth last =
      absl::CivilMonth(to) + internal::kShiftReachMonths;
  for (absl::CivilMonth month =
           absl::CivilMonth(from) - internal::kShiftReachMonths;
       month <= last; ++month) {
    const MeetingRule* rule = RuleForMonth(rules, month);
    if (rule == nullptr) continue;
    std::optional<Occurrence> occurrence = OccurrenceInMonth(
        *rule, calendar, static_cast<int>(month.year()), month.month());
    if (!occurrence.has_value()) continue;
    if (occurrence->day < from || occurrence->day > to) continue;
    out.push_back(*occurrence);
  }
  std::sort(
      out.begin(), out.end(), [](const Occurrence& a, const Occurrence& b) {
        return std::tie(a.day, a.nominal_day) < std::tie(b.day, b.nominal_day);
      });
  return out;
}

}  // namespace chibo::scheduling
