#ifndef CHIBO_SERVICES_REGISTRY_ORGANIZATION_ANCESTORS_H_
#define CHIBO_SERVICES_REGISTRY_ORGANIZATION_ANCESTORS_H_

// The closure table organization_ancestors (migration 0002): one row per
// (ancestor, descendant, depth) of the tree as it stands now, that is of
// organizations.parent_id. The write paths call these inside their own
// transaction, after they have row-locked the organisation they change
// (and, for a move, its new parent) with LockOrganization.
//
// Locking rule: every write that depends on a chain of ancestors first takes
// a shared lock on each organisation of that chain, walking up
// organizations.parent_id with locking reads. A move holds an exclusive lock
// on the moved organisation, so a create or move anywhere below it waits for
// the move to commit and then sees the new chain (and the reverse). These
// are primary-key record locks: no gap locks on the closure table, so
// concurrent creates under neighbouring parents do not queue on each other.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "common/mysql_pool.h"
#include "services/registry/store_internal.h"

namespace chibo::registry {

// Records a new organisation `id` under `parent` (nullptr: a province
// root), which LockOrganization returned.
absl::Status AddToAncestors(DbConnection& db, int64_t id,
                            const OrgInfo* parent);

// Re-roots the subtree of `id` under `new_parent` (from LockOrganization):
// the rows above `id` for every organisation below it (itself included) are
// replaced.
absl::Status MoveInAncestors(DbConnection& db, int64_t id,
                             const OrgInfo& new_parent);

// Forgets a deleted organisation, which has no children.
void RemoveFromAncestors(DbConnection& db, int64_t id);

// Does the closure table give the tree of `organization_id`'s province as it
// stood on `day`? True when no placement in that province starts after
// `day`: then each organisation's placement on `day` is its latest one,
// which is what organizations.parent_id holds. Reads only the placements
// dated after `day`, so the caller keeps it for `day` >= today.
bool TreeIsCurrentOn(DbConnection& db, int64_t organization_id,
                     absl::CivilDay day);

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_ORGANIZATION_ANCESTORS_H_
