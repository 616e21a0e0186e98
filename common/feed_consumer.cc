#include "common/feed_consumer.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <unistd.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/periodic_task.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace chibo {
namespace {

std::string SqlTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone());
}

absl::Time EventTime(const feed::v1::Change& change) {
  return absl::FromUnixMicros(
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(
          change.event_time()));
}

}  // namespace

std::string DefaultFeedHolder() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device random;
  return absl::StrCat(host, "/", getpid(), "/", absl::Hex(random()));
}

FeedConsumer::FeedConsumer(MysqlPool* pool, std::string feed, Source source,
                           Apply apply, Options options)
    : pool_(pool),
      feed_(std::move(feed)),
      source_(std::move(source)),
      apply_(std::move(apply)),
      options_(std::move(options)) {
  if (options_.holder.empty()) options_.holder = DefaultFeedHolder();
}

FeedConsumer::~FeedConsumer() { Stop(); }

void FeedConsumer::Start() {
  if (task_ != nullptr) return;
  task_ = std::make_unique<PeriodicTask>(
      [this] {
        absl::StatusOr<int> applied = PollOnce();
        std::lock_guard<std::mutex> lock(mu_);
        if (!applied.ok()) {
          if (!reported_failure_) {
            Log(LogLevel::kWarning, "cannot apply the change feed; will retry",
                {{"feed", feed_}, {"error", applied.status().message()}});
            reported_failure_ = true;
          }
          return false;
        }
        if (reported_failure_) {
          Log(LogLevel::kInfo, "applying the change feed again",
              {{"feed", feed_}, {"events_behind", lag_.events_behind}});
          reported_failure_ = false;
        }
        // A full page means more is waiting: read on at once.
        return *applied >= kFeedPageSize;
      },
      options_.poll_interval);
}

void FeedConsumer::Stop() { task_.reset(); }

FeedLag FeedConsumer::Lag() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lag_;
}

void FeedConsumer::NoteLag(int64_t applied, int64_t head,
                           absl::Time oldest_pending, bool holds_lease) {
  std::lock_guard<std::mutex> lock(mu_);
  lag_.applied_sequence = applied;
  lag_.head_sequence = std::max(head, applied);
  lag_.events_behind = lag_.head_sequence - applied;
  lag_.time_behind = lag_.events_behind > 0 && oldest_pending < absl::Now()
                         ? absl::Now() - oldest_pending
                         : absl::ZeroDuration();
  lag_.holds_lease = holds_lease;
  lag_.last_poll = absl::Now();
}

absl::StatusOr<bool> FeedConsumer::TakeLease(absl::Time deadline) {
  bool held = false;
  RETURN_IF_ERROR(WithConnection(
      *pool_, deadline, "taking the feed lease", TxMode::kWrite,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& create = db.Prepare(
            "INSERT IGNORE INTO feed_cursors (feed, lease_until) "
            "VALUES (?, '1970-01-01 00:00:00')");
        create.setString(1, feed_);
        create.executeUpdate();
        // Renewed by its holder; taken by anyone once it ran out.
        sql::PreparedStatement& take = db.Prepare(
            "UPDATE feed_cursors SET holder = ?, lease_until = "
            "UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND "
            "WHERE feed = ? AND (holder = ? OR lease_until < "
            "UTC_TIMESTAMP(6))");
        take.setString(1, options_.holder);
        take.setInt64(2, absl::ToInt64Microseconds(options_.lease));
        take.setString(3, feed_);
        take.setString(4, options_.holder);
        held = take.executeUpdate() == 1;
        return absl::OkStatus();
      }));
  return held;
}

absl::StatusOr<int64_t> FeedConsumer::StoredCursor(absl::Time deadline) {
  int64_t cursor = 0;
  RETURN_IF_ERROR(WithConnection(
      *pool_, deadline, "reading the feed cursor", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query =
            db.Prepare("SELECT last_sequence FROM feed_cursors WHERE feed = ?");
        query.setString(1, feed_);
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        if (row->next()) cursor = row->getInt64(1);
        return absl::OkStatus();
      }));
  return cursor;
}

absl::StatusOr<int> FeedConsumer::ApplyPage(
    const feed::v1::ListChangesResponse& page, int64_t after,
    absl::Time deadline, int64_t* cursor) {
  int applied = 0;
  *cursor = after;
  RETURN_IF_ERROR(WithConnection(
      *pool_, deadline, "applying the change feed", TxMode::kWrite,
      [&](DbConnection& db) -> absl::Status {
        applied = 0;
        *cursor = after;
        // The cursor row is locked for the whole page: a second replica
        // that also thinks it holds the lease waits here, then sees the
        // cursor moved and applies nothing.
        sql::PreparedStatement& lock = db.Prepare(
            "SELECT last_sequence, holder FROM feed_cursors "
            "WHERE feed = ? FOR UPDATE");
        lock.setString(1, feed_);
        std::unique_ptr<sql::ResultSet> row(lock.executeQuery());
        if (!row->next() || row->getInt64(1) != after ||
            row->getString(2) != options_.holder) {
          return absl::OkStatus();  // Taken over: the new holder goes on.
        }
        row.reset();
        absl::Time last_event = absl::InfinitePast();
        for (const feed::v1::Change& change : page.changes()) {
          if (change.sequence() <= after) continue;
          RETURN_IF_ERROR(apply_(db, change));
          last_event = EventTime(change);
          ++applied;
        }
        sql::PreparedStatement& advance = db.Prepare(
            "UPDATE feed_cursors SET last_sequence = ?, "
            "last_event_time = COALESCE(?, last_event_time), "
            "applied_at = UTC_TIMESTAMP(6), "
            "lease_until = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND "
            "WHERE feed = ?");
        advance.setInt64(1, page.last_sequence());
        if (last_event == absl::InfinitePast()) {
          advance.setNull(2, 0);
        } else {
          advance.setString(2, SqlTime(last_event));
        }
        advance.setInt64(3, absl::ToInt64Microseconds(options_.lease));
        advance.setString(4, feed_);
        advance.executeUpdate();
        *cursor = page.last_sequence();
        return absl::OkStatus();
      }));
  return applied;
}

absl::StatusOr<int> FeedConsumer::PollOnce() {
  const absl::Time deadline = absl::Now() + options_.poll_timeout;
  ASSIGN_OR_RETURN(bool held, TakeLease(deadline));
  ASSIGN_OR_RETURN(int64_t after, StoredCursor(deadline));
  if (!held) {
    NoteLag(after, Lag().head_sequence, absl::InfinitePast(), false);
    return 0;
  }
  feed::v1::ListChangesResponse page;
  RETURN_IF_ERROR(source_(after, kFeedPageSize, &page));
  const int64_t head = page.head_sequence();
  if (page.last_sequence() <= after) {
    NoteLag(after, head, absl::InfinitePast(), true);
    return 0;
  }
  int64_t cursor = after;
  ASSIGN_OR_RETURN(int applied, ApplyPage(page, after, deadline, &cursor));
  // The oldest change still to apply committed no earlier than the last
  // one of this page: an upper bound on the time behind.
  absl::Time oldest_pending = absl::InfinitePast();
  if (!page.changes().empty()) {
    oldest_pending = EventTime(page.changes(page.changes_size() - 1));
  }
  NoteLag(cursor, head, oldest_pending, true);
  return applied;
}

}  // namespace chibo
