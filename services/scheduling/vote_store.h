#ifndef CHIBO_SERVICES_SCHEDULING_VOTE_STORE_H_
#define CHIBO_SERVICES_SCHEDULING_VOTE_STORE_H_

// The vote on a record's resolution and the per-member facts it used, in
// the record's own transaction (meeting_store.cc calls these).

#include <cstdint>

#include "chibo/scheduling/v1/scheduling.pb.h"
#include "common/mysql_pool.h"
#include "services/scheduling/store.h"

namespace chibo::scheduling {

// Writes `record`'s vote (if any) and the members' notable facts (a
// ballot, an exclusion, temporary transfer, an accepted reason) for a
// meeting that has none: a correction calls ClearVote first.
// Returns whether it wrote any row (the vote, or a member's facts).
bool WriteVote(DbConnection& db, int64_t meeting_id, const NewRecord& record);

// Removes `meeting_id`'s vote and members' facts, if it has any. The caller
// holds the meeting row (FOR UPDATE).
void ClearVote(DbConnection& db, int64_t meeting_id);

// Adds the stored vote and the members' facts to `out` (its attendance
// already loaded).
void LoadVote(DbConnection& db, int64_t meeting_id, v1::MeetingRecord* out);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_VOTE_STORE_H_
