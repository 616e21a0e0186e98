#include "common/subtree_cache.h"

#include <algorithm>
#include <utility>

namespace chibo {

SubtreeCache::SubtreeCache(absl::Duration ttl, size_t max_subtrees,
                           std::function<absl::Time()> now)
    : ttl_(ttl), max_subtrees_(max_subtrees), now_(std::move(now)) {}

std::shared_ptr<const SubtreeCache::Subtree> SubtreeCache::Find(int64_t root,
                                                                bool* refresh) {
  if (refresh != nullptr) *refresh = false;
  const absl::Time now = now_();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(root);
  if (it == entries_.end()) return nullptr;
  Entry& entry = it->second;
  const absl::Duration age = now - entry.asked;
  if (age > ttl_) {
    // Kept while it can still be renewed from the feed (Renew); Put
    // evicts it.
    if (entry.feed_position == kNoFeedPosition) entries_.erase(it);
    return nullptr;
  }
  if (refresh != nullptr && age > ttl_ / 2 && !entry.refreshing) {
    entry.refreshing = true;
    *refresh = true;
  }
  return entry.subtree;
}

void SubtreeCache::RefreshFailed(int64_t root) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(root);
  if (it != entries_.end()) it->second.refreshing = false;
}

std::shared_ptr<const SubtreeCache::Subtree> SubtreeCache::Put(
    int64_t root, absl::Time asked, Subtree subtree, int64_t feed_position) {
  std::sort(subtree.cells.begin(), subtree.cells.end(),
            [](const OrgInfo& a, const OrgInfo& b) { return a.id < b.id; });
  auto held = std::make_shared<const Subtree>(std::move(subtree));
  const absl::Time now = now_();
  std::lock_guard<std::mutex> lock(mu_);
  // Expired entries go first; then, if still full, the oldest answer.
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = now - it->second.asked > ttl_ ? entries_.erase(it) : std::next(it);
  }
  while (!entries_.empty() && entries_.size() >= max_subtrees_ &&
         entries_.count(root) == 0) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(),
                                   [](const auto& a, const auto& b) {
                                     return a.second.asked < b.second.asked;
                                   });
    entries_.erase(oldest);
  }
  Entry& entry = entries_[root];
  // A slower call that was asked earlier never replaces a newer answer.
  if (entry.subtree != nullptr && entry.asked > asked) return entry.subtree;
  entry.asked = asked;
  entry.subtree = std::move(held);
  entry.refreshing = false;
  entry.feed_position = feed_position;
  return entry.subtree;
}

int64_t SubtreeCache::FeedPositionOf(int64_t root) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(root);
  return it == entries_.end() ? kNoFeedPosition : it->second.feed_position;
}

bool SubtreeCache::Renew(int64_t root, int64_t from, int64_t to,
                         absl::Time asked) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(root);
  if (it == entries_.end()) return false;
  Entry& entry = it->second;
  if (from == kNoFeedPosition || entry.feed_position != from || to < from ||
      asked < entry.asked) {
    return false;
  }
  entry.asked = asked;
  entry.feed_position = to;
  entry.refreshing = false;
  return true;
}

std::vector<OrgInfo> CellsAfter(const std::vector<OrgInfo>& cells,
                                int64_t after_id, int limit, bool* more) {
  auto first = std::upper_bound(
      cells.begin(), cells.end(), after_id,
      [](int64_t id, const OrgInfo& cell) { return id < cell.id; });
  const size_t left = static_cast<size_t>(cells.end() - first);
  const size_t take = std::min(left, static_cast<size_t>(std::max(limit, 0)));
  *more = left > take;
  return std::vector<OrgInfo>(first, first + take);
}

}  // namespace chibo
