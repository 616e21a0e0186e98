#ifndef CHIBO_COMMON_GROUP_WRITE_H_
#define CHIBO_COMMON_GROUP_WRITE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/mysql_pool.h"
#include "google/protobuf/message.h"

namespace chibo {

struct CallContext;

// Group commit for one kind of write. Calls that arrive while earlier
// groups are being written wait, and the next free caller writes all that
// waited (up to `max_group`) in one transaction: every call's write, then
// their request_ids in one multi-row insert, their outbox events with one
// counter update (common/outbox.h), one COMMIT. Under many concurrent
// writers that is a fraction of the statements, round trips and commits
// per call; a call that finds nothing running is written at once, alone,
// exactly as IdempotentWrite writes it, so a lone caller waits for no one.
//
// Each call's answer and guarantees are IdempotentWrite's: it returns only
// after its write has committed, one request_id writes once, a retry gets
// the stored answer. Any failure of a group (one call's write refused, a
// request_id already taken, a deadlock past its retries) rolls the whole
// group back, and then each of its calls is written again on its own
// thread, alone, with IdempotentWrite: what a call is told never depends on
// the other calls it happened to be grouped with. The one exception is a
// group that fails at COMMIT, whose outcome may be unknown (the connection
// broke while the server committed): its calls with a request_id are
// written again (their keys answer if the group did commit), and its
// calls without one get the error, as they would have alone.
//
// `write` must be safe to run again from the start (IdempotentWrite's and
// WithConnection's retries already require it) and must fill `response`
// from scratch; it runs on whichever caller's thread leads the group,
// while its own caller waits.
class GroupWriter {
 public:
  struct Options {
    // Calls written in one transaction at most; 1 writes each alone.
    int max_group = 16;
    // Groups written at once: while one commits, the next one's
    // statements run.
    int max_groups_in_flight = 2;
    // The transactions' mode, grouped or alone. A group is one
    // transaction: under REPEATABLE READ the first call's first read fixes
    // the snapshot for every later call, so a call that locks a row and
    // then reads what others committed under that lock (RecordMeeting's
    // slot, then the meeting's record) needs READ COMMITTED.
    TxMode mode = TxMode::kWrite;
  };

  // max_group from the pool's options (--db_write_group_max).
  GroupWriter(MysqlPool& pool, TxMode mode);
  GroupWriter(MysqlPool& pool, Options options);
  GroupWriter(const GroupWriter&) = delete;
  GroupWriter& operator=(const GroupWriter&) = delete;

  // IdempotentWrite (common/idempotency.h), written together with the
  // calls that are waiting at the same moment. A group writes its calls in
  // the order of `lock_order` (then of arrival): calls that lock rows
  // (RecordMeeting locks its meeting's slot) name the rows, so that two
  // groups take their locks in one order and never wait on each other in
  // a cycle.
  absl::Status Write(const CallContext& call, absl::string_view what,
                     const google::protobuf::Message& request,
                     google::protobuf::Message* response,
                     const std::function<absl::Status(DbConnection&)>& write,
                     std::string lock_order = "");

  // Transactions that held two or more calls, since construction.
  int64_t groups_written() const;

 private:
  struct Waiting;

  // Writes `group`: a single call as IdempotentWrite does, several in one
  // transaction. Marks each call written or to be written again alone.
  void WriteGroup(const std::vector<Waiting*>& group);
  // `*reached_commit`: the last attempt's writes and claims all ran, so a
  // failure came at COMMIT and the outcome may be unknown.
  absl::Status WriteTogether(const std::vector<Waiting*>& group,
                             bool* reached_commit);

  MysqlPool& pool_;
  Options options_;
  mutable std::mutex mu_;
  std::deque<Waiting*> waiting_;
  int in_flight_ = 0;
  int64_t groups_written_ = 0;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_GROUP_WRITE_H_
