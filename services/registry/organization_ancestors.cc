#include "services/registry/organization_ancestors.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/resource_name.h"
#include "common/status_macros.h"

namespace chibo::registry {
namespace {

// The tree is a handful of levels deep; this only stops a corrupt cycle.
constexpr int kMaxDepth = 64;

// `id`, its parent, ... up to the root, each share-locked and read as
// committed now (locking reads do not use the transaction's snapshot).
absl::StatusOr<std::vector<int64_t>> LockChain(DbConnection& db, int64_t id) {
  sql::PreparedStatement& up = db.Prepare(
      "SELECT parent_id FROM organizations WHERE id = ? LOCK IN SHARE MODE");
  std::vector<int64_t> chain;
  while (id != 0) {
    if (chain.size() >= kMaxDepth) {
      return absl::InternalError(
          absl::StrCat(ResourceName("organizations", chain.front()),
                       " has more than ", kMaxDepth, " ancestors"));
    }
    chain.push_back(id);
    up.setInt64(1, id);
    std::unique_ptr<sql::ResultSet> row(up.executeQuery());
    if (!row->next()) {
      return absl::InternalError(absl::StrCat(ResourceName("organizations", id),
                                              " vanished from the tree"));
    }
    id = row->isNull(1) ? 0 : row->getInt64(1);
  }
  return chain;
}

}  // namespace

absl::Status AddToAncestors(DbConnection& db, int64_t id,
                            const OrgInfo* parent) {
  std::vector<int64_t> chain;
  if (parent != nullptr) {
    // The parent is locked already; the walk starts above it.
    ASSIGN_OR_RETURN(chain, LockChain(db, parent->parent_id));
    chain.insert(chain.begin(), parent->id);
  }
  sql::PreparedStatement& insert = db.Prepare(
      "INSERT INTO organization_ancestors (ancestor_id, descendant_id, depth)"
      " VALUES (?, ?, ?)");
  insert.setInt64(1, id);
  insert.setInt64(2, id);
  insert.setInt(3, 0);
  insert.executeUpdate();
  for (size_t i = 0; i < chain.size(); ++i) {
    insert.setInt64(1, chain[i]);
    insert.setInt64(2, id);
    insert.setInt(3, static_cast<int>(i) + 1);
    insert.executeUpdate();
  }
  return absl::OkStatus();
}

absl::Status MoveInAncestors(DbConnection& db, int64_t id,
                             const OrgInfo& new_parent) {
  ASSIGN_OR_RETURN(std::vector<int64_t> chain,
                   LockChain(db, new_parent.parent_id));
  chain.insert(chain.begin(), new_parent.id);
  // Every row that reaches a member of the subtree from above `id`.
  sql::PreparedStatement& detach = db.Prepare(
      "DELETE a FROM organization_ancestors a"
      " JOIN organization_ancestors s ON a.descendant_id = s.descendant_id"
      " WHERE s.ancestor_id = ? AND a.depth > s.depth");
  detach.setInt64(1, id);
  detach.executeUpdate();
  // One set-based statement per level above the new place.
  sql::PreparedStatement& attach = db.Prepare(
      "INSERT INTO organization_ancestors (ancestor_id, descendant_id, depth)"
      " SELECT ?, descendant_id, depth + ? FROM organization_ancestors"
      " WHERE ancestor_id = ?");
  for (size_t i = 0; i < chain.size(); ++i) {
    attach.setInt64(1, chain[i]);
    attach.setInt(2, static_cast<int>(i) + 1);
    attach.setInt64(3, id);
    attach.executeUpdate();
  }
  return absl::OkStatus();
}

void RemoveFromAncestors(DbConnection& db, int64_t id) {
  sql::PreparedStatement& remove =
      db.Prepare("DELETE FROM organization_ancestors WHERE descendant_id = ?");
  remove.setInt64(1, id);
  remove.executeUpdate();
}

bool TreeIsCurrentOn(DbConnection& db, int64_t organization_id,
                     absl::CivilDay day) {
  sql::PreparedStatement& query = db.Prepare(
      "SELECT EXISTS (SELECT 1 FROM organization_parents p"
      " JOIN organizations o ON o.id = p.organization_id"
      " WHERE p.valid_from > ? AND o.province_id ="
      " (SELECT province_id FROM organizations WHERE id = ?))");
  query.setString(1, FormatDate(day));
  query.setInt64(2, organization_id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  return row->next() && row->getInt(1) == 0;
}

}  // namespace chibo::registry
