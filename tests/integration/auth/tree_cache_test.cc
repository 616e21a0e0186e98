// Scope checks cache each organisation's ancestors; a move in the registry's
// change feed invalidates the cache, so a moved subtree leaves the old
// scope within about a second, not after the cache's ttl.

#include "absl/time/clock.h"
#include "common/auth/scope_oracle.h"
#include "common/change_follower.h"
#include "gtest/gtest.h"
#include "services/registry/registry_scope_oracle.h"
#include "tests/integration/auth/auth_fixture.h"

namespace chibo::auth {
namespace {

bool Contains(const std::vector<int64_t>& ids, int64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

TEST(TreeCacheTest, MovesInvalidateCachedAncestors) {
  auto servers = SecuredServers::Start();
  ASSERT_TRUE(servers.ok()) << servers.status();
  MysqlPool& pool = (*servers)->db().pool();
  CachedScopeOracle oracle(
      std::make_unique<registry::RegistryScopeOracle>(&pool), absl::Hours(1));
  ChangeFollower follower(
      registry::LocalTreeChanges(pool),
      [&oracle](const feed::v1::Change& change) {
        if (change.action() == "moved") oracle.Invalidate();
      },
      absl::Milliseconds(100), [&oracle] { oracle.Invalidate(); });

  // Province A's cell sits under A's bloc; its ancestors are cached.
  const CallContext call = testing::TestCall();
  registry::RegistryStore store(&pool);
  const std::string cell_name =
      (*servers)->a().by_collection.at("organizations");
  registry::v1::Organization cell;
  const int64_t cell_id = std::stoll(cell_name.substr(14));
  ASSERT_TRUE(store.GetOrganization(call, cell_id, &cell).ok());
  const int64_t old_parent = std::stoll(cell.parent().substr(14));
  const int64_t province = std::stoll(cell.province().substr(14));
  auto before = oracle.AncestorsOf(cell_id, absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(Contains(*before, old_parent));

  // The merger moves the cell straight under the province.
  registry::v1::MoveOrganizationRequest move;
  registry::v1::Organization moved;
  ASSERT_TRUE(store
                  .MoveOrganization(call, move, cell_id, province,
                                    absl::CivilDay(2025, 7, 1), &moved)
                  .ok());
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  bool refreshed = false;
  while (absl::Now() < give_up && !refreshed) {
    auto now = oracle.AncestorsOf(cell_id, absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(now.ok());
    refreshed = !Contains(*now, old_parent);
    if (!refreshed) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(refreshed) << "the cached ancestors never saw the move";
}

}  // namespace
}  // namespace chibo::auth
