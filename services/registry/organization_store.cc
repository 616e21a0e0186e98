// Organisations: create, read, list, update, delete, move, history.

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/etag.h"
#include "common/idempotency.h"
#include "common/outbox.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "common/text_fold.h"
#include "services/registry/organization_ancestors.h"
#include "services/registry/organization_labels.h"
#include "services/registry/organization_writes.h"
#include "services/registry/store.h"
#include "services/registry/store_internal.h"
#include "services/registry/write_scope.h"

namespace chibo::registry {

absl::Status RegistryStore::GetOrganization(const CallContext& call, int64_t id,
                                            v1::Organization* out) {
  return WithConnection(
      *pool_, call.deadline, "reading an organization", TxMode::kRead,
      [&](DbConnection& db) { return LoadOrganization(db, id, out); });
}

namespace {

int64_t OrganizationId(const v1::Organization& org) {
  absl::StatusOr<int64_t> id =
      ParseResourceId(org.name(), "organizations", "name");
  return id.ok() ? *id : 0;
}

// The filters every ListOrganizations statement ends with, in this order:
// the day (twice), the level set (twice), the query (three times).
#define CHIBO_ORG_LIST_FILTERS                   \
  " AND o.valid_from <= ? AND o.valid_to >= ?"   \
  " AND (? = '' OR FIND_IN_SET(o.level, ?) > 0)" \
  " AND (? = '' OR o.name_folded LIKE ? OR o.external_code = ?)"

int BindListFilters(sql::PreparedStatement& query, int i,
                    const OrganizationFilter& filter, const std::string& day) {
  query.setString(i++, day);
  query.setString(i++, day);
  query.setString(i++, filter.level_set);
  query.setString(i++, filter.level_set);
  query.setString(i++, filter.folded_query);
  query.setString(i++, absl::StrCat("%", filter.folded_query, "%"));
  query.setString(i++, filter.exact_query);
  return i;
}

// A page of a subtree from the closure table: one range read of
// (ancestor_id, descendant_id) from the page token on, whatever page it is
// and whatever else the table holds.
sql::PreparedStatement& SubtreePage(DbConnection& db,
                                    const OrganizationFilter& filter,
                                    const std::string& day) {
  sql::PreparedStatement& query =
      db.Prepare("SELECT " CHIBO_ORG_COLUMNS
                 " FROM organization_ancestors a"
                 " JOIN organizations o ON o.id = a.descendant_id"
                 " WHERE a.ancestor_id = ? AND a.descendant_id > ?"
                 " AND (? = 0 OR o.parent_id = ?)" CHIBO_ORG_LIST_FILTERS
                 " ORDER BY a.descendant_id LIMIT ?");
  int i = 1;
  query.setInt64(i++, filter.ancestor_id);
  query.setInt64(i++, filter.after_id);
  query.setInt64(i++, filter.parent_id);
  query.setInt64(i++, filter.parent_id);
  i = BindListFilters(query, i, filter, day);
  query.setInt(i, filter.limit + 1);
  return query;
}

// A page of the children of `parent_id` from the parent index.
sql::PreparedStatement& ChildrenPage(DbConnection& db,
                                     const OrganizationFilter& filter,
                                     const std::string& day) {
  sql::PreparedStatement& query =
      db.Prepare("SELECT " CHIBO_ORG_COLUMNS
                 " FROM organizations o"
                 " WHERE o.parent_id = ? AND o.id > ?" CHIBO_ORG_LIST_FILTERS
                 " ORDER BY o.id LIMIT ?");
  int i = 1;
  query.setInt64(i++, filter.parent_id);
  query.setInt64(i++, filter.after_id);
  i = BindListFilters(query, i, filter, day);
  query.setInt(i, filter.limit + 1);
  return query;
}

// Any other listing, and a tree that had another shape on `day`: the
// subtree is a recursive walk down the placement history as it stood on
// that day. Each optional filter is "(? = <off> OR condition)".
sql::PreparedStatement& HistoryPage(DbConnection& db,
                                    const OrganizationFilter& filter,
                                    const std::string& day) {
  sql::PreparedStatement& query = db.Prepare(
      "WITH RECURSIVE subtree (id) AS ("
      " SELECT id FROM organizations WHERE id = ?"
      " UNION ALL"
      " SELECT p.organization_id FROM organization_parents p"
      " JOIN subtree s ON p.parent_id = s.id"
      " WHERE p.valid_from <= ? AND p.valid_to >= ?)"
      " SELECT " CHIBO_ORG_COLUMNS
      " FROM organizations o"
      " WHERE o.id > ?" CHIBO_ORG_LIST_FILTERS
      " AND (? = 0 OR o.id IN (SELECT organization_id FROM"
      " organization_parents WHERE parent_id = ? AND valid_from <= ?"
      " AND valid_to >= ?))"
      " AND (? = 0 OR o.id IN (SELECT id FROM subtree))"
      " ORDER BY o.id LIMIT ?");
  int i = 1;
  query.setInt64(i++, filter.ancestor_id);
  query.setString(i++, day);
  query.setString(i++, day);
  query.setInt64(i++, filter.after_id);
  i = BindListFilters(query, i, filter, day);
  query.setInt64(i++, filter.parent_id);
  query.setInt64(i++, filter.parent_id);
  query.setString(i++, day);
  query.setString(i++, day);
  query.setInt64(i++, filter.ancestor_id);
  query.setInt(i, filter.limit + 1);
  return query;
}

#undef CHIBO_ORG_LIST_FILTERS

// A past-dated page shows each organisation as it was on `day`: its parent
// then (placement history), and no etag, since a past view is no version
// that can be updated. Display name and code are those in force that day
// (LabelsOn). One range read for the page, and one for the labels.
void PastView(DbConnection& db, const std::string& day,
              v1::ListOrganizationsResponse* out) {
  if (out->organizations_size() == 0) return;
  const int64_t first = OrganizationId(out->organizations(0));
  const int64_t last = OrganizationId(*out->organizations().rbegin());
  sql::PreparedStatement& query = db.Prepare(
      "SELECT organization_id, parent_id FROM organization_parents"
      " WHERE organization_id BETWEEN ? AND ? AND valid_from <= ?"
      " AND valid_to >= ?");
  query.setInt64(1, first);
  query.setInt64(2, last);
  query.setString(3, day);
  query.setString(4, day);
  std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
  std::map<int64_t, int64_t> parents;
  while (rows->next()) parents[rows->getInt64(1)] = rows->getInt64(2);
  for (v1::Organization& org : *out->mutable_organizations()) {
    auto parent = parents.find(OrganizationId(org));
    if (parent == parents.end()) {
      org.clear_parent();
    } else {
      org.set_parent(ResourceName("organizations", parent->second));
    }
    org.clear_etag();
  }
  LabelsOn(db, day, out);
}

}  // namespace

absl::Status RegistryStore::ListOrganizations(
    const CallContext& call, const OrganizationFilter& filter,
    v1::ListOrganizationsResponse* out, bool* more) {
  return WithConnection(
      *pool_, call.deadline, "listing organizations", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        const std::string day = FormatDate(filter.as_of);
        // The closure table holds the tree as it stands now. It answers for
        // today and later while no placement in the province starts after
        // `as_of`; past dates keep the placement history (the check would
        // read every placement since then).
        const int64_t root =
            filter.ancestor_id != 0 ? filter.ancestor_id : filter.parent_id;
        const bool current = root != 0 && filter.as_of >= TodayInVietnam() &&
                             TreeIsCurrentOn(db, root, filter.as_of);
        sql::PreparedStatement& query = !current ? HistoryPage(db, filter, day)
                                        : filter.ancestor_id != 0
                                            ? SubtreePage(db, filter, day)
                                            : ChildrenPage(db, filter, day);
        std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
        *more = false;
        while (rows->next()) {
          if (out->organizations_size() == filter.limit) {
            *more = true;
            break;
          }
          ReadOrganization(*rows, out->add_organizations());
        }
        rows.reset();
        if (filter.as_of < TodayInVietnam()) PastView(db, day, out);
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::CreateOrganization(
    const CallContext& call, const v1::CreateOrganizationRequest& request,
    v1::Organization* out) {
  return ScopedIdempotentWrite(*pool_, call, "creating an organization",
                               request, out, [&](DbConnection& db) {
                                 return CreateOrganizationTx(
                                     db, call, request.organization(), out);
                               });
}

absl::Status RegistryStore::UpdateOrganization(
    const CallContext& call, const v1::UpdateOrganizationRequest& request,
    int64_t id, v1::Organization* out) {
  return ScopedWrite(
      *pool_, call, "updating an organization", [&](DbConnection& db) {
        return UpdateOrganizationTx(db, call, id, request.organization(),
                                    request.update_mask(), out);
      });
}

absl::Status RegistryStore::DeleteOrganization(const CallContext& call,
                                               int64_t id,
                                               const std::string& etag) {
  return ScopedWrite(
      *pool_, call, "deleting an organization",
      [&](DbConnection& db) -> absl::Status {
        std::optional<OrgInfo> info = LockOrganization(db, id);
        const std::string name = ResourceName("organizations", id);
        if (!info) return OrganizationNotFound(id);
        RETURN_IF_ERROR(CheckEtag(etag, info->version, name));
        // Anything that ever pointed at it keeps it: history is not erased.
        sql::PreparedStatement& refs = db.Prepare(
            "SELECT"
            " (SELECT COUNT(*) FROM organization_parents WHERE parent_id = ?),"
            " (SELECT COUNT(*) FROM memberships WHERE organization_id = ?),"
            " (SELECT COUNT(*) FROM positions WHERE organization_id = ?),"
            " (SELECT COUNT(*) FROM cadres WHERE committee_id = ?)");
        for (int i = 1; i <= 4; ++i) refs.setInt64(i, id);
        std::unique_ptr<sql::ResultSet> row(refs.executeQuery());
        row->next();
        if (row->getInt64(1) > 0) {
          return absl::FailedPreconditionError(absl::StrCat(
              name,
              " has child organizations (now or in its history); move "
              "or delete them first, or set valid_to to dissolve it"));
        }
        if (row->getInt64(2) > 0) {
          return absl::FailedPreconditionError(absl::StrCat(
              name,
              " has members (now or in its history); transfer them, "
              "or set valid_to to dissolve it"));
        }
        if (row->getInt64(3) > 0 || row->getInt64(4) > 0) {
          return absl::FailedPreconditionError(absl::StrCat(
              name, " has positions or cadres; delete those first"));
        }
        sql::PreparedStatement& del =
            db.Prepare("DELETE FROM organizations WHERE id = ?");
        del.setInt64(1, id);
        del.executeUpdate();
        RemoveFromAncestors(db, id);
        AppendChange(db, call, {name, "deleted", id, nullptr});
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::MoveOrganization(
    const CallContext& call, const v1::MoveOrganizationRequest& request,
    int64_t id, int64_t new_parent_id, absl::CivilDay effective,
    v1::Organization* out) {
  return ScopedIdempotentWrite(*pool_, call, "moving an organization", request,
                               out, [&](DbConnection& db) {
                                 return MoveOrganizationTx(
                                     db, call, id, new_parent_id, effective,
                                     request.etag(), out);
                               });
}

absl::Status ReadAncestry(DbConnection& db, int64_t id,
                          const v1::Organization& self, absl::CivilDay as_of,
                          absl::string_view field,
                          v1::OrganizationAncestry* out) {
  const std::string day = FormatDate(as_of);
  if (day < self.valid_from() ||
      (!self.valid_to().empty() && day > self.valid_to())) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": ", self.name(), " did not exist on ", day,
        " (it exists from ", self.valid_from(),
        self.valid_to().empty() ? "" : " to ", self.valid_to(), ")"));
  }
  sql::PreparedStatement& query = db.Prepare(
      "WITH RECURSIVE up (id, depth) AS ("
      " SELECT ?, 0"
      " UNION ALL"
      " SELECT p.parent_id, up.depth + 1 FROM organization_parents p"
      " JOIN up ON p.organization_id = up.id"
      " WHERE p.valid_from <= ? AND p.valid_to >= ? AND up.depth < 64)"
      " SELECT " CHIBO_ORG_COLUMNS
      " FROM up JOIN organizations o ON o.id = up.id"
      " ORDER BY up.depth DESC");
  query.setInt64(1, id);
  query.setString(2, day);
  query.setString(3, day);
  std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
  out->set_name(self.name());
  out->set_as_of_date(day);
  while (rows->next()) ReadOrganization(*rows, out->add_path());
  return absl::OkStatus();
}

absl::Status RegistryStore::GetAncestry(const CallContext& call, int64_t id,
                                        absl::CivilDay as_of,
                                        v1::OrganizationAncestry* out) {
  return WithConnection(
      *pool_, call.deadline, "reading an organization's ancestry",
      TxMode::kRead, [&](DbConnection& db) -> absl::Status {
        v1::Organization self;
        RETURN_IF_ERROR(LoadOrganization(db, id, &self));
        return ReadAncestry(db, id, self, as_of, "as_of_date", out);
      });
}

absl::Status RegistryStore::ListParentHistory(
    const CallContext& call, int64_t id, v1::ListParentHistoryResponse* out) {
  return WithConnection(
      *pool_, call.deadline, "reading an organization's history", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        v1::Organization self;
        RETURN_IF_ERROR(LoadOrganization(db, id, &self));
        sql::PreparedStatement& query = db.Prepare(
            "SELECT p.parent_id, o.display_name, p.valid_from, p.valid_to"
            " FROM organization_parents p"
            " JOIN organizations o ON o.id = p.parent_id"
            " WHERE p.organization_id = ? ORDER BY p.valid_from");
        query.setInt64(1, id);
        std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
        while (rows->next()) {
          v1::ParentPeriod* period = out->add_periods();
          period->set_parent(ResourceName("organizations", rows->getInt64(1)));
          period->set_parent_display_name(rows->getString(2));
          period->set_valid_from(rows->getString(3));
          period->set_valid_to(DateOut(rows->getString(4)));
        }
        return absl::OkStatus();
      });
}

}  // namespace chibo::registry
