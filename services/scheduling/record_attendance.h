#ifndef CHIBO_SERVICES_SCHEDULING_RECORD_ATTENDANCE_H_
#define CHIBO_SERVICES_SCHEDULING_RECORD_ATTENDANCE_H_

// A record's attendance checked against the registry's members of the
// cell on the day held: RecordMeeting and UpdateMeetingRecord share it.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "chibo/scheduling/v1/scheduling.pb.h"
#include "services/scheduling/org_directory.h"
#include "services/scheduling/store.h"

namespace chibo::scheduling {

// Every member of the cell on `held_day` exactly once, with a known mark
// (an exempt member who stays away is exempt; one who comes, present).
// Appends to `out` in the order of r.attendance. INVALID_ARGUMENT names
// "record.attendance[i]...".
absl::Status ResolveAttendance(const v1::MeetingRecord& r,
                               const OrgDirectory::MemberMap& members,
                               int64_t cell_id, absl::CivilDay held_day,
                               std::vector<NewAttendance>* out);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_RECORD_ATTENDANCE_H_
