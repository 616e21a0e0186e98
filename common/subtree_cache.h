#ifndef CHIBO_COMMON_SUBTREE_CACHE_H_
#define CHIBO_COMMON_SUBTREE_CACHE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/org_info.h"

namespace chibo {

// The cells of recently listed subtrees, each one registry answer, held for
// at most `ttl` after the registry was asked (kReadStaleness in
// production) after the registry was last known to agree with it. The
// pages of a subtree listing are cut from it, so paging through a province
// does not ask the registry twice a page. An answer past half its ttl is handed
// out once as due for a refresh, so that TreeView asks again in the background
// while pages are still cut from it, and a listing never waits for the registry
// mid-way. An answer can also be renewed without asking for it again,
// when the registry's change feed shows no organisation changed since the
// feed position it was asked at (Renew). No I/O: TreeView fills it.
class SubtreeCache {
 public:
  struct Subtree {
    OrgInfo top;
    std::vector<OrgInfo> cells;  // by id
  };

  // `now` is the clock (tests pass their own).
  SubtreeCache(absl::Duration ttl, size_t max_subtrees,
               std::function<absl::Time()> now = absl::Now);

  absl::Time Now() const { return now_(); }

  // `root`'s subtree if the registry was asked for it at most ttl ago. An
  // older answer with a feed position is not handed out but kept, so that
  // Renew can bring it back.
  // `*refresh` (when given) is set for the first caller that finds it past
  // half its ttl: that caller fetches the next answer and Puts it, or calls
  // RefreshFailed so that a later caller tries again.
  std::shared_ptr<const Subtree> Find(int64_t root, bool* refresh = nullptr);

  // The refresh Find handed out for `root` did not happen.
  void RefreshFailed(int64_t root);

  // Holds the registry's answer about `root`, asked at `asked` (the time
  // before the call: the answer is no older than that), and returns it;
  // or, when a newer answer is already held, that one. Sorts the cells.
  // `feed_position`: the registry feed's head read before the call (every
  // change up to it is in the answer), or kNoFeedPosition.
  std::shared_ptr<const Subtree> Put(int64_t root, absl::Time asked,
                                     Subtree subtree,
                                     int64_t feed_position = kNoFeedPosition);

  static constexpr int64_t kNoFeedPosition = -1;

  // The feed position of the answer held for `root`, or kNoFeedPosition.
  int64_t FeedPositionOf(int64_t root);

  // The registry's feed, read at `asked`, has no organisation change after
  // `from` up to `to`: the answer held for `root` is then as fresh as one
  // asked at `asked`, and its position becomes `to`. False (nothing
  // changes) when the held answer is not the one at `from` any more.
  bool Renew(int64_t root, int64_t from, int64_t to, absl::Time asked);

 private:
  struct Entry {
    absl::Time asked;
    std::shared_ptr<const Subtree> subtree;
    bool refreshing = false;  // a refresh was handed out and is not back
    int64_t feed_position = kNoFeedPosition;
  };
  const absl::Duration ttl_;
  const size_t max_subtrees_;
  const std::function<absl::Time()> now_;
  std::mutex mu_;
  std::map<int64_t, Entry> entries_;
};

// At most `limit` of `cells` (by id) after `after_id`; `*more` when others
// follow.
std::vector<OrgInfo> CellsAfter(const std::vector<OrgInfo>& cells,
                                int64_t after_id, int limit, bool* more);

}  // namespace chibo

#endif  // CHIBO_COMMON_SUBTREE_CACHE_H_
