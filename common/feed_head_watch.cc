#include "common/feed_head_watch.h"

#include <utility>

#include "absl/time/clock.h"

namespace chibo {

FeedHeadWatch::FeedHeadWatch(ReadHead read_head)
    : read_head_(std::move(read_head)) {}

bool FeedHeadWatch::MayGo(Waiter* waiter) {
  waiter->watch->mu_.AssertReaderHeld();
  return waiter->watch->finished_ >= waiter->round || !waiter->watch->running_;
}

FeedHeadWatch::Mark FeedHeadWatch::Next(int64_t head) const {
  if (!known_) return Mark{head, head, 0};
  if (head < mark_.head) return Mark{head, head, mark_.epoch + 1};
  if (head > mark_.head) return Mark{head, head, mark_.epoch};
  return mark_;
}

absl::StatusOr<FeedHeadWatch::Mark> FeedHeadWatch::Read(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  // A read already running may have read the head before this call came:
  // its answer is not enough, the next one's is.
  Waiter waiter{this, started_ + 1};
  while (true) {
    if (finished_ >= waiter.round) {
      // A read that ran out of its leader's time says nothing about this
      // caller's: while time is left, it reads again itself.
      if (result_.ok() ||
          result_.status().code() != absl::StatusCode::kDeadlineExceeded ||
          absl::Now() >= deadline) {
        return result_;
      }
      // A round running now began after this caller came; else the next.
      waiter.round = running_ ? started_ : started_ + 1;
      continue;
    }
    if (running_) {
      if (!mu_.AwaitWithDeadline(absl::Condition(&MayGo, &waiter), deadline)) {
        return absl::DeadlineExceededError(
            "the peer's feed head was not read before the deadline");
      }
      continue;
    }
    running_ = true;
    const int64_t round = ++started_;
    mu_.Unlock();
    absl::StatusOr<int64_t> head = absl::InternalError("no head read");
    try {
      head = read_head_(deadline);
    } catch (...) {
      // The waiters must not wait for a round that never ends.
      mu_.Lock();
      result_ = absl::InternalError("reading the peer's feed head failed");
      finished_ = round;
      running_ = false;
      throw;
    }
    mu_.Lock();
    if (head.ok()) {
      mark_ = Next(*head);
      known_ = true;
      result_ = mark_;
    } else {
      result_ = head.status();
    }
    finished_ = round;
    running_ = false;
    return result_;  // its own read, whatever the answer
  }
}

int64_t FeedHeadWatch::reads() const {
  absl::MutexLock lock(&mu_);
  return finished_;
}

}  // namespace chibo
