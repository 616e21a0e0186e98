#ifndef CHIBO_COMMON_READINESS_H_
#define CHIBO_COMMON_READINESS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/mysql_pool.h"

namespace chibo {

class FeedConsumer;
class PeriodicTask;

struct ReadinessOptions {
  // How often to check (--readiness_interval).
  absl::Duration interval = absl::Seconds(1);
  // Connect/read timeout of the check's database call, whole seconds, at
  // least 1 (--readiness_timeout; Connector/C++ counts in seconds).
  absl::Duration timeout = absl::Seconds(1);
  // A followed feed further behind than this makes the replica not ready;
  // zero: lag never does (--readiness_max_feed_lag).
  absl::Duration max_feed_lag = absl::ZeroDuration();
};

// Decides whether this replica can answer calls, again and again on a
// background thread, and reports each answer to `report` (the health
// service's readiness; see RunningServer::SetReady). Not ready while:
//   - the database does not answer (one query, on a connection of its own
//     with a short timeout, so the check neither waits behind the calls'
//     pool nor hangs with a stalled server);
//   - a migration the binary carries is not recorded in schema_migrations
//     (the same query: a missing table counts as nothing applied);
//   - with max_feed_lag set, a feed this replica applies is further behind.
// Ready again at the first check that passes: nothing needs a restart.
// Also publishes the consumers' lag and chibo_ready on /metrics, and logs
// each change of state once.
class ReadinessChecker {
 public:
  ReadinessChecker(const MysqlOptions& db,
                   std::vector<std::string> migration_ids,
                   std::vector<const FeedConsumer*> consumers,
                   ReadinessOptions options,
                   std::function<void(bool ready)> report);
  ~ReadinessChecker();
  ReadinessChecker(const ReadinessChecker&) = delete;
  ReadinessChecker& operator=(const ReadinessChecker&) = delete;

  // One check: OK, or why this replica is not ready.
  absl::Status CheckOnce();

 private:
  void Step();

  MysqlPool probe_;
  const std::vector<std::string> migration_ids_;
  const std::vector<const FeedConsumer*> consumers_;
  const ReadinessOptions options_;
  std::function<void(bool)> report_;
  // Touched only by the task's thread.
  bool reported_ = false;
  bool last_ready_ = false;
  std::string last_reason_;
  // Last: it starts checking once everything above is set.
  std::unique_ptr<PeriodicTask> task_;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_READINESS_H_
