#include "common/group_write.h"

#include <cppconn/exception.h>

#include <algorithm>

#include "common/idempotency.h"
#include "common/metrics.h"
#include "common/mysql_pool.h"
#include "common/rpc.h"
#include "common/sql_error.h"
#include "common/status_macros.h"

namespace chibo {

// One caller's write, on its caller's stack while it waits.
struct GroupWriter::Waiting {
  const CallContext* call = nullptr;
  absl::string_view what;
  const google::protobuf::Message* request = nullptr;
  google::protobuf::Message* response = nullptr;
  const std::function<absl::Status(DbConnection&)>* write = nullptr;
  std::string lock_order;
  bool done = false;         // written, or to be written again alone
  bool again_alone = false;  // its group failed
  absl::Status status;       // when done and not again_alone
  std::condition_variable wake;
};

namespace {

GroupWriter::Options FromPool(const MysqlPool& pool, TxMode mode) {
  GroupWriter::Options options;
  options.max_group = std::max(1, pool.options().write_group_max);
  options.mode = mode;
  return options;
}

}  // namespace

GroupWriter::GroupWriter(MysqlPool& pool, TxMode mode)
    : GroupWriter(pool, FromPool(pool, mode)) {}

GroupWriter::GroupWriter(MysqlPool& pool, Options options)
    : pool_(pool), options_(options) {
  // With no group allowed in flight every caller would wait forever.
  options_.max_groups_in_flight = std::max(1, options_.max_groups_in_flight);
}

int64_t GroupWriter::groups_written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return groups_written_;
}

absl::Status GroupWriter::Write(
    const CallContext& call, absl::string_view what,
    const google::protobuf::Message& request,
    google::protobuf::Message* response,
    const std::function<absl::Status(DbConnection&)>& write,
    std::string lock_order) {
  if (options_.max_group <= 1) {
    return IdempotentWrite(pool_, call, what, request, response, write,
                           options_.mode);
  }
  RETURN_IF_ERROR(ValidateRequestId(call.request_id));
  Waiting me;
  me.call = &call;
  me.what = what;
  me.request = &request;
  me.response = response;
  me.write = &write;
  me.lock_order = std::move(lock_order);
  std::unique_lock<std::mutex> lock(mu_);
  waiting_.push_back(&me);
  while (!me.done) {
    // Lead a group when one more may run and calls are waiting, ours or
    // not. Otherwise sleep until our call is written or we are handed the
    // lead: each caller has its own condition, so a finished group wakes
    // its own callers and one next leader, not every waiting thread.
    if (in_flight_ >= options_.max_groups_in_flight || waiting_.empty()) {
      me.wake.wait(lock);
      continue;
    }
    std::vector<Waiting*> group;
    while (!waiting_.empty() &&
           static_cast<int>(group.size()) < options_.max_group) {
      group.push_back(waiting_.front());
      waiting_.pop_front();
    }
    ++in_flight_;
    lock.unlock();
    WriteGroup(group);
    lock.lock();
    --in_flight_;
    if (group.size() > 1 && !group.front()->again_alone) ++groups_written_;
    for (Waiting* written : group) {
      written->done = true;
      if (written != &me) written->wake.notify_one();
    }
    // The next group's leader: the longest waiting caller.
    if (!waiting_.empty() && waiting_.front() != &me) {
      waiting_.front()->wake.notify_one();
    }
  }
  const bool again_alone = me.again_alone;
  lock.unlock();
  if (again_alone) {
    return IdempotentWrite(pool_, call, what, request, response, write,
                           options_.mode);
  }
  return me.status;
}

void GroupWriter::WriteGroup(const std::vector<Waiting*>& group) {
  if (group.size() == 1) {
    Waiting& only = *group.front();
    only.status = IdempotentWrite(pool_, *only.call, only.what, *only.request,
                                  only.response, *only.write, options_.mode);
    RecordGroupWrite(1, true);
    return;
  }
  bool reached_commit = false;
  const absl::Status status = WriteTogether(group, &reached_commit);
  for (Waiting* waiting : group) {
    if (status.ok()) {
      waiting->status = absl::OkStatus();
    } else if (reached_commit && waiting->call->request_id.empty()) {
      // Failed at COMMIT (or just before it): the group may have
      // committed, e.g. when the connection broke while the server
      // committed. A call with a request_id is safe to write again (its
      // key answers if it did commit); one without gets the error, as it
      // would have alone, rather than a second copy.
      waiting->status = status;
    } else {
      waiting->again_alone = true;
    }
  }
  RecordGroupWrite(static_cast<int>(group.size()), status.ok());
}

absl::Status GroupWriter::WriteTogether(const std::vector<Waiting*>& arrived,
                                        bool* reached_commit) {
  std::vector<Waiting*> group = arrived;
  std::stable_sort(group.begin(), group.end(),
                   [](const Waiting* a, const Waiting* b) {
                     return a->lock_order < b->lock_order;
                   });
  // The group waits no longer than its most hurried call; a group that
  // runs out of time is written again call by call, each to its own
  // deadline.
  absl::Time deadline = absl::InfiniteFuture();
  for (const Waiting* waiting : group) {
    deadline = std::min(deadline, waiting->call->deadline);
  }
  return WithConnection(
      pool_, deadline, group.front()->what, options_.mode,
      [&](DbConnection& db) -> absl::Status {
        *reached_commit = false;
        std::vector<IdempotencyClaim> claims;
        for (Waiting* waiting : group) {
          waiting->response->Clear();
          RETURN_IF_ERROR((*waiting->write)(db));
          if (!waiting->call->request_id.empty()) {
            claims.push_back(
                ClaimOf(*waiting->call, *waiting->request, *waiting->response));
          }
        }
        // Last, as IdempotentWrite claims: new keys take no gap lock. A
        // key that is taken (a retry of a finished call, or two attempts
        // of one call in this group) fails the group, and IdempotentWrite
        // then answers each call.
        try {
          InsertClaims(db, claims);
        } catch (const sql::SQLException& e) {
          if (e.getErrorCode() != kErrDuplicateKey) throw;
          return absl::AbortedError("request_id: taken");
        }
        *reached_commit = true;
        return absl::OkStatus();
      });
}

}  // namespace chibo
