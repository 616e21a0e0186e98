// Bulk upsert of organisations keyed by the provincial system's codes.

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/idempotency.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "services/registry/organization_writes.h"
#include "services/registry/store.h"
#include "services/registry/store_internal.h"
#include "services/registry/validation.h"
#include "services/registry/write_scope.h"

namespace chibo::registry {
namespace {

// Applies one row; returns what happened or why it failed. A failed row
// writes nothing: every check runs before the first write of that row.
absl::Status UpsertRow(DbConnection& db, const CallContext& call,
                       const v1::OrganizationRow& row,
                       v1::OrganizationRowResult* result) {
  RETURN_IF_ERROR(ValidateOrganizationRow(row));
  int64_t parent_id = 0;
  if (!row.parent_external_code().empty()) {
    parent_id = FindOrganizationByCode(db, row.parent_external_code());
    if (parent_id == 0) {
      return absl::NotFoundError(
          absl::StrCat("parent_external_code: no organization has code \"",
                       row.parent_external_code(), "\""));
    }
  }
  v1::Organization wanted;
  wanted.set_external_code(row.external_code());
  wanted.set_display_name(row.display_name());
  wanted.set_level(row.level());
  wanted.set_category(row.category());
  wanted.set_valid_from(row.valid_from());
  wanted.set_valid_to(row.valid_to());
  if (parent_id != 0) {
    wanted.set_parent(ResourceName("organizations", parent_id));
  }

  const int64_t id = FindOrganizationByCode(db, row.external_code());
  v1::Organization out;
  if (id == 0) {
    RETURN_IF_ERROR(CreateOrganizationTx(db, call, wanted, &out));
    result->set_action(v1::UPSERT_ACTION_CREATED);
    result->set_organization(out.name());
    return absl::OkStatus();
  }
  v1::Organization current;
  RETURN_IF_ERROR(LoadOrganization(db, id, &current));
  result->set_organization(current.name());
  if (current.level() != row.level()) {
    return absl::FailedPreconditionError(
        "level: differs from the stored organization and cannot change");
  }
  google::protobuf::FieldMask mask;
  if (current.display_name() != row.display_name()) {
    mask.add_paths("display_name");
  }
  if (current.category() != row.category()) mask.add_paths("category");
  if (!row.valid_from().empty() && current.valid_from() != row.valid_from()) {
    mask.add_paths("valid_from");
  }
  if (current.valid_to() != row.valid_to()) mask.add_paths("valid_to");
  if (wanted.valid_from().empty()) wanted.set_valid_from(current.valid_from());

  const bool moved = current.parent() != wanted.parent();
  if (moved) {
    if (parent_id == 0) {
      return absl::FailedPreconditionError(
          "parent_external_code: cannot turn an organization into a root");
    }
    RETURN_IF_ERROR(MoveOrganizationTx(db, call, id, parent_id,
                                       TodayInVietnam(), "", &out));
  }
  if (mask.paths_size() > 0) {
    RETURN_IF_ERROR(UpdateOrganizationTx(db, call, id, wanted, mask, &out));
  }
  result->set_action(moved                   ? v1::UPSERT_ACTION_MOVED
                     : mask.paths_size() > 0 ? v1::UPSERT_ACTION_UPDATED
                                             : v1::UPSERT_ACTION_UNCHANGED);
  return absl::OkStatus();
}

}  // namespace

absl::Status RegistryStore::BulkUpsertOrganizations(
    const CallContext& call, const v1::BulkUpsertOrganizationsRequest& request,
    v1::BulkUpsertOrganizationsResponse* out) {
  // One transaction for the batch: a retry after a lost reply finds every
  // row UNCHANGED (or the stored response, with a request_id).
  return ScopedIdempotentWrite(
      *pool_, call, "upserting organizations", request, out,
      [&](DbConnection& db) -> absl::Status {
        out->clear_results();
        for (const v1::OrganizationRow& row : request.rows()) {
          v1::OrganizationRowResult* result = out->add_results();
          result->set_external_code(row.external_code());
          absl::Status status = UpsertRow(db, call, row, result);
          if (!status.ok()) {
            if (status.code() == absl::StatusCode::kUnavailable ||
                status.code() == absl::StatusCode::kAborted ||
                status.code() == absl::StatusCode::kInternal) {
              return status;
            }
            result->set_action(v1::UPSERT_ACTION_FAILED);
            result->set_error(std::string(status.message()));
          }
        }
        return absl::OkStatus();
      });
}

}  // namespace chibo::registry
