// Meeting length, attendance rate, the state of an expected meeting, and
// monthly/quarterly compliance.

#include <cstdint>
#include <tuple>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/scheduling/rules_internal.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {

namespace {

bool CountsAsRegular(MeetingKind kind) {
  return kind == MeetingKind::kRegular || kind == MeetingKind::kCombined;
}

bool CountsAsThematic(MeetingKind kind) {
  return kind == MeetingKind::kThematic || kind == MeetingKind::kCombined;
}

// The first month of the quarter holding `month`.
absl::CivilMonth QuarterStart(absl::CivilMonth month) {
  return absl::CivilMonth(month.year(), (month.month() - 1) / 3 * 3 + 1);
}

}  // namespace

bool MeetsMinimumLength(const HeldMeeting& meeting, const MeetingRule& rule) {
  const int64_t minutes = meeting.end - meeting.start;
  const int required = meeting.kind == MeetingKind::kCombined
                           ? rule.combined_min_minutes
                           : rule.min_minutes;
  return minutes >= required;
}

double AttendanceRate(const std::vector<AttendanceEntry>& attendance) {
  int counted = 0;
  int present = 0;
  for (const AttendanceEntry& entry : attendance) {
    if (entry.mark == AttendanceMark::kExempt) continue;
    ++counted;
    if (entry.mark == AttendanceMark::kPresent) ++present;
  }
  if (counted == 0) return 0.0;
  return static_cast<double>(present) / counted;
}

OccurrenceState StateOf(const Occurrence& occurrence,
                        const std::vector<Postponement>& postponements,
                        const std::vector<HeldMeeting>& records,
                        absl::CivilDay today) {
  for (const HeldMeeting& record : records) {
    if (record.nominal_day == occurrence.nominal_day) {
      return OccurrenceState::kHeld;
    }
  }
  const Postponement* latest = nullptr;
  for (const Postponement& postponement : postponements) {
    if (postponement.nominal_day != occurrence.nominal_day) continue;
    if (latest == nullptr ||
        std::tie(postponement.sequence, postponement.reported_at) >
            std::tie(latest->sequence, latest->reported_at)) {
      latest = &postponement;
    }
  }
  if (latest != nullptr) {
    return latest->new_day >= today ? OccurrenceState::kPostponed
                                    : OccurrenceState::kMissed;
  }
  return occurrence.day >= today ? OccurrenceState::kUpcoming
                                 : OccurrenceState::kMissed;
}

std::vector<MonthCompliance> MonthlyCompliance(
    const std::vector<HeldMeeting>& records, absl::CivilDay from,
    absl::CivilDay to) {
  std::vector<MonthCompliance> out;
  if (to < from) return out;
  for (absl::CivilMonth month(from); month <= absl::CivilMonth(to); ++month) {
    MonthCompliance row;
    row.year = static_cast<int>(month.year());
    row.month = month.month();
    for (const HeldMeeting& record : records) {
      if (CountsAsRegular(record.kind) &&
          absl::CivilMonth(internal::AccountingDay(record)) == month) {
        row.regular_held = true;
        break;
      }
    }
    out.push_back(row);
  }
  return out;
}

std::vector<QuarterCompliance> QuarterlyCompliance(
    const std::vector<HeldMeeting>& records, absl::CivilDay from,
    absl::CivilDay to) {
  std::vector<QuarterCompliance> out;
  if (to < from) return out;
  const absl::CivilMonth last = QuarterStart(absl::CivilMonth(to));
  for (absl::CivilMonth start = QuarterStart(absl::CivilMonth(from));
       start <= last; start += 3) {
    QuarterCompliance row;
    row.year = static_cast<int>(start.year());
    row.quarter = (start.month() - 1) / 3 + 1;
    for (const HeldMeeting& record : records) {
      if (CountsAsThematic(record.kind) &&
          QuarterStart(absl::CivilMonth(internal::AccountingDay(record))) ==
              start) {
        row.thematic_held = true;
        break;
      }
    }
    out.push_back(row);
  }
  return out;
}

}  // namespace chibo::scheduling
