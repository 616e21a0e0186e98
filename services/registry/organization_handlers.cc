#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/dates.h"
#include "common/paging.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "common/text_fold.h"
#include "services/registry/registry_service.h"
#include "services/registry/tree_rules.h"
#include "services/registry/validation.h"

namespace chibo::registry {
namespace {

constexpr int kMaxBulkRows = 1000;

absl::StatusOr<std::string> LevelSet(const v1::ListOrganizationsRequest& r) {
  std::vector<int> levels;
  for (int level : r.levels()) {
    if (level == v1::ORGANIZATION_LEVEL_UNSPECIFIED ||
        !v1::OrganizationLevel_IsValid(level)) {
      return absl::InvalidArgumentError("levels: unknown level");
    }
    if (!r.cells_only() || IsCell(static_cast<v1::OrganizationLevel>(level))) {
      levels.push_back(level);
    }
  }
  if (r.cells_only() && r.levels().empty()) {
    levels = {v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
              v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL};
  }
  if (r.cells_only() && levels.empty()) {
    return absl::InvalidArgumentError(
        "levels: no cell level is left once cells_only applies");
  }
  return absl::StrJoin(levels, ",");
}

absl::Status CheckQuery(absl::string_view query) {
  if (query.size() > 200 || !IsCleanUtf8(query)) {
    return absl::InvalidArgumentError(
        "query: at most 200 characters of UTF-8 text");
  }
  return absl::OkStatus();
}

}  // namespace

std::string RegistryServiceImpl::Method(absl::string_view rpc) {
  return absl::StrCat(v1::RegistryService::service_full_name(), "/", rpc);
}

grpc::Status RegistryServiceImpl::GetOrganization(
    grpc::ServerContext* context, const v1::GetOrganizationRequest* request,
    v1::Organization* response) {
  return gate_->Serve(
      context, Method("GetOrganization"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(
            const int64_t id,
            ParseResourceId(request->name(), "organizations", "name"));
        return store_->GetOrganization(call, id, response);
      });
}

// The history rule: a scoped caller sees a past-dated listing only when its
// scope held the organisation it names (the ancestor, else the parent) on
// that day, as well as today (the authoriser checked today). So the office
// that took a subtree over does not read the subtree's past under its
// former owner, and the former owner reads it only up to the move.
absl::Status RegistryServiceImpl::CheckPastView(
    const CallContext& call, const OrganizationFilter& filter) {
  const int64_t named =
      filter.ancestor_id != 0 ? filter.ancestor_id : filter.parent_id;
  if (call.caller.scope == "*" || named == 0 ||
      filter.as_of >= TodayInVietnam()) {
    return absl::OkStatus();
  }
  const absl::Status refused = absl::PermissionDeniedError(absl::StrCat(
      filter.ancestor_id != 0 ? "ancestor" : "parent", ": the caller's scope ",
      call.caller.scope, " did not include the organization on ",
      FormatDate(filter.as_of)));
  v1::OrganizationAncestry ancestry;
  absl::Status found =
      store_->GetAncestry(call, named, filter.as_of, &ancestry);
  if (found.code() == absl::StatusCode::kNotFound ||
      found.code() == absl::StatusCode::kFailedPrecondition ||
      found.code() == absl::StatusCode::kInvalidArgument) {
    return refused;
  }
  RETURN_IF_ERROR(found);
  for (const v1::Organization& org : ancestry.path()) {
    if (org.name() == call.caller.scope) return absl::OkStatus();
  }
  return refused;
}

grpc::Status RegistryServiceImpl::ListOrganizations(
    grpc::ServerContext* context, const v1::ListOrganizationsRequest* request,
    v1::ListOrganizationsResponse* response) {
  return gate_->Serve(
      context, Method("ListOrganizations"), *request,
      [&](const CallContext& call) -> absl::Status {
        OrganizationFilter filter;
        ASSIGN_OR_RETURN(filter.parent_id,
                         ParseOptionalResourceId(request->parent(),
                                                 "organizations", "parent"));
        ASSIGN_OR_RETURN(filter.ancestor_id,
                         ParseOptionalResourceId(request->ancestor(),
                                                 "organizations", "ancestor"));
        ASSIGN_OR_RETURN(filter.level_set, LevelSet(*request));
        RETURN_IF_ERROR(CheckQuery(request->query()));
        filter.folded_query = FoldForSearch(request->query());
        filter.exact_query = request->query();
        ASSIGN_OR_RETURN(
            filter.as_of,
            ParseDateOr(request->as_of_date(), "as_of_date", TodayInVietnam()));
        ASSIGN_OR_RETURN(filter.limit, NormalizePageSize(request->page_size()));
        RETURN_IF_ERROR(CheckPastView(call, filter));
        // as_of_date defaults to today: a token ends with its day.
        const PageTokens page(call.method, "organizations", *request,
                              FormatDate(filter.as_of));
        ASSIGN_OR_RETURN(PageCursor cursor, page.Decode(request->page_token()));
        filter.after_id = cursor.after_id;
        bool more = false;
        RETURN_IF_ERROR(
            store_->ListOrganizations(call, filter, response, &more));
        if (more) {
          response->set_next_page_token(
              page.After(response->organizations().rbegin()->name()));
        }
        return absl::OkStatus();
      });
}

grpc::Status RegistryServiceImpl::CreateOrganization(
    grpc::ServerContext* context, const v1::CreateOrganizationRequest* request,
    v1::Organization* response) {
  return gate_->Serve(
      context, Method("CreateOrganization"), *request,
      [&](const CallContext& call) -> absl::Status {
        if (!request->has_organization()) {
          return absl::InvalidArgumentError("organization: is required");
        }
        RETURN_IF_ERROR(ValidateNewOrganization(request->organization()));
        return store_->CreateOrganization(call, *request, response);
      });
}

grpc::Status RegistryServiceImpl::UpdateOrganization(
    grpc::ServerContext* context, const v1::UpdateOrganizationRequest* request,
    v1::Organization* response) {
  return gate_->Serve(
      context, Method("UpdateOrganization"), *request,
      [&](const CallContext& call) -> absl::Status {
        const v1::Organization& org = request->organization();
        ASSIGN_OR_RETURN(
            const int64_t id,
            ParseResourceId(org.name(), "organizations", "organization.name"));
        for (const std::string& path : request->update_mask().paths()) {
          if (path == "parent") {
            return absl::InvalidArgumentError(
                "update_mask: the parent changes through MoveOrganization, "
                "which keeps the placement history");
          }
        }
        RETURN_IF_ERROR(ValidateUpdateMask(
            request->update_mask(), {"display_name", "external_code",
                                     "category", "valid_from", "valid_to"}));
        for (const std::string& path : request->update_mask().paths()) {
          if (path == "display_name") {
            RETURN_IF_ERROR(ValidateDisplayName(
                org.display_name(), "organization.display_name", 500));
          } else if (path == "external_code") {
            RETURN_IF_ERROR(ValidateExternalCode(org.external_code(),
                                                 "organization.external_code"));
          } else if (path == "valid_from") {
            RETURN_IF_ERROR(
                ParseDate(org.valid_from(), "organization.valid_from")
                    .status());
          } else if (path == "valid_to") {
            RETURN_IF_ERROR(
                ValidateOptionalDate(org.valid_to(), "organization.valid_to"));
          }
        }
        return store_->UpdateOrganization(call, *request, id, response);
      });
}

grpc::Status RegistryServiceImpl::DeleteOrganization(
    grpc::ServerContext* context, const v1::DeleteOrganizationRequest* request,
    google::protobuf::Empty*) {
  return gate_->Serve(
      context, Method("DeleteOrganization"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(
            const int64_t id,
            ParseResourceId(request->name(), "organizations", "name"));
        return store_->DeleteOrganization(call, id, request->etag());
      });
}

grpc::Status RegistryServiceImpl::MoveOrganization(
    grpc::ServerContext* context, const v1::MoveOrganizationRequest* request,
    v1::Organization* response) {
  return gate_->Serve(
      context, Method("MoveOrganization"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(
            const int64_t id,
            ParseResourceId(request->name(), "organizations", "name"));
        ASSIGN_OR_RETURN(const int64_t parent_id,
                         ParseResourceId(request->new_parent(), "organizations",
                                         "new_parent"));
        const absl::CivilDay today = TodayInVietnam();
        ASSIGN_OR_RETURN(
            const absl::CivilDay effective,
            ParseDateOr(request->effective_date(), "effective_date", today));
        if (effective > today) {
          // The tree's present shape is stored, so a move is recorded when
          // it takes effect, not before.
          return absl::InvalidArgumentError(
              "effective_date: must not be in the future");
        }
        return store_->MoveOrganization(call, *request, id, parent_id,
                                        effective, response);
      });
}

grpc::Status RegistryServiceImpl::GetOrganizationAncestry(
    grpc::ServerContext* context,
    const v1::GetOrganizationAncestryRequest* request,
    v1::OrganizationAncestry* response) {
  return gate_->Serve(
      context, Method("GetOrganizationAncestry"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(
            const int64_t id,
            ParseResourceId(request->name(), "organizations", "name"));
        ASSIGN_OR_RETURN(
            const absl::CivilDay as_of,
            ParseDateOr(request->as_of_date(), "as_of_date", TodayInVietnam()));
        return store_->GetAncestry(call, id, as_of, response);
      });
}

grpc::Status RegistryServiceImpl::ListParentHistory(
    grpc::ServerContext* context, const v1::ListParentHistoryRequest* request,
    v1::ListParentHistoryResponse* response) {
  return gate_->Serve(
      context, Method("ListParentHistory"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(
            const int64_t id,
            ParseResourceId(request->name(), "organizations", "name"));
        return store_->ListParentHistory(call, id, response);
      });
}

grpc::Status RegistryServiceImpl::BulkUpsertOrganizations(
    grpc::ServerContext* context,
    const v1::BulkUpsertOrganizationsRequest* request,
    v1::BulkUpsertOrganizationsResponse* response) {
  return gate_->Serve(
      context, Method("BulkUpsertOrganizations"), *request,
      [&](const CallContext& call) -> absl::Status {
        if (request->rows_size() == 0) {
          return absl::InvalidArgumentError("rows: at least one row");
        }
        if (request->rows_size() > kMaxBulkRows) {
          return absl::InvalidArgumentError(
              absl::StrCat("rows: at most ", kMaxBulkRows, " per call"));
        }
        return store_->BulkUpsertOrganizations(call, *request, response);
      });
}

}  // namespace chibo::registry
