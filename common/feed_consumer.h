#ifndef CHIBO_COMMON_FEED_CONSUMER_H_
#define CHIBO_COMMON_FEED_CONSUMER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "chibo/feed/v1/feed.pb.h"
#include "common/mysql_pool.h"

namespace chibo {

class PeriodicTask;

// The one page size every reader of a feed asks for.
inline constexpr int kFeedPageSize = 500;

// How far a consumer is behind its feed.
struct FeedLag {
  int64_t applied_sequence = 0;  // the stored cursor
  int64_t head_sequence = 0;     // the feed's newest, when last read
  int64_t events_behind = 0;
  // Since the oldest change not yet applied committed (0 when caught up).
  absl::Duration time_behind = absl::ZeroDuration();
  bool holds_lease = false;
  absl::Time last_poll = absl::InfinitePast();
};

// Follows another service's change feed and applies each change exactly
// once to this service's own schema.
//
// The rule: a page of changes is applied by `apply` inside one transaction
// of this service's database, and the same transaction advances the stored
// cursor (feed_cursors, a common migration) past them. A crash before
// COMMIT applies nothing and moves nothing; after COMMIT both are durable.
// So a restarted consumer resumes after the last applied change, never
// replays from 0 and never skips (the feed itself never skips: outbox.h).
//
// Replicas: each consumer takes a lease on its feed's row (holder,
// lease_until). Only the holder polls; another replica takes over once the
// lease has run out (`lease`, 10 s by default) without being renewed. The
// cursor row is locked and re-checked in the applying transaction, so even
// two replicas that both believe they hold the lease apply a change once.
class FeedConsumer {
 public:
  // Reads the changes after `after` (one page of at most `page_size`).
  using Source = std::function<absl::Status(
      int64_t after, int page_size, feed::v1::ListChangesResponse* out)>;
  // Applies one change on `db`, inside the cursor's transaction. An error
  // rolls the whole page back; it is retried at the next poll.
  using Apply = std::function<absl::Status(DbConnection& db,
                                           const feed::v1::Change& change)>;

  struct Options {
    absl::Duration poll_interval = absl::Seconds(1);
    absl::Duration lease = absl::Seconds(10);
    // Deadline of one poll (reading the feed and applying the page).
    absl::Duration poll_timeout = absl::Seconds(10);
    // Who this replica is; by default host name, pid and a random tag.
    std::string holder;
  };

  // `feed` names the row in feed_cursors ("registry").
  FeedConsumer(MysqlPool* pool, std::string feed, Source source, Apply apply,
               Options options);
  ~FeedConsumer();
  FeedConsumer(const FeedConsumer&) = delete;
  FeedConsumer& operator=(const FeedConsumer&) = delete;

  // Polls on a background thread until Stop() or destruction.
  void Start();
  void Stop();

  // One round: take or renew the lease, read one page after the stored
  // cursor and apply it. Returns how many changes were applied (0 without
  // the lease or with nothing new).
  absl::StatusOr<int> PollOnce();

  FeedLag Lag() const;
  const std::string& feed() const { return feed_; }
  const std::string& holder() const { return options_.holder; }

 private:
  absl::StatusOr<bool> TakeLease(absl::Time deadline);
  absl::StatusOr<int64_t> StoredCursor(absl::Time deadline);
  // Applies `page` if the stored cursor is still `after` and the lease
  // ours; `*cursor` is the stored cursor afterwards (after, when taken
  // over).
  absl::StatusOr<int> ApplyPage(const feed::v1::ListChangesResponse& page,
                                int64_t after, absl::Time deadline,
                                int64_t* cursor);
  void NoteLag(int64_t applied, int64_t head, absl::Time oldest_pending,
               bool holds_lease);

  MysqlPool* pool_;
  const std::string feed_;
  Source source_;
  Apply apply_;
  Options options_;
  mutable std::mutex mu_;
  FeedLag lag_;
  bool reported_failure_ = false;
  std::unique_ptr<PeriodicTask> task_;
};

// The default holder name: "<host>/<pid>/<random>".
std::string DefaultFeedHolder();

}  // namespace chibo

#endif  // CHIBO_COMMON_FEED_CONSUMER_H_
