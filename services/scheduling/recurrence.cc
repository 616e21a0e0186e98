// Working days, rule validation and the expansion of rules into expected
// meetings.

#include <algorithm>
#include <optional>
#include <set>
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

}  // namespace

namespace internal {

FastRule MakeFastRule(const MeetingRule& rule, int specificity) {
  return FastRule{&rule, ToDayNumber(rule.effective_from),
                  ToDayNumber(rule.effective_to), specificity};
}

DayNumber NominalDayNumber(const MeetingRule& rule, int64_t year, int month) {
  if (month < 1 || month > 12) return kNoDay;
  const DayNumber first = DaysFromCivil(year, month, 1);
  const int length = DaysInMonth(year, month);
  switch (rule.pattern) {
    case DayPattern::kDayOfMonth:
      if (rule.day_of_month < 1 || rule.day_of_month > 31) return kNoDay;
      return first + std::min(rule.day_of_month, length) - 1;
    case DayPattern::kNthWeekday: {
      if (!IsValidNth(rule.nth) || !IsKnownWeekday(rule.weekday)) {
        return kNoDay;
      }
      const int target = static_cast<int>(rule.weekday);
      if (rule.nth == -1) {
        const DayNumber last = first + length - 1;
        return last - (WeekdayIndex(last) - target + 7) % 7;
      }
      const int offset =
          (target - WeekdayIndex(first) + 7) % 7 + 7 * (rule.nth - 1);
      return offset < length ? first + offset : kNoDay;
    }
    case DayPattern::kLastWorkingDay:
      return first + length - 1;
  }
  return kNoDay;
}

MonthDayNumber DayNumberInMonth(const FastRule& rule, int64_t year, int month) {
  const DayNumber nominal = NominalDayNumber(*rule.rule, year, month);
  if (nominal == kNoDay) return {};
  if (rule.from <= nominal && nominal <= rule.to) return {nominal, false};
  // The version's first month, its own day already past when it began:
  // the month still gets its meeting, on the version's first day.
  if (nominal < rule.from && rule.rule->effective_from.year() == year &&
      rule.rule->effective_from.month() == month && rule.from <= rule.to) {
    return {rule.from, true};
  }
  return {};
}

int WinnerAmong(const FastRule* candidates, const MonthDayNumber* days,
                size_t n) {
  auto ranks_above = [](const FastRule& a, const FastRule& b) {
    if (a.specificity != b.specificity) return a.specificity < b.specificity;
    return std::tie(a.from, a.rule->version, a.rule->id) >
           std::tie(b.from, b.rule->version, b.rule->id);
  };
  int best = -1;
  for (size_t i = 0; i < n; ++i) {
    if (days[i].day == kNoDay) continue;
    bool overruled = false;
    for (size_t j = 0; j < n && !overruled; ++j) {
      overruled = j != i && days[j].day != kNoDay &&
                  ranks_above(candidates[j], candidates[i]) &&
                  candidates[j].from <= days[i].day &&
                  days[i].day <= candidates[j].to;
    }
    if (overruled) continue;
    if (best < 0 || days[i].day < days[best].day ||
        (days[i].day == days[best].day &&
         ranks_above(candidates[i], candidates[best]))) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

int MonthWinner(const std::vector<FastRule>& fast, int64_t month,
                std::vector<MonthDayNumber>* days) {
  const int64_t year = MonthYear(month);
  const int month_of_year = MonthOfIndex(month);
  for (size_t i = 0; i < fast.size(); ++i) {
    (*days)[i] = DayNumberInMonth(fast[i], year, month_of_year);
  }
  return WinnerAmong(fast.data(), days->data(), fast.size());
}

MonthSpan ExpansionMonths(absl::CivilDay from, absl::CivilDay to) {
  return {MonthIndex(from.year(), from.month()) - kShiftReachMonths,
          MonthIndex(to.year(), to.month()) + kShiftReachMonths};
}

std::optional<Occurrence> ShiftedOccurrence(const MeetingRule& rule,
                                            const WorkingCalendar& calendar,
                                            MonthDayNumber nominal) {
  if (!IsKnownShift(rule.shift)) return std::nullopt;
  // The last working day always looks back: looking forward would leave the
  // month it is the last working day of. A day clamped to the version's
  // first day looks forward: looking back would date it before the version.
  const int step =
      !nominal.clamped &&
              (rule.pattern == DayPattern::kLastWorkingDay ||
               rule.shift == NonWorkingDayShift::kPreviousWorkingDay)
          ? -1
          : 1;
  DayNumber day = nominal.day;
  for (int i = 0; !calendar.IsWorkingDayNumber(day); ++i) {
    if (i == kMaxShiftDays) return std::nullopt;
    day += step;
  }
  Occurrence occurrence;
  occurrence.nominal_day = ToCivilDay(nominal.day);
  occurrence.day =
      day == nominal.day ? occurrence.nominal_day : ToCivilDay(day);
  occurrence.start_minute = rule.start_minute;
  occurrence.min_minutes = rule.min_minutes;
  occurrence.rule_id = rule.id;
  occurrence.rule_version = rule.version;
  return occurrence;
}

std::optional<absl::CivilDay> NominalDay(const MeetingRule& rule, int year,
                                         int month) {
  const DayNumber day = NominalDayNumber(rule, year, month);
  if (day == kNoDay) return std::nullopt;
  return ToCivilDay(day);
}

std::optional<MonthDay> DayInMonth(const MeetingRule& rule,
                                   absl::CivilMonth month) {
  const MonthDayNumber day = DayNumberInMonth(
      MakeFastRule(rule, 0), static_cast<int64_t>(month.year()), month.month());
  if (day.day == kNoDay) return std::nullopt;
  return MonthDay{ToCivilDay(day.day), day.clamped};
}

bool DecidesMonth(const MeetingRule& rule, absl::CivilMonth month) {
  return DayNumberInMonth(MakeFastRule(rule, 0),
                          static_cast<int64_t>(month.year()), month.month())
             .day != kNoDay;
}

bool Supersedes(const MeetingRule& a, const MeetingRule& b) {
  return std::tie(a.effective_from, a.version, a.id) >
         std::tie(b.effective_from, b.version, b.id);
}

int WinnerForMonth(const std::vector<RankedRule>& candidates,
                   absl::CivilMonth month) {
  std::vector<FastRule> rules;
  std::vector<MonthDayNumber> days;
  rules.reserve(candidates.size());
  days.reserve(candidates.size());
  for (const RankedRule& candidate : candidates) {
    rules.push_back(MakeFastRule(*candidate.rule, candidate.specificity));
    days.push_back(DayNumberInMonth(
        rules.back(), static_cast<int64_t>(month.year()), month.month()));
  }
  return WinnerAmong(rules.data(), days.data(), rules.size());
}

}  // namespace internal

std::vector<int64_t> WorkingCalendar::DayNumbers(
    const std::set<absl::CivilDay>& days) {
  std::vector<int64_t> out;
  out.reserve(days.size());
  // A std::set iterates in order, so `out` is sorted.
  for (absl::CivilDay day : days) out.push_back(internal::ToDayNumber(day));
  return out;
}

bool WorkingCalendar::IsWorkingDayNumber(int64_t day) const {
  if (std::binary_search(holiday_numbers_.begin(), holiday_numbers_.end(),
                         day)) {
    return false;
  }
  if (std::binary_search(working_day_numbers_.begin(),
                         working_day_numbers_.end(), day)) {
    return true;  // làm bù
  }
  return internal::WeekdayIndex(day) < 5;  // Monday..Friday
}

bool WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  if (IsHoliday(day)) return false;
  if (working_days_.count(day) > 0) return true;  // làm bù
  const absl::Weekday weekday = absl::GetWeekday(day);
  return weekday != absl::Weekday::saturday && weekday != absl::Weekday::sunday;
}

absl::Status ValidateWorkingDays(const std::set<absl::CivilDay>& holidays,
                                 const std::vector<absl::CivilDay>& working) {
  std::set<absl::CivilDay> seen;
  for (size_t i = 0; i < working.size(); ++i) {
    const absl::CivilDay day = working[i];
    const std::string field =
        absl::StrCat("calendar.working_days[", i, "].date");
    const absl::Weekday weekday = absl::GetWeekday(day);
    if (weekday != absl::Weekday::saturday &&
        weekday != absl::Weekday::sunday) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", internal::Iso(day), " is a ", WeekdayName(weekday),
          ", already a working day; only a Saturday or Sunday "
          "can be made one"));
    }
    if (holidays.count(day) > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", internal::Iso(day), " is also listed as a holiday"));
    }
    if (!seen.insert(day).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", internal::Iso(day), " is listed twice"));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> RuleWarnings(const MeetingRule& rule) {
  std::vector<std::string> warnings;
  if (rule.pattern != DayPattern::kNthWeekday || rule.nth != 5) {
    return warnings;
  }
  // Over the first year of the period (or the whole period if shorter).
  const absl::CivilMonth first(rule.effective_from);
  const absl::CivilMonth last =
      std::min(absl::CivilMonth(rule.effective_to), first + 11);
  int months = 0;
  int without = 0;
  for (absl::CivilMonth month = first; month <= last; ++month) {
    ++months;
    if (!internal::NominalDay(rule, static_cast<int>(month.year()),
                              month.month())
             .has_value()) {
      ++without;
    }
  }
  if (without > 0) {
    warnings.push_back(absl::StrCat(
        "rule.nth: the 5th ", WeekdayName(rule.weekday), " occurs in only ",
        months - without, " of the first ", months,
        " months; the others have no meeting from this rule (a less specific "
        "rule applies there, if any); use -1 for the last ",
        WeekdayName(rule.weekday), " of every month"));
  }
  return warnings;
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
  if (month < 1 || month > 12) return std::nullopt;
  const internal::MonthDayNumber nominal =
      internal::DayNumberInMonth(internal::MakeFastRule(rule, 0), year, month);
  if (nominal.day == internal::kNoDay) return std::nullopt;
  return internal::ShiftedOccurrence(rule, calendar, nominal);
}

std::vector<Occurrence> ExpandSchedule(const std::vector<MeetingRule>& rules,
                                       const WorkingCalendar& calendar,
                                       absl::CivilDay from, absl::CivilDay to) {
  std::vector<Occurrence> out;
  if (to < from) return out;
  // Converted once, not once a month; every version ranks at specificity 0.
  std::vector<internal::FastRule> fast;
  fast.reserve(rules.size());
  for (const MeetingRule& rule : rules) {
    fast.push_back(internal::MakeFastRule(rule, 0));
  }
  std::vector<internal::MonthDayNumber> days(fast.size());
  const internal::MonthSpan months = internal::ExpansionMonths(from, to);
  out.reserve(static_cast<size_t>(months.last - months.first + 1));
  for (int64_t month = months.first; month <= months.last; ++month) {
    const int winner = internal::MonthWinner(fast, month, &days);
    if (winner < 0) continue;
    std::optional<Occurrence> occurrence =
        internal::ShiftedOccurrence(rules[winner], calendar, days[winner]);
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
