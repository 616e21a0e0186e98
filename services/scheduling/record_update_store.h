#ifndef CHIBO_SERVICES_SCHEDULING_RECORD_UPDATE_STORE_H_
#define CHIBO_SERVICES_SCHEDULING_RECORD_UPDATE_STORE_H_

// Corrections of meeting records (UpdateMeetingRecord): the row's version
// for its etag, and the correcting write.

#include <cstdint>
#include <vector>

#include "chibo/scheduling/v1/scheduling.pb.h"
#include "common/mysql_pool.h"
#include "services/scheduling/store.h"

namespace chibo::scheduling {

// meeting_store.cc's full read of a record (documents, attendance, tasks,
// topics, vote, etag), for a write that answers with it.
absl::Status LoadMeetingRecord(DbConnection& db, int64_t id,
                               v1::MeetingRecord* out);

// Writes a record's marks (RecordMeeting, and UpdateMeetingRecord after it
// cleared the old ones) in one statement, whatever their number.
void InsertAttendance(DbConnection& db, int64_t meeting_id,
                      const std::vector<NewAttendance>& attendance);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_RECORD_UPDATE_STORE_H_
