#ifndef CHIBO_SERVICES_SCHEDULING_RULES_INTERNAL_H_
#define CHIBO_SERVICES_SCHEDULING_RULES_INTERNAL_H_

// Helpers shared by the schedule_rules.h implementation files; not part of
// the rules' interface.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "services/scheduling/day_number.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling::internal {

// "2025-07-01".
inline std::string Iso(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// The day a record counts for: its nominal day (a meeting postponed into the
// next month counts for the month it was scheduled in), or the day it was
// held when it fulfils no occurrence (nominal_day left at its default).
inline absl::CivilDay AccountingDay(const HeldMeeting& meeting) {
  return meeting.nominal_day == absl::CivilDay() ? meeting.day
                                                 : meeting.nominal_day;
}

// The rule's day in (year, month) before the working-day shift, from the
// pattern alone (no calendar, no effective period): nullopt when the
// pattern yields none that month (no fifth Friday) or is malformed.
// kLastWorkingDay's nominal day is the month's last calendar day, so an
// occurrence keeps its identity when the holiday calendar changes.
std::optional<absl::CivilDay> NominalDay(const MeetingRule& rule, int year,
                                         int month);

// The day a version claims in `month`: its pattern's day when that lies in
// its period; in the version's first month, when the pattern's day falls
// before effective_from, effective_from itself (`clamped`: the shift then
// always looks forward, never back before the version began); else nullopt.
struct MonthDay {
  absl::CivilDay day;
  bool clamped = false;
};
std::optional<MonthDay> DayInMonth(const MeetingRule& rule,
                                   absl::CivilMonth month);

// True when the version claims a day in `month` (DayInMonth): it may hold
// that month's meeting (if it wins).
bool DecidesMonth(const MeetingRule& rule, absl::CivilMonth month);

// Between two versions of equal specificity: true when `a` ranks above `b`
// (the later effective_from, then the higher version, then the higher id).
bool Supersedes(const MeetingRule& a, const MeetingRule& b);

// A candidate for a month's meeting; lower specificity ranks higher (see
// ApplicableRules), then Supersedes.
struct RankedRule {
  const MeetingRule* rule = nullptr;
  int specificity = 0;
};

// Which candidate holds `month`'s one regular meeting, or -1. Among the
// candidates that claim a day that month, one is overruled when a
// higher-ranked claimant is in force on its day (a revision, or a more
// specific rule, replaces a meeting only from its own effective_from on);
// of the rest, the earliest day wins (then the higher rank). So a revision
// never changes a meeting dated before its effective_from, and a month where
// a rule changes keeps exactly one meeting.
int WinnerForMonth(const std::vector<RankedRule>& candidates,
                   absl::CivilMonth month);

// The same rules on day numbers (day_number.h), for the expansion's hot
// loops: a version with its period converted once.
struct FastRule {
  const MeetingRule* rule = nullptr;
  DayNumber from = 0;  // effective_from
  DayNumber to = 0;    // effective_to
  int specificity = 0;
};
FastRule MakeFastRule(const MeetingRule& rule, int specificity);

// No day (the pattern yields none, or the version claims none).
inline constexpr DayNumber kNoDay = INT64_MIN;

// NominalDay as a day number, or kNoDay.
DayNumber NominalDayNumber(const MeetingRule& rule, int64_t year, int month);

// DayInMonth as a day number (kNoDay for none).
struct MonthDayNumber {
  DayNumber day = kNoDay;
  bool clamped = false;
};
MonthDayNumber DayNumberInMonth(const FastRule& rule, int64_t year, int month);

// WinnerForMonth over `n` candidates whose DayNumberInMonth is `days[i]`.
int WinnerAmong(const FastRule* candidates, const MonthDayNumber* days,
                size_t n);

// Month `month` (a MonthIndex) for all of `fast`: each candidate's
// DayNumberInMonth into `days` (sized like `fast`), and the WinnerAmong
// them (-1 for none). The month loop of both expansion and rule choice.
int MonthWinner(const std::vector<FastRule>& fast, int64_t month,
                std::vector<MonthDayNumber>* days);

// The months [first, last] (MonthIndex) that expanding [from, to] visits:
// kShiftReachMonths beyond each end.
struct MonthSpan {
  int64_t first = 0;
  int64_t last = 0;
};
MonthSpan ExpansionMonths(absl::CivilDay from, absl::CivilDay to);

// OccurrenceInMonth for a version whose claim in its month is `nominal`
// (not kNoDay): nullopt when no working day lies within the shift's reach.
std::optional<Occurrence> ShiftedOccurrence(const MeetingRule& rule,
                                            const WorkingCalendar& calendar,
                                            MonthDayNumber nominal);

// A working-day shift of up to 31 days can move a month's meeting into the
// month after next (Jan 31 -> Mar 3) or the one before last (Mar 1 ->
// Jan 29): expanding [from, to] looks this many months beyond each end.
inline constexpr int kShiftReachMonths = 2;

}  // namespace chibo::scheduling::internal

#endif  // CHIBO_SERVICES_SCHEDULING_RULES_INTERNAL_H_
