#include "common/scope_cache.h"

#include <utility>

#include "common/tree_view_feed.h"

namespace chibo {

ScopeCache MakeScopeCache(std::unique_ptr<auth::ScopeOracle> inner,
                          ChangeFollower::Source tree_changes) {
  ScopeCache cache;
  cache.oracle = std::make_unique<auth::CachedScopeOracle>(
      std::move(inner), auth::kReadStaleness);
  if (tree_changes) {
    auth::CachedScopeOracle* oracle = cache.oracle.get();
    cache.follower = std::make_unique<ChangeFollower>(
        std::move(tree_changes),
        [oracle](const chibo::feed::v1::Change& change) {
          if (ChangesTheTree(change)) oracle->Invalidate();
        },
        absl::Seconds(1), [oracle] { oracle->Invalidate(); });
  }
  return cache;
}

}  // namespace chibo
