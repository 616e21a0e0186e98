#include "common/roster_cache.h"

#include <utility>

#include "common/metrics.h"
#include "common/status_macros.h"

namespace chibo {

RosterCache::RosterCache(Fetch fetch, FeedHeadWatch* watch, size_t capacity)
    : fetch_(std::move(fetch)), watch_(watch), capacity_(capacity) {}

absl::StatusOr<std::shared_ptr<const RosterCache::Answer>> RosterCache::Get(
    const CallContext& call, const Key& key) {
  const absl::StatusOr<FeedHeadWatch::Mark> now = watch_->Read(call.deadline);
  if (!now.ok()) {
    // A registry that is down or hung answers no roster either: its error
    // now, not a second wait (PeerClient has opened its circuit).
    const absl::StatusCode code = now.status().code();
    if (code == absl::StatusCode::kUnavailable ||
        code == absl::StatusCode::kDeadlineExceeded) {
      return now.status();
    }
    // Any other refusal (a registry without the feed): ask, keep nothing.
    ASSIGN_OR_RETURN(Answer fetched, fetch_(call, key));
    RecordRosterAnswer(false);
    return std::make_shared<const Answer>(std::move(fetched));
  }
  std::shared_ptr<const Answer> kept_answer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() &&
        FeedHeadWatch::Current(it->second.taken, *now)) {
      ++hits_;
      kept_answer = it->second.answer;
    }
  }
  if (kept_answer != nullptr) {
    RecordRosterAnswer(true);
    return kept_answer;
  }
  // Asked after the read: the answer reflects every change up to its head.
  ASSIGN_OR_RETURN(Answer fetched, fetch_(call, key));
  RecordRosterAnswer(false);
  auto kept = std::make_shared<const Answer>(std::move(fetched));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    // Two callers asked at once: keep the answer of the later read.
    const FeedHeadWatch::Mark& held = it->second.taken;
    if (held.epoch != now->epoch || held.head <= now->head) {
      it->second = Entry{kept, *now};
    }
    return kept;
  }
  if (entries_.size() >= capacity_) Prune(*now);
  entries_.emplace(key, Entry{kept, *now});
  return kept;
}

void RosterCache::Prune(const FeedHeadWatch::Mark& now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = FeedHeadWatch::Current(it->second.taken, now) ? std::next(it)
                                                       : entries_.erase(it);
  }
  if (entries_.size() >= capacity_) entries_.clear();
}

int64_t RosterCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

}  // namespace chibo
