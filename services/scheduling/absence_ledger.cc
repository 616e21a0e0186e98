// The absence ledger: unexcused absences in 3 months of a year, and excused
// absences more than 3 meetings in a row.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/scheduling/rules_internal.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {

namespace {

// Unexcused absences in this many distinct months of a year raise an alert.
constexpr int kUnexcusedMonths = 3;
// Excused absences in more than this many meetings in a row raise an alert.
constexpr int kExcusedStreakAllowed = 3;

struct Streak {
  int length = 0;
  absl::CivilDay last_day;
};

// What the ledger keeps per member.
struct MemberState {
  Streak streak;
  size_t last_meeting = SIZE_MAX;  // index of the last meeting seen in
};

AbsenceAlert StreakAlert(int64_t member_id, const Streak& streak) {
  AbsenceAlert alert;
  alert.member_id = member_id;
  alert.kind = AbsenceAlert::Kind::kExcusedStreak;
  alert.year = static_cast<int>(streak.last_day.year());
  alert.count = streak.length;
  return alert;
}

}  // namespace

std::vector<AbsenceAlert> AbsenceLedger(
    const std::vector<HeldMeeting>& records) {
  // Meetings by the day they were held.
  std::vector<const HeldMeeting*> meetings;
  meetings.reserve(records.size());
  for (const HeldMeeting& record : records) meetings.push_back(&record);
  std::stable_sort(
      meetings.begin(), meetings.end(),
      [](const HeldMeeting* a, const HeldMeeting* b) {
        return std::make_tuple(a->day, a->start, internal::AccountingDay(*a)) <
               std::make_tuple(b->day, b->start, internal::AccountingDay(*b));
      });

  std::vector<AbsenceAlert> alerts;
  // member -> year -> months with an unexcused absence (the month the
  // meeting counts for).
  std::map<int64_t, std::map<int64_t, std::set<int>>> unexcused;
  std::map<int64_t, MemberState> members;
  for (size_t index = 0; index < meetings.size(); ++index) {
    const HeldMeeting* meeting = meetings[index];
    for (const AttendanceEntry& entry : meeting->attendance) {
      MemberState& member = members[entry.member_id];
      // A member's first entry in a meeting counts.
      if (member.last_meeting == index) continue;
      member.last_meeting = index;
      if (entry.mark == AttendanceMark::kAbsentWithoutReason) {
        const absl::CivilDay day = internal::AccountingDay(*meeting);
        unexcused[entry.member_id][day.year()].insert(day.month());
      }
      Streak& streak = member.streak;
      if (entry.mark == AttendanceMark::kAbsentWithReason) {
        ++streak.length;
        streak.last_day = meeting->day;
        continue;
      }
      // Any other mark (present, absent without reason, exempt) ends it.
      if (streak.length > kExcusedStreakAllowed) {
        alerts.push_back(StreakAlert(entry.member_id, streak));
      }
      streak = Streak();
    }
  }
  for (const auto& [member_id, member] : members) {
    if (member.streak.length > kExcusedStreakAllowed) {
      alerts.push_back(StreakAlert(member_id, member.streak));
    }
  }
  for (const auto& [member_id, years] : unexcused) {
    for (const auto& [year, months] : years) {
      if (static_cast<int>(months.size()) < kUnexcusedMonths) continue;
      AbsenceAlert alert;
      alert.member_id = member_id;
      alert.kind = AbsenceAlert::Kind::kUnexcusedMonths;
      alert.year = static_cast<int>(year);
      alert.count = static_cast<int>(months.size());
      alerts.push_back(alert);
    }
  }
  // By member, unexcused before streaks, then by year (streaks of one member
  // stay in the order they happened).
  std::stable_sort(
      alerts.begin(), alerts.end(),
      [](const AbsenceAlert& a, const AbsenceAlert& b) {
        return std::make_tuple(a.member_id, static_cast<int>(a.kind), a.year) <
               std::make_tuple(b.member_id, static_cast<int>(b.kind), b.year);
      });
  return alerts;
}

}  // namespace chibo::scheduling
