// UpdateMeetingRecord's write: under the row's lock, the etag check, the
// masked fields, the version bump and the feed event in one transaction.

#include "services/scheduling/record_update_store.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/etag.h"
#include "common/idempotency.h"
#include "common/outbox.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "services/scheduling/attendance_digest.h"
#include "services/scheduling/store.h"
#include "services/scheduling/vote_store.h"

namespace chibo::scheduling {

absl::Status SchedulingStore::UpdateRecord(
    const CallContext& call, const v1::UpdateMeetingRecordRequest& request,
    int64_t id, const NewRecord& record, const std::set<std::string>& paths,
    v1::MeetingRecord* out) {
  const v1::MeetingRecord& r = request.record();
  const std::string name = ResourceName("meetings", id);
  return IdempotentWrite(
      *pool_, call, "correcting a meeting record", request, out,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& lock = db.Prepare(
            "SELECT cell_id, version FROM meetings WHERE id = ? FOR UPDATE");
        lock.setInt64(1, id);
        std::unique_ptr<sql::ResultSet> row(lock.executeQuery());
        if (!row->next()) {
          return absl::NotFoundError(absl::StrCat(name, " does not exist"));
        }
        const int64_t cell_id = row->getInt64("cell_id");
        RETURN_IF_ERROR(CheckEtag(r.etag(), row->getInt64("version"), name));
        if (paths.count("agenda") > 0) {
          sql::PreparedStatement& set =
              db.Prepare("UPDATE meetings SET agenda = ? WHERE id = ?");
          set.setString(1, r.agenda());
          set.setInt64(2, id);
          set.executeUpdate();
        }
        if (paths.count("conclusions") > 0) {
          sql::PreparedStatement& set =
              db.Prepare("UPDATE meetings SET conclusions = ? WHERE id = ?");
          set.setString(1, r.conclusions());
          set.setInt64(2, id);
          set.executeUpdate();
        }
        if (paths.count("resolution") > 0) {
          sql::PreparedStatement& set =
              db.Prepare("UPDATE meetings SET resolution = ? WHERE id = ?");
          set.setString(1, r.resolution());
          set.setInt64(2, id);
          set.executeUpdate();
        }
        if (paths.count("attendance") > 0) {
          sql::PreparedStatement& clear =
              db.Prepare("DELETE FROM attendance WHERE meeting_id = ?");
          clear.setInt64(1, id);
          clear.executeUpdate();
          InsertAttendance(db, id, record.attendance);
        }
        if (paths.count("attendance") > 0 || paths.count("vote") > 0) {
          ClearVote(db, id);
          WriteVote(db, id, record);
        }
        // The version bump carries the digest along: rewritten with new
        // marks; otherwise still current if it was (a stale or missing one,
        // from a binary that did not keep it, stays stale). Assignments run
        // left to right (MySQL; MariaDB without SIMULTANEOUS_ASSIGNMENT),
        // and both read the old version either way.
        if (paths.count("attendance") > 0) {
          sql::PreparedStatement& bump = db.Prepare(
              "UPDATE meetings SET attendance_digest = ?, "
              "attendance_digest_version = version + 1, "
              "version = version + 1 WHERE id = ?");
          bump.setString(1, AttendanceDigestOf(record.attendance));
          bump.setInt64(2, id);
          bump.executeUpdate();
        } else {
          sql::PreparedStatement& bump = db.Prepare(
              "UPDATE meetings SET attendance_digest_version = "
              "IF(attendance_digest_version = version, version + 1, "
              "attendance_digest_version), version = version + 1 "
              "WHERE id = ?");
          bump.setInt64(1, id);
          bump.executeUpdate();
        }
        RETURN_IF_ERROR(LoadMeetingRecord(db, id, out));
        AppendChange(db, call, {name, "corrected", cell_id, out});
        return absl::OkStatus();
      });
}

}  // namespace chibo::scheduling
