#include "common/readiness.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/feed_consumer.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/periodic_task.h"

namespace chibo {
namespace {

MysqlOptions ProbeOptions(MysqlOptions db, absl::Duration timeout) {
  db.pool_size = 1;
  db.io_timeout = std::max(timeout, absl::Seconds(1));
  // The check's own query tests the connection; no ping before it.
  db.validate_after_idle = absl::InfiniteDuration();
  db.metrics_name = "readiness";
  return db;
}

}  // namespace

ReadinessChecker::ReadinessChecker(const MysqlOptions& db,
                                   std::vector<std::string> migration_ids,
                                   std::vector<const FeedConsumer*> consumers,
                                   ReadinessOptions options,
                                   std::function<void(bool ready)> report)
    : probe_(ProbeOptions(db, options.timeout)),
      migration_ids_(std::move(migration_ids)),
      consumers_(std::move(consumers)),
      options_(options),
      report_(std::move(report)) {
  task_ = std::make_unique<PeriodicTask>(
      [this] {
        Step();
        return false;
      },
      options_.interval);
}

ReadinessChecker::~ReadinessChecker() { task_.reset(); }

absl::Status ReadinessChecker::CheckOnce() {
  std::set<std::string> applied;
  absl::Status db = WithConnection(
      probe_, absl::Now() + options_.timeout, "checking readiness",
      TxMode::kRead, [&](DbConnection& c) -> absl::Status {
        std::unique_ptr<sql::ResultSet> rows(
            c.Prepare("SELECT id FROM schema_migrations").executeQuery());
        while (rows->next()) applied.insert(rows->getString(1));
        return absl::OkStatus();
      });
  if (!db.ok()) {
    return absl::UnavailableError(absl::StrCat("database: ", db.message()));
  }
  for (const std::string& id : migration_ids_) {
    if (applied.count(id) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("migration ", id, " is not applied"));
    }
  }
  absl::Status feeds = absl::OkStatus();
  for (const FeedConsumer* consumer : consumers_) {
    const FeedLag lag = consumer->Lag();
    RecordFeedLag(consumer->feed(), lag.events_behind, lag.time_behind,
                  lag.holds_lease);
    // Only the replica applying the feed knows how far behind it is.
    if (feeds.ok() && options_.max_feed_lag > absl::ZeroDuration() &&
        lag.holds_lease && lag.time_behind > options_.max_feed_lag) {
      feeds = absl::UnavailableError(absl::StrCat(
          "feed ", consumer->feed(), " is ",
          absl::FormatDuration(absl::Trunc(lag.time_behind, absl::Seconds(1))),
          " behind"));
    }
  }
  return feeds;
}

void ReadinessChecker::Step() {
  const absl::Status status = CheckOnce();
  const bool ready = status.ok();
  RecordReady(ready);
  report_(ready);
  const std::string reason(status.message());
  if (reported_ && ready == last_ready_ && reason == last_reason_) return;
  if (ready) {
    Log(LogLevel::kInfo, "ready");
  } else {
    Log(LogLevel::kWarning, "not ready", {{"reason", reason}});
  }
  reported_ = true;
  last_ready_ = ready;
  last_reason_ = reason;
}

}  // namespace chibo
