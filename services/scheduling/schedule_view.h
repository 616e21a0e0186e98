#ifndef CHIBO_SERVICES_SCHEDULING_SCHEDULE_VIEW_H_
#define CHIBO_SERVICES_SCHEDULING_SCHEDULE_VIEW_H_

// One cell's schedule, records and compliance, composed from what the store
// loaded: pure functions over the rules of schedule_rules.h.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "chibo/scheduling/v1/scheduling.pb.h"
#include "services/scheduling/org_directory.h"
#include "services/scheduling/schedule_rules.h"
#include "services/scheduling/store.h"

namespace chibo::scheduling {

// Everything known about one cell around a period.
struct CellData {
  OrgInfo cell;
  // ApplicableRules for the cell over the widened period.
  std::vector<MeetingRule> rules;
  std::map<absl::CivilDay, std::vector<StoredPostponement>> postponements;
  std::vector<StoredRecord> records;
};

// One cell's schedule over a period: its occurrences (ExpandSchedule)
// with what they need of the cell's data.
struct CellSchedule {
  CellData data;
  std::vector<Occurrence> occurrences;
};

// Meetings whose rule day (after the shift) lies in [from, to], each with
// its postponements, record and state on `today`.
std::vector<v1::Meeting> BuildMeetings(const CellData& data,
                                       const WorkingCalendar& calendar,
                                       absl::CivilDay from, absl::CivilDay to,
                                       absl::CivilDay today);
// The same from the occurrences already expanded over [from, to].
std::vector<v1::Meeting> BuildMeetings(
    const CellData& data, const std::vector<Occurrence>& occurrences,
    absl::CivilDay from, absl::CivilDay to, absl::CivilDay today);

// The occurrence with this nominal day, if the cell's rules yield one.
std::optional<Occurrence> FindOccurrence(const std::vector<MeetingRule>& rules,
                                         const WorkingCalendar& calendar,
                                         absl::CivilDay nominal_day);

// Compliance of one cell over [from, to] ("Hướng dẫn 12-HD/BTCTW": a regular
// meeting each month, a thematic one each quarter, minimum lengths,
// attendance), plus its absence alerts.
v1::CellCompliance CellComplianceOf(const CellData& data,
                                    const WorkingCalendar& calendar,
                                    absl::CivilDay from, absl::CivilDay to,
                                    absl::CivilDay today,
                                    std::vector<v1::AbsenceAlert>* alerts);

// The calendar events of `meetings` (postponements applied).
std::vector<CalendarEvent> CalendarEventsOf(
    const std::string& cell_name, const std::vector<v1::Meeting>& meetings);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_SCHEDULE_VIEW_H_
