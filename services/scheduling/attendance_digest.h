#ifndef CHIBO_SERVICES_SCHEDULING_ATTENDANCE_DIGEST_H_
#define CHIBO_SERVICES_SCHEDULING_ATTENDANCE_DIGEST_H_

// A record's marks as one short text on its meetings row ("12:1,15:3": the
// attendance rows' member_id and mark, by member id), kept by every write
// of attendance in the same transaction. A subtree report reads one row
// per record instead of one per mark (a province-year: 36,000 rows, not
// 1.2 million). The attendance table stays the source of truth: reasons,
// votes and a record's own read come from it.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/scheduling/schedule_rules.h"
#include "services/scheduling/store.h"

namespace chibo::scheduling {

// The digest of `attendance`, whatever its order: by member id, each
// member's mark as the attendance table stores it (the proto enum value),
// so that migration 0008's GROUP_CONCAT ... ORDER BY member_id writes the
// same text for the rows already there.
std::string AttendanceDigestOf(const std::vector<NewAttendance>& attendance);

// Replaces `out` with the marks of `digest`, in its order (by member id,
// as the store reads the attendance rows). False, and `out` empty, when
// the text is not a digest; the caller then reads the rows.
bool ParseAttendanceDigest(absl::string_view digest,
                           std::vector<AttendanceEntry>* out);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_ATTENDANCE_DIGEST_H_
