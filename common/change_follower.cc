#include "common/change_follower.h"

#include <algorithm>

#include "common/feed_consumer.h"
#include "common/log.h"

namespace chibo {

ChangeFollower::ChangeFollower(Source source, Handler on_change,
                               absl::Duration interval,
                               std::function<void()> on_resync)
    : source_(std::move(source)),
      on_change_(std::move(on_change)),
      on_resync_(std::move(on_resync)),
      interval_(interval),
      thread_([this] { Loop(); }) {}

ChangeFollower::~ChangeFollower() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

void ChangeFollower::Loop() {
  int64_t after = 0;
  bool started = false;
  bool reported_failure = false;
  while (true) {
    chibo::feed::v1::ListChangesResponse page;
    absl::Status status = source_(after, &page);
    if (status.ok() && !started) {
      after = std::max(page.head_sequence(), page.last_sequence());
      if (on_resync_) on_resync_();
      started = true;
      reported_failure = false;
    } else if (status.ok()) {
      for (const auto& change : page.changes()) on_change_(change);
      after = page.last_sequence();
      reported_failure = false;
    } else if (!reported_failure) {
      Log(LogLevel::kWarning, "cannot follow the change feed; will retry",
          {{"error", status.message()}});
      reported_failure = true;
    }
    // A full page means more is waiting: read on without sleeping.
    const bool more = status.ok() && page.changes_size() >= kFeedPageSize;
    std::unique_lock<std::mutex> lock(mu_);
    if (more) {
      if (stopping_) return;
      continue;
    }
    if (stop_cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_),
                          [this] { return stopping_; })) {
      return;
    }
  }
}

}  // namespace chibo
