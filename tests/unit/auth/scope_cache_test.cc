// The scope cache's staleness bound (issue 9, item 2): a read's cached
// ancestry is used for at most kReadStaleness (1 s) after it was fetched;
// a write's check (FreshAncestorsOf) always asks the tree and refreshes the
// entry. The clock is the test's, so nothing here waits.

#include <memory>

#include "common/auth/scope_oracle.h"
#include "gtest/gtest.h"

namespace chibo::auth {
namespace {

// A tree of one organisation whose parent the test changes.
class FakeTree : public ScopeOracle {
 public:
  absl::StatusOr<std::vector<int64_t>> OrganizationsOf(absl::string_view,
                                                       absl::Time) override {
    return std::vector<int64_t>{};
  }
  absl::StatusOr<std::optional<int64_t>> OrganizationByCode(
      absl::string_view, absl::Time) override {
    return std::optional<int64_t>();
  }
  absl::StatusOr<std::vector<int64_t>> AncestorsOf(int64_t id,
                                                   absl::Time) override {
    ++asked;
    return std::vector<int64_t>{id, parent};
  }
  int64_t parent = 1;
  int asked = 0;
};

TEST(ScopeCacheTest, ReadsAreAtMostOneSecondStale) {
  EXPECT_LE(kReadStaleness, absl::Seconds(1));
  auto owned = std::make_unique<FakeTree>();
  FakeTree* tree = owned.get();
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  CachedScopeOracle cache(std::move(owned), kReadStaleness, 100,
                          [&now] { return now; });
  const absl::Time deadline = now + absl::Seconds(5);
  EXPECT_EQ(cache.AncestorsOf(7, deadline)->back(), 1);
  tree->parent = 2;  // a move the cache has not heard of
  now += kReadStaleness - absl::Milliseconds(1);
  EXPECT_EQ(cache.AncestorsOf(7, deadline)->back(), 1) << "within the bound";
  now += absl::Milliseconds(1);
  EXPECT_EQ(cache.AncestorsOf(7, deadline)->back(), 2)
      << "a cached ancestry outlived kReadStaleness";
  EXPECT_EQ(tree->asked, 2);
}

TEST(ScopeCacheTest, WritesAlwaysAskTheTreeAndRefreshTheEntry) {
  auto owned = std::make_unique<FakeTree>();
  FakeTree* tree = owned.get();
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  CachedScopeOracle cache(std::move(owned), kReadStaleness, 100,
                          [&now] { return now; });
  const absl::Time deadline = now + absl::Seconds(5);
  EXPECT_EQ(cache.AncestorsOf(7, deadline)->back(), 1);
  tree->parent = 2;
  EXPECT_EQ(cache.FreshAncestorsOf(7, deadline)->back(), 2);
  EXPECT_EQ(cache.AncestorsOf(7, deadline)->back(), 2) << "entry refreshed";
  EXPECT_EQ(tree->asked, 2);
}

TEST(ScopeCacheTest, InvalidateDropsEveryEntry) {
  auto owned = std::make_unique<FakeTree>();
  FakeTree* tree = owned.get();
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  CachedScopeOracle cache(std::move(owned), kReadStaleness, 100,
                          [&now] { return now; });
  const absl::Time deadline = now + absl::Seconds(5);
  (void)cache.AncestorsOf(7, deadline);
  tree->parent = 3;
  cache.Invalidate();
  EXPECT_EQ(cache.AncestorsOf(7, deadline)->back(), 3);
}

}  // namespace
}  // namespace chibo::auth
