#ifndef CHIBO_COMMON_CHANGE_FOLLOWER_H_
#define CHIBO_COMMON_CHANGE_FOLLOWER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "chibo/feed/v1/feed.pb.h"
#include "common/periodic_task.h"

namespace chibo {

// Follows a change feed from a background thread: polls `source` every
// `interval` and hands each new change to `on_change`, in order. Used to
// keep this process's in-memory caches current (the ancestors scope checks
// read), which every replica holds for itself; durable derived data uses a
// FeedConsumer instead (stored cursor, exactly once, one replica).
//
// A cache starts empty, so the follower does not replay the feed: its
// first poll jumps to the feed's head and calls `on_resync`, which must
// drop whatever was cached before (a change committed between filling the
// cache and the first poll is then not missed). A failing source is
// retried next interval.
class ChangeFollower {
 public:
  using Source = std::function<absl::Status(
      int64_t after, chibo::feed::v1::ListChangesResponse* out)>;
  using Handler = std::function<void(const chibo::feed::v1::Change&)>;

  ChangeFollower(Source source, Handler on_change, absl::Duration interval,
                 std::function<void()> on_resync);
  ~ChangeFollower();
  ChangeFollower(const ChangeFollower&) = delete;
  ChangeFollower& operator=(const ChangeFollower&) = delete;

 private:
  // One poll; true when a full page says more is waiting.
  bool Poll();

  Source source_;
  Handler on_change_;
  std::function<void()> on_resync_;
  // Touched only by the task's thread.
  int64_t after_ = 0;
  bool started_ = false;
  bool reported_failure_ = false;
  // Last: it starts polling once everything above is set.
  std::unique_ptr<PeriodicTask> task_;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_CHANGE_FOLLOWER_H_
