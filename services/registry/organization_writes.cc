#include "services/registry/organization_writes.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/etag.h"
#include "common/outbox.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "common/text_fold.h"
#include "services/registry/dated_history.h"
#include "services/registry/organization_ancestors.h"
#include "services/registry/organization_labels.h"
#include "services/registry/store_internal.h"
#include "services/registry/tree_rules.h"

namespace chibo::registry {
namespace {

absl::Status CheckCodeFree(DbConnection& db, const std::string& code,
                           int64_t self_id, absl::string_view field) {
  if (code.empty()) return absl::OkStatus();
  const int64_t holder = FindOrganizationByCode(db, code);
  if (holder != 0 && holder != self_id) {
    return absl::AlreadyExistsError(
        absl::StrCat(field, ": \"", code, "\" is already used by ",
                     ResourceName("organizations", holder)));
  }
  return absl::OkStatus();
}

// Is `candidate` inside the current subtree of `root`?
bool IsInSubtree(DbConnection& db, int64_t root, int64_t candidate) {
  sql::PreparedStatement& query = db.Prepare(
      "WITH RECURSIVE up (id, depth) AS ("
      " SELECT ?, 0"
      " UNION ALL"
      " SELECT o.parent_id, up.depth + 1 FROM organizations o"
      " JOIN up ON o.id = up.id WHERE o.parent_id IS NOT NULL"
      " AND up.depth < 64)"
      " SELECT COUNT(*) FROM up WHERE id = ?");
  query.setInt64(1, candidate);
  query.setInt64(2, root);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  row->next();
  return row->getInt64(1) > 0;
}

}  // namespace

int64_t FindOrganizationByCode(DbConnection& db, const std::string& code) {
  sql::PreparedStatement& query =
      db.Prepare("SELECT id FROM organizations WHERE external_code = ?");
  query.setString(1, code);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  return row->next() ? row->getInt64(1) : 0;
}

absl::Status CreateOrganizationTx(DbConnection& db, const CallContext& call,
                                  const v1::Organization& organization,
                                  v1::Organization* out) {
  const absl::CivilDay today = TodayInVietnam();
  ASSIGN_OR_RETURN(
      const absl::CivilDay valid_from,
      ParseDateOr(organization.valid_from(), "organization.valid_from", today));
  ASSIGN_OR_RETURN(
      const absl::CivilDay valid_to,
      ParseDateOr(organization.valid_to(), "organization.valid_to", kOpenEnd));
  ASSIGN_OR_RETURN(
      const int64_t parent_id,
      ParseOptionalResourceId(organization.parent(), "organizations",
                              "organization.parent"));
  int64_t province_id = 0;
  std::optional<OrgInfo> parent;
  if (parent_id != 0) {
    parent = LockOrganization(db, parent_id);
    if (!parent) return OrganizationNotFound(parent_id, "organization.parent");
    RETURN_IF_ERROR(CheckPlacement(organization.level(), parent->level,
                                   organization.parent()));
    if (parent->valid_to < valid_from || parent->valid_from > valid_from) {
      return absl::FailedPreconditionError(
          absl::StrCat("organization.parent: ", organization.parent(),
                       " does not exist on ", FormatDate(valid_from)));
    }
    province_id = parent->province_id;
  } else {
    RETURN_IF_ERROR(CheckPlacement(organization.level(),
                                   v1::ORGANIZATION_LEVEL_UNSPECIFIED, ""));
  }
  RETURN_IF_ERROR(CheckCodeFree(db, organization.external_code(), 0,
                                "organization.external_code"));

  sql::PreparedStatement& insert = db.Prepare(
      "INSERT INTO organizations (external_code, display_name, name_folded,"
      " level, category, parent_id, province_id, valid_from, valid_to,"
      " version, create_time, update_time)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, UTC_TIMESTAMP(6),"
      " UTC_TIMESTAMP(6))");
  SetNullableString(insert, 1, organization.external_code());
  insert.setString(2, organization.display_name());
  insert.setString(3, FoldForSearch(organization.display_name()));
  insert.setInt(4, organization.level());
  insert.setInt(5, organization.category());
  if (parent_id != 0) {
    insert.setInt64(6, parent_id);
    insert.setInt64(7, province_id);
  } else {
    insert.setNull(6, 0);
    insert.setNull(7, 0);
  }
  insert.setString(8, FormatDate(valid_from));
  insert.setString(9, FormatDate(valid_to));
  insert.executeUpdate();
  const int64_t id = LastInsertId(db);

  if (parent_id == 0) {
    // A province is the root and the shard key of its own tree.
    sql::PreparedStatement& root =
        db.Prepare("UPDATE organizations SET province_id = ? WHERE id = ?");
    root.setInt64(1, id);
    root.setInt64(2, id);
    root.executeUpdate();
  } else {
    sql::PreparedStatement& place = db.Prepare(kPlacements.open);
    place.setInt64(1, id);
    place.setString(2, FormatDate(valid_from));
    place.setInt64(3, parent_id);
    place.executeUpdate();
  }
  OpenLabels(db, id, valid_from, organization.display_name(),
             organization.external_code());
  RETURN_IF_ERROR(AddToAncestors(db, id, parent ? &*parent : nullptr));
  RETURN_IF_ERROR(LoadOrganization(db, id, out));
  AppendChange(db, call, {out->name(), "created", id, out});
  return absl::OkStatus();
}

absl::Status UpdateOrganizationTx(DbConnection& db, const CallContext& call,
                                  int64_t id, const v1::Organization& fields,
                                  const google::protobuf::FieldMask& mask,
                                  v1::Organization* out) {
  std::optional<OrgInfo> info = LockOrganization(db, id);
  if (!info) return OrganizationNotFound(id);
  v1::Organization current;
  RETURN_IF_ERROR(LoadOrganization(db, id, &current));
  RETURN_IF_ERROR(CheckEtag(fields.etag(), info->version, current.name()));

  v1::Organization next = current;
  for (const std::string& path : mask.paths()) {
    if (path == "display_name") {
      next.set_display_name(fields.display_name());
    } else if (path == "external_code") {
      next.set_external_code(fields.external_code());
    } else if (path == "category") {
      next.set_category(fields.category());
    } else if (path == "valid_from") {
      next.set_valid_from(fields.valid_from());
    } else if (path == "valid_to") {
      next.set_valid_to(fields.valid_to());
    }
  }
  RETURN_IF_ERROR(
      CheckCategory(next.level(), next.category(), "organization.category"));
  ASSIGN_OR_RETURN(const absl::CivilDay valid_from,
                   ParseDate(next.valid_from(), "organization.valid_from"));
  ASSIGN_OR_RETURN(
      const absl::CivilDay valid_to,
      ParseDateOr(next.valid_to(), "organization.valid_to", kOpenEnd));
  if (valid_to < valid_from) {
    return absl::InvalidArgumentError(
        "organization.valid_to: must not be before valid_from");
  }
  RETURN_IF_ERROR(CheckCodeFree(db, next.external_code(), id,
                                "organization.external_code"));

  sql::PreparedStatement& update = db.Prepare(
      "UPDATE organizations SET external_code = ?, display_name = ?,"
      " name_folded = ?, category = ?, valid_from = ?, valid_to = ?,"
      " version = version + 1, update_time = UTC_TIMESTAMP(6) WHERE id = ?");
  SetNullableString(update, 1, next.external_code());
  update.setString(2, next.display_name());
  update.setString(3, FoldForSearch(next.display_name()));
  update.setInt(4, next.category());
  update.setString(5, FormatDate(valid_from));
  update.setString(6, FormatDate(valid_to));
  update.setInt64(7, id);
  update.executeUpdate();
  if (next.display_name() != current.display_name() ||
      next.external_code() != current.external_code()) {
    ChangeLabels(db, id, TodayInVietnam(), next.display_name(),
                 next.external_code());
  }
  RETURN_IF_ERROR(LoadOrganization(db, id, out));
  AppendChange(db, call, {out->name(), "updated", id, out});
  return absl::OkStatus();
}

absl::Status MoveOrganizationTx(DbConnection& db, const CallContext& call,
                                int64_t id, int64_t new_parent_id,
                                absl::CivilDay effective,
                                const std::string& etag,
                                v1::Organization* out) {
  const std::string name = ResourceName("organizations", id);
  const std::string parent_name = ResourceName("organizations", new_parent_id);
  std::optional<OrgInfo> info = LockOrganization(db, id);
  if (!info) return OrganizationNotFound(id);
  RETURN_IF_ERROR(CheckEtag(etag, info->version, name));
  if (info->parent_id == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(name, " is a province root and cannot be moved"));
  }
  if (new_parent_id == id) {
    return absl::InvalidArgumentError(
        "new_parent: an organization cannot be its own parent");
  }
  std::optional<OrgInfo> parent = LockOrganization(db, new_parent_id);
  if (!parent) return OrganizationNotFound(new_parent_id, "new_parent");
  RETURN_IF_ERROR(CheckPlacement(info->level, parent->level, parent_name));
  if (parent->province_id != info->province_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "new_parent: ", parent_name,
        " is in another province; organizations move within a province"));
  }
  if (IsInSubtree(db, id, new_parent_id)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "new_parent: ", parent_name, " is inside ", name, "'s own subtree"));
  }
  if (effective < parent->valid_from || effective > parent->valid_to) {
    return absl::FailedPreconditionError(
        absl::StrCat("new_parent: ", parent_name, " does not exist on ",
                     FormatDate(effective)));
  }
  if (new_parent_id == info->parent_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("new_parent: ", name, " is already under ", parent_name));
  }

  std::optional<LatestPeriod> latest = LockLatestPeriod(db, kPlacements, id);
  if (!latest) {
    return absl::InternalError(absl::StrCat(name, " has no placement"));
  }
  RETURN_IF_ERROR(AppendPeriod(db, kPlacements, id, *latest, effective,
                               new_parent_id, "", "effective_date"));
  sql::PreparedStatement& update = db.Prepare(
      "UPDATE organizations SET parent_id = ?, version = version + 1,"
      " update_time = UTC_TIMESTAMP(6) WHERE id = ?");
  update.setInt64(1, new_parent_id);
  update.setInt64(2, id);
  update.executeUpdate();
  RETURN_IF_ERROR(MoveInAncestors(db, id, *parent));
  RETURN_IF_ERROR(LoadOrganization(db, id, out));
  AppendChange(db, call, {name, "moved", id, out});
  return absl::OkStatus();
}

}  // namespace chibo::registry
