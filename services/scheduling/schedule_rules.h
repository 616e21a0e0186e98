#ifndef CHIBO_SERVICES_SCHEDULING_SCHEDULE_RULES_H_
#define CHIBO_SERVICES_SCHEDULING_SCHEDULE_RULES_H_

// Pure rules of meeting scheduling: no I/O. The store loads rows into these
// types; everything here is a function of its arguments (and `now` where
// time matters), unit-tested exhaustively in tests/unit/scheduling.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace chibo::scheduling {

// ---------------------------------------------------------------------------
// Working days.

// Saturdays and Sundays are not working days; nor are the holidays, which
// are data (a calendar per year, lunar holidays such as Tết entered as
// their solar dates). When a holiday is bridged, a Saturday or Sunday is
// worked instead (làm bù): such working days are data too, and a working
// day for every rule and shift.
class WorkingCalendar {
 public:
  WorkingCalendar() = default;
  explicit WorkingCalendar(std::set<absl::CivilDay> holidays,
                           std::set<absl::CivilDay> working_days = {})
      : holidays_(std::move(holidays)),
        working_days_(std::move(working_days)),
        holiday_numbers_(DayNumbers(holidays_)),
        working_day_numbers_(DayNumbers(working_days_)) {}
  bool IsHoliday(absl::CivilDay day) const { return holidays_.count(day) > 0; }
  bool IsWorkingDay(absl::CivilDay day) const;
  // IsWorkingDay for a day counted from 1970-01-01 (internal::DayNumber):
  // the expansion's hot loop, without building a CivilDay.
  bool IsWorkingDayNumber(int64_t day) const;

 private:
  static std::vector<int64_t> DayNumbers(const std::set<absl::CivilDay>& days);

  std::set<absl::CivilDay> holidays_;
  std::set<absl::CivilDay> working_days_;  // weekend days worked (làm bù)
  // The same days as sorted day numbers, for IsWorkingDayNumber.
  std::vector<int64_t> holiday_numbers_;
  std::vector<int64_t> working_day_numbers_;
};

// A calendar's working weekend days: INVALID_ARGUMENT naming
// "calendar.working_days[i].date" for a Monday..Friday (already a working
// day), a day also listed as a holiday, or a day listed twice.
absl::Status ValidateWorkingDays(const std::set<absl::CivilDay>& holidays,
                                 const std::vector<absl::CivilDay>& working);

// ---------------------------------------------------------------------------
// Meeting-day rules (versioned data).

enum class DayPattern {
  kDayOfMonth,  // day N of the month (N beyond the month's end: its last day)
  kNthWeekday,  // the n-th (1..5, or -1 for last) weekday of the month
  kLastWorkingDay,  // the month's last working day
};

enum class NonWorkingDayShift {
  kNextWorkingDay,      // a weekend or holiday moves to the next working day
  kPreviousWorkingDay,  // ... or to the previous one
};

// One version of a rule. `id` and `version` are what every computed result
// names ("rule 7 v2").
struct MeetingRule {
  int64_t id = 0;
  int32_t version = 1;
  DayPattern pattern = DayPattern::kDayOfMonth;
  int day_of_month = 1;                           // kDayOfMonth: 1..31
  int nth = 1;                                    // kNthWeekday: 1..5 or -1
  absl::Weekday weekday = absl::Weekday::monday;  // kNthWeekday
  int start_minute = 14 * 60;      // local time of day, minutes after 00:00
  int min_minutes = 90;            // minimum length of a meeting
  int combined_min_minutes = 120;  // ... when regular and thematic combined
  NonWorkingDayShift shift = NonWorkingDayShift::kNextWorkingDay;
  absl::CivilDay effective_from;
  absl::CivilDay effective_to = absl::CivilDay(9999, 12, 31);
};

// INVALID_ARGUMENT naming the field ("rule.day_of_month: must be 1..31")
// for malformed rules, including one that never yields a date (e.g. an
// nth weekday of 5 whose effective period contains no month with a fifth
// such weekday, or effective_to before effective_from).
absl::Status ValidateRule(const MeetingRule& rule);

// Warnings for a valid rule that yields no meeting in some months: an nth
// weekday of 5 (a month with four such weekdays has none; the month is
// skipped, and a less specific rule holds it if there is one). Empty when
// the rule yields a day every month.
std::vector<std::string> RuleWarnings(const MeetingRule& rule);

// One expected meeting.
struct Occurrence {
  absl::CivilDay nominal_day;  // the rule's day before the working-day shift
  absl::CivilDay day;          // after the shift: when the cell meets
  int start_minute = 0;
  int min_minutes = 90;
  int64_t rule_id = 0;
  int32_t rule_version = 0;
};

// The rule's date in (year, month) after the working-day shift, or nullopt
// when the rule yields none that month (e.g. no 5th Friday). The shift may
// leave the month (the 1st is a Sunday, previous working day: the last day
// of the previous month) and stays bounded (at most 31 days of search).
// Also nullopt when the nominal day lies outside the rule's effective period,
// when no working day lies within 31 days, or for a malformed rule.
// One exception, the version's first month: when its own day there falls
// before effective_from (v2 "day 10" from the 15th), the nominal day is
// effective_from itself, and the shift then always looks forward, so the
// meeting is never dated before the version began.
// kLastWorkingDay: the nominal day is the month's last calendar day (so an
// occurrence keeps its identity if the holiday calendar changes) and the
// search always goes back, whatever `shift` says.
std::optional<Occurrence> OccurrenceInMonth(const MeetingRule& rule,
                                            const WorkingCalendar& calendar,
                                            int year, int month);

// Expands `rules` (the versions that apply to one cell, any order, periods
// possibly adjacent: a rule change mid-year) over [from, to]: one
// occurrence per month from the version effective on the month's nominal
// day, sorted by day. Occurrences whose shifted day falls outside [from,
// to] are dropped.
// A version "claims" a month when its nominal day there (as
// OccurrenceInMonth gives it, first-month clamp included) lies in its own
// period. A claim is overruled when a later version (the later
// effective_from, then the higher version, then the higher id) that also
// claims the month is in force on the claimed day. Of the claims left, the
// earliest day holds the month's one meeting. So each month has exactly one
// regular meeting, from the version in force on its nominal day, and a
// revision never changes a meeting dated before its effective_from:
//  - v1 "day 1" until 2 Dec, v2 "day 31" from 3 Dec: 1 Dec (v1);
//  - v1 "day 20" until the 15th, v2 "day 10" from the 16th: the 16th (v2);
//  - v1 "day 10" until the 15th, v2 "day 20" from the 16th: the 10th (v1).
// Meetings of the months just outside [from, to] that a shift moves inside
// are included.
std::vector<Occurrence> ExpandSchedule(const std::vector<MeetingRule>& rules,
                                       const WorkingCalendar& calendar,
                                       absl::CivilDay from, absl::CivilDay to);

// ---------------------------------------------------------------------------
// Which rule applies to a cell: the most specific wins.

// Where a rule was set.
struct RuleScope {
  int64_t organization_id = 0;   // the cell itself, or a committee
  bool for_cell_itself = false;  // set by the cell for itself
  int category = 0;              // a cell category (0: any category)
};

struct ScopedRule {
  RuleScope scope;
  MeetingRule rule;
};

// The candidates that apply to a cell with ancestry `ancestors` (the cell
// first, root last) and `category`, in order of specificity: the cell's own
// rules first, then for each ancestor from nearest to farthest, rules for
// the cell's category before rules for any category. Rules set for another
// category or outside the ancestry are dropped. Within the winning scope all
// versions are returned (their periods decide per month); a month with no
// version in the winning scope falls back to the next scope.
// A scope "covers" a month when one of its versions claims it (see
// ExpandSchedule; so a "5th Friday" rule falls back in months without
// one). A more specific rule overrules a claim only when it is in force on
// the claimed day: a cell's own rule from the 15th leaves the committee's
// meeting on the 1st of that month as it was. The result, most specific first,
// is ready for ExpandSchedule over the same [from, to]: a version is returned
// as is when it decides every month it could, otherwise as copies trimmed to
// the runs of months it decides; versions that decide no month are left out.
std::vector<MeetingRule> ApplicableRules(const std::vector<ScopedRule>& rules,
                                         const std::vector<int64_t>& ancestors,
                                         int category, absl::CivilDay from,
                                         absl::CivilDay to);

// ---------------------------------------------------------------------------
// Postponements ("chỉ báo hoãn, không báo họp").

struct Postponement {
  absl::CivilDay nominal_day;  // which occurrence (its nominal day)
  absl::CivilDay new_day;
  int new_start_minute = 0;
  absl::Time reported_at;
  int sequence = 1;  // 1 for the first postponement, 2 for the second, ...
};

// The rules for reporting a postponement of the occurrence on
// `scheduled_day` (its day after the shift, or its previous new day if
// already postponed) at `now` (`today` in Vietnam):
//  - it must be reported no later than the scheduled day itself
//    (FAILED_PRECONDITION afterwards: the meeting is then missed or held);
//  - the new day must not be in the past and must be after the
//    scheduled day (INVALID_ARGUMENT, field "new_date");
//  - it may cross into the next month; the meeting still counts for the
//    month it was scheduled in;
//  - postponing again is allowed, each time from the latest new day.
absl::Status CheckPostponement(absl::CivilDay scheduled_day,
                               absl::CivilDay new_day, absl::CivilDay today);

// Historical backfill: a postponement an integration system or a system
// admin records after the fact, reported on `reported_day` (Vietnam). It
// may be reported after the scheduled day (it then counts as reported
// late) and its new day may be past; but it cannot be reported in the
// future (INVALID_ARGUMENT, field "report_time") and the new day must be
// after the scheduled day (INVALID_ARGUMENT, field "new_date").
absl::Status CheckBackfilledPostponement(absl::CivilDay scheduled_day,
                                         absl::CivilDay new_day,
                                         absl::CivilDay reported_day,
                                         absl::CivilDay today);

// Reported after the day it was due ("báo hoãn muộn"): only a backfill can
// be; compliance counts them.
inline bool ReportedLate(absl::CivilDay scheduled_day,
                         absl::CivilDay reported_day) {
  return reported_day > scheduled_day;
}

// ---------------------------------------------------------------------------
// Meeting records and compliance.

enum class MeetingKind { kRegular, kThematic, kCombined };

enum class AttendanceMark {
  kPresent,
  kAbsentWithReason,
  kAbsentWithoutReason,
  kExempt,
};

struct AttendanceEntry {
  int64_t member_id = 0;
  AttendanceMark mark = AttendanceMark::kPresent;
};

struct HeldMeeting {
  absl::CivilDay nominal_day;  // the occurrence it fulfils (0-day if extra:
                               // then it counts for the day it was held)
  absl::CivilDay day;          // when it was held
  MeetingKind kind = MeetingKind::kRegular;
  absl::CivilMinute start;
  absl::CivilMinute end;
  std::vector<AttendanceEntry> attendance;
};

// The length rule: at least `rule.min_minutes`, or combined_min_minutes
// for a combined meeting.
bool MeetsMinimumLength(const HeldMeeting& meeting, const MeetingRule& rule);

// present / (everyone except exempt); 0 when nobody counts.
double AttendanceRate(const std::vector<AttendanceEntry>& attendance);

enum class OccurrenceState {
  kHeld,       // a record exists
  kPostponed,  // postponed to a day not yet passed
  kMissed,     // its day (or its latest new day) passed with no record
  kUpcoming,   // not yet due
};

// The state of an occurrence on `today`.
OccurrenceState StateOf(const Occurrence& occurrence,
                        const std::vector<Postponement>& postponements,
                        const std::vector<HeldMeeting>& records,
                        absl::CivilDay today);

struct MonthCompliance {
  int year = 0;
  int month = 0;
  bool regular_held = false;  // a regular or combined meeting that month
};

struct QuarterCompliance {
  int year = 0;
  int quarter = 0;             // 1..4
  bool thematic_held = false;  // a thematic or combined meeting that quarter
};

// Months and quarters in [from, to] (whole months/quarters touched by the
// range), from the records' nominal month (a meeting postponed into the
// next month counts for its scheduled month).
std::vector<MonthCompliance> MonthlyCompliance(
    const std::vector<HeldMeeting>& records, absl::CivilDay from,
    absl::CivilDay to);
std::vector<QuarterCompliance> QuarterlyCompliance(
    const std::vector<HeldMeeting>& records, absl::CivilDay from,
    absl::CivilDay to);

// ---------------------------------------------------------------------------
// Votes on a resolution (biểu quyết nghị quyết).

// The rule is versioned data (table vote_rules): a resolution passes when
// votes for * threshold_denominator > threshold_numerator * denominator
// ("more than half": 1/2, strictly).
struct VoteRule {
  int64_t id = 0;
  int32_t version = 1;
  std::string source;  // "Điều lệ Đảng, Điều 10"
  absl::CivilDay effective_from;
  absl::CivilDay effective_to = absl::CivilDay(9999, 12, 31);
  int threshold_numerator = 1;
  int threshold_denominator = 2;
};

// The rule in force on `day` (the latest effective_from, then the higher
// version), or nullptr.
const VoteRule* VoteRuleOn(const std::vector<VoteRule>& rules,
                           absl::CivilDay day);

enum class VoterStanding {
  kFull,          // đảng viên chính thức
  kProbationary,  // dự bị: attends and speaks, does not vote
  kExempt,        // miễn / tạm miễn sinh hoạt (a full member)
  kSuspended,     // đình chỉ sinh hoạt
};

enum class VoteChoice { kNone, kFor, kAgainst, kAbstain };

// One member of the cell at the meeting, as the vote sees them.
struct VoterFacts {
  int64_t member_id = 0;
  VoterStanding standing = VoterStanding::kFull;
  AttendanceMark mark = AttendanceMark::kPresent;
  bool temporary_transfer = false;  // sinh hoạt tạm thời nơi khác
  bool reason_accepted = false;     // the chair accepted the absence reason
  VoteChoice choice = VoteChoice::kNone;  // per-member ballots only
};

// Why a member is not in the denominator (checked in this order).
enum class VoteExclusion {
  kNone,
  kProbationary,
  kSuspended,
  kTemporaryTransfer,
  kExemptAbsent,          // exempt and not present (present: counted)
  kAbsentReasonAccepted,  // absent all meeting, reason accepted by chair
};

VoteExclusion ExclusionOf(const VoterFacts& voter);

struct VoteTally {
  int votes_for = 0;
  int votes_against = 0;
  int abstentions = 0;
};

struct VoteOutcome {
  int denominator = 0;
  VoteTally tally;
  bool passed = false;
  int64_t rule_id = 0;
  int32_t rule_version = 0;
  std::string rule_source;
  // Members left out of the denominator, by member id.
  std::vector<std::pair<int64_t, VoteExclusion>> excluded;
};

// The outcome under `rule`. With `counts`, the tally is as given; without,
// it comes from each voter's choice (per-member ballots). INVALID_ARGUMENT
// (field "record.vote..."): negative counts; more votes than the
// denominator; more votes than members of the denominator present; a
// ballot from a member outside the denominator or not present.
absl::StatusOr<VoteOutcome> DecideVote(const VoteRule& rule,
                                       const std::vector<VoterFacts>& voters,
                                       const std::optional<VoteTally>& counts);

// ---------------------------------------------------------------------------
// Annual plans.

// Whether a mandated topic with `target_categories` (empty: the whole
// subtree) applies to a cell of `cell_category` in the subtree.
inline bool TopicTargetsCell(const std::vector<int>& target_categories,
                             int cell_category) {
  if (target_categories.empty()) return true;
  for (int category : target_categories) {
    if (category == cell_category) return true;
  }
  return false;
}

// held / planned, 0 when nothing is planned.
inline double CompletionRate(int held, int planned) {
  return planned <= 0
             ? 0.0
             : static_cast<double>(held) / static_cast<double>(planned);
}

// ---------------------------------------------------------------------------
// Absence ledger.

struct AbsenceAlert {
  int64_t member_id = 0;
  enum class Kind {
    // Absent without reason in 3 (or more) months of one calendar year:
    // grounds for removal (xóa tên).
    kUnexcusedMonths,
    // Absent with reason more than 3 meetings in a row.
    kExcusedStreak,
  } kind = Kind::kUnexcusedMonths;
  int year = 0;
  int count = 0;  // months, or the streak's length
};

// Over `records` (any order), the alerts: kUnexcusedMonths once per member
// and year with >= 3 distinct months; kExcusedStreak once per member for
// each streak of > 3 consecutive meetings (by day) of absences with reason.
// Meetings where a member has no entry break nothing and count nothing.
// Months are the records' nominal months (as for compliance); a streak's
// year is that of its last meeting; any mark other than absent-with-reason
// ends a streak. Sorted by member, unexcused before streaks, then year.
std::vector<AbsenceAlert> AbsenceLedger(
    const std::vector<HeldMeeting>& records);

// ---------------------------------------------------------------------------
// Calendar export (RFC 5545).

struct CalendarEvent {
  std::string uid;          // stable: "<cell>-<nominal day>@chibo"
  absl::CivilMinute start;  // Asia/Ho_Chi_Minh local time
  int minutes = 90;
  std::string summary;
  std::string description;
  bool postponed = false;  // shown with the new date, STATUS and a note
};

// A VCALENDAR with a VTIMEZONE for Asia/Ho_Chi_Minh (UTC+7, no DST) and one
// VEVENT per event: CRLF line ends, lines folded at 75 octets without
// splitting UTF-8 sequences, text escaped (\\ \; \, \n). `stamp` is DTSTAMP.
// Every event is STATUS:CONFIRMED; a postponed one also carries
// X-CHIBO-POSTPONED:TRUE and a note ("Đã hoãn: họp lúc 14:00 ngày
// 10/03/2025") appended to its DESCRIPTION, which ParseICalendar removes.
// CR LF and lone CR in text become newlines; other control characters but
// TAB are dropped; negative minutes are written as 0.
std::string ExportICalendar(const std::string& calendar_name,
                            const std::vector<CalendarEvent>& events,
                            absl::Time stamp);

// Parses what ExportICalendar writes (unfolds lines, unescapes text): for
// tests and for clients that want to check a calendar. INVALID_ARGUMENT on
// text that is not such a calendar.
absl::StatusOr<std::vector<CalendarEvent>> ParseICalendar(
    const std::string& text);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_SCHEDULE_RULES_H_
