#ifndef CHIBO_COMMON_OUTBOX_H_
#define CHIBO_COMMON_OUTBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "chibo/feed/v1/feed.pb.h"
#include "google/protobuf/message.h"

namespace chibo {

class DbConnection;
class MysqlPool;
struct CallContext;

// One write, as recorded in the change feed.
struct ChangeRecord {
  std::string resource;         // "organizations/12"
  std::string action;           // "created", "updated", "deleted", ...
  int64_t organization_id = 0;  // the subtree it belongs to (0: none)
  // The resource after the write; nullptr for deletions.
  const google::protobuf::Message* payload = nullptr;
};

// The feed's ordering guarantee. A change's sequence is taken from one
// counter row (outbox_sequence) by the last statements of its write
// transaction, and that row stays locked until the transaction commits. So
// sequences are given out in commit order and without gaps: when a reader
// sees sequence N, every change below N has committed already, and
// `sequence > cursor` never passes over one that commits a moment later
// (an AUTO_INCREMENT taken at insert time did: 9% of events were skipped
// with 16 writers). The cost is that writers serialise for the few
// statements between the counter update and COMMIT, not for the whole
// transaction; see README, "The change feed".

// Appends `change` to the outbox on `db`, which must be inside the write's
// transaction: the event commits or rolls back with the write. Records who
// (subject, role, on-behalf-of), what, when and the request id. The row is
// inserted just before COMMIT (DbConnection::BeforeCommit), when its
// sequence is taken; event_time is then the commit time.
void AppendChange(DbConnection& db, const CallContext& call,
                  const ChangeRecord& change);

// The same for many changes of one write (a bulk import): their sequences
// are taken with one counter update and the rows inserted with a few
// multi-row statements, so the cost at commit does not grow by two
// statements per change. The events keep the order of `changes`.
void AppendChanges(DbConnection& db, const CallContext& call,
                   const std::vector<ChangeRecord>& changes);

// Reads up to `limit` changes after sequence `after` (only `subject`'s when
// set). `out->last_sequence()` is the last sequence read, so a reader can
// skip past changes it then filters out; `out->head_sequence()` the
// newest one committed.
absl::Status ReadOutbox(MysqlPool& pool, absl::Time deadline, int64_t after,
                        absl::string_view subject, int limit,
                        chibo::feed::v1::ListChangesResponse* out);

// The organisation id a change belongs to (0 when none).
int64_t OrganizationIdOf(const chibo::feed::v1::Change& change);

}  // namespace chibo

#endif  // CHIBO_COMMON_OUTBOX_H_
