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
// ballot, an exclusion, temporary transfer, an accepted reason). Replaces
// what `meeting_id` had (a correction writes it again).
void WriteVote(DbConnection& db, int64_t meeting_id, const NewRecord& record);

// Adds the stored vote and the members' facts to `out` (its attendance
// already loaded).
void LoadVote(DbConnection& db, int64_t meeting_id, v1::MeetingRecord* out);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_VOTE_STORE_H_
