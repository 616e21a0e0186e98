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
      task_(std::make_unique<PeriodicTask>([this] { return Poll(); },
                                           interval)) {}

ChangeFollower::~ChangeFollower() = default;

bool ChangeFollower::Poll() {
  chibo::feed::v1::ListChangesResponse page;
  absl::Status status = source_(after_, &page);
  if (!status.ok()) {
    if (!reported_failure_) {
      Log(LogLevel::kWarning, "cannot follow the change feed; will retry",
          {{"error", status.message()}});
      reported_failure_ = true;
    }
    return false;
  }
  reported_failure_ = false;
  if (!started_) {
    // The cache starts empty: nothing before the head concerns it.
    after_ = std::max(page.head_sequence(), page.last_sequence());
    if (on_resync_) on_resync_();
    started_ = true;
    return false;
  }
  for (const auto& change : page.changes()) on_change_(change);
  after_ = page.last_sequence();
  return page.changes_size() >= kFeedPageSize;
}

}  // namespace chibo
