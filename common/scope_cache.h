#ifndef CHIBO_COMMON_SCOPE_CACHE_H_
#define CHIBO_COMMON_SCOPE_CACHE_H_

#include <memory>

#include "common/auth/scope_oracle.h"
#include "common/change_follower.h"

namespace chibo {

// The scope oracle a served process uses: the definition's oracle behind
// CachedScopeOracle, and a follower of the tree's change feed that clears
// the cache on a move or a deletion. Built in one place so that
// ServiceRuntime and the test fixtures (TestServiceOptions::
// production_scope_cache) run the same cache.
struct ScopeCache {
  std::unique_ptr<auth::CachedScopeOracle> oracle;
  // Null without `tree_changes`.
  std::unique_ptr<ChangeFollower> follower;
};

ScopeCache MakeScopeCache(std::unique_ptr<auth::ScopeOracle> inner,
                          ChangeFollower::Source tree_changes);

}  // namespace chibo

#endif  // CHIBO_COMMON_SCOPE_CACHE_H_
