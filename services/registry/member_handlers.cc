#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/paging.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "common/text_fold.h"
#include "services/registry/member_rules.h"
#include "services/registry/registry_service.h"
#include "services/registry/validation.h"

namespace chibo::registry {
namespace {

// Rows per BulkUpsertMembers call: one transaction stays short.
constexpr int kMaxMemberRows = 1000;

absl::StatusOr<int64_t> MemberId(const std::string& name,
                                 absl::string_view field) {
  return ParseResourceId(name, "members", field);
}

absl::Status CheckStatusValue(v1::MemberStatus status) {
  if (status == v1::MEMBER_STATUS_UNSPECIFIED ||
      !v1::MemberStatus_IsValid(status)) {
    return absl::InvalidArgumentError("status: is required");
  }
  return absl::OkStatus();
}

absl::Status CheckReason(const std::string& reason) {
  if (reason.size() > 500 || !IsCleanUtf8(reason)) {
    return absl::InvalidArgumentError("reason: at most 500 characters");
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status RegistryServiceImpl::GetMember(grpc::ServerContext* context,
                                            const v1::GetMemberRequest* request,
                                            v1::Member* response) {
  return gate_->Serve(context, Method("GetMember"), *request,
                      [&](const CallContext& call) -> absl::Status {
                        ASSIGN_OR_RETURN(const int64_t id,
                                         MemberId(request->name(), "name"));
                        return store_->GetMember(call, id, response);
                      });
}

grpc::Status RegistryServiceImpl::ListMembers(
    grpc::ServerContext* context, const v1::ListMembersRequest* request,
    v1::ListMembersResponse* response) {
  return gate_->Serve(
      context, Method("ListMembers"), *request,
      [&](const CallContext& call) -> absl::Status {
        MemberFilter filter;
        ASSIGN_OR_RETURN(
            filter.cell_id,
            ParseOptionalResourceId(request->cell(), "organizations", "cell"));
        ASSIGN_OR_RETURN(filter.ancestor_id,
                         ParseOptionalResourceId(request->ancestor(),
                                                 "organizations", "ancestor"));
        if (request->query().size() > 200 || !IsCleanUtf8(request->query())) {
          return absl::InvalidArgumentError(
              "query: at most 200 characters of UTF-8 text");
        }
        filter.folded_query = FoldForSearch(request->query());
        filter.exact_query = request->query();
        filter.today = TodayInVietnam();
        ASSIGN_OR_RETURN(filter.limit, NormalizePageSize(request->page_size()));
        const PageTokens page(call.method, "members", *request);
        ASSIGN_OR_RETURN(PageCursor cursor, page.Decode(request->page_token()));
        filter.after_id = cursor.after_id;
        if (filter.ByCell() && !cursor.inner.empty()) {
          std::string cell;
          if (!absl::WebSafeBase64Unescape(cursor.inner, &cell) ||
              !absl::SimpleAtoi(cell, &filter.after_cell_id)) {
            return absl::InvalidArgumentError("page_token: is not valid");
          }
        }
        RegistryStore::MemberPageEnd end;
        RETURN_IF_ERROR(store_->ListMembers(call, filter, response, &end));
        if (end.more) {
          // A subtree goes cell by cell: its token names the cell too.
          response->set_next_page_token(
              filter.ByCell()
                  ? page.After(end.member, absl::WebSafeBase64Escape(
                                               absl::StrCat(end.cell)))
                  : page.After(end.member));
        }
        return absl::OkStatus();
      });
}

grpc::Status RegistryServiceImpl::CreateMember(
    grpc::ServerContext* context, const v1::CreateMemberRequest* request,
    v1::Member* response) {
  return gate_->Serve(
      context, Method("CreateMember"), *request,
      [&](const CallContext& call) -> absl::Status {
        if (!request->has_member()) {
          return absl::InvalidArgumentError("member: is required");
        }
        RETURN_IF_ERROR(ValidateNewMember(request->member()));
        ASSIGN_OR_RETURN(
            const int64_t cell_id,
            ParseResourceId(request->cell(), "organizations", "cell"));
        RETURN_IF_ERROR(CheckJoiningStatus(request->status()));
        ASSIGN_OR_RETURN(const absl::CivilDay joined,
                         ParseDateOr(request->joined_date(), "joined_date",
                                     TodayInVietnam()));
        return store_->CreateMember(call, *request, cell_id, joined, response);
      });
}

grpc::Status RegistryServiceImpl::BulkUpsertMembers(
    grpc::ServerContext* context, const v1::BulkUpsertMembersRequest* request,
    v1::BulkUpsertMembersResponse* response) {
  return gate_->Serve(
      context, Method("BulkUpsertMembers"), *request,
      [&](const CallContext& call) -> absl::Status {
        if (request->rows_size() > kMaxMemberRows) {
          return absl::InvalidArgumentError(
              absl::StrCat("rows: at most ", kMaxMemberRows, " per call"));
        }
        if (!v1::BulkFailureMode_IsValid(request->failure_mode())) {
          return absl::InvalidArgumentError("failure_mode: unknown value");
        }
        ASSIGN_OR_RETURN(
            const int64_t root_id,
            ParseOptionalResourceId(request->organization(), "organizations",
                                    "organization"));
        // Admission already asked a scoped caller for its subtree; the
        // store checks every row against it.
        if (root_id == 0 && call.caller.scope != "*") {
          return absl::PermissionDeniedError(
              "organization: a scoped caller names the subtree it imports "
              "into");
        }
        return store_->BulkUpsertMembers(call, *request, root_id, response);
      });
}

grpc::Status RegistryServiceImpl::UpdateMember(
    grpc::ServerContext* context, const v1::UpdateMemberRequest* request,
    v1::Member* response) {
  return gate_->Serve(
      context, Method("UpdateMember"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t id,
                         MemberId(request->member().name(), "member.name"));
        RETURN_IF_ERROR(ValidateUpdateMask(
            request->update_mask(), {"display_name", "birth_date", "gender",
                                     "party_card_number", "citizen_id"}));
        RETURN_IF_ERROR(
            ValidateMemberFields(request->member(), request->update_mask()));
        return store_->UpdateMember(call, *request, id, response);
      });
}

grpc::Status RegistryServiceImpl::DeleteMember(
    grpc::ServerContext* context, const v1::DeleteMemberRequest* request,
    google::protobuf::Empty*) {
  return gate_->Serve(context, Method("DeleteMember"), *request,
                      [&](const CallContext& call) -> absl::Status {
                        ASSIGN_OR_RETURN(const int64_t id,
                                         MemberId(request->name(), "name"));
                        return store_->DeleteMember(call, id, request->etag());
                      });
}

grpc::Status RegistryServiceImpl::ChangeMemberStatus(
    grpc::ServerContext* context, const v1::ChangeMemberStatusRequest* request,
    v1::Member* response) {
  return gate_->Serve(context, Method("ChangeMemberStatus"), *request,
                      [&](const CallContext& call) -> absl::Status {
                        ASSIGN_OR_RETURN(const int64_t id,
                                         MemberId(request->member(), "member"));
                        RETURN_IF_ERROR(CheckStatusValue(request->status()));
                        RETURN_IF_ERROR(CheckReason(request->reason()));
                        ASSIGN_OR_RETURN(
                            const absl::CivilDay effective,
                            ParseDateOr(request->effective_date(),
                                        "effective_date", TodayInVietnam()));
                        return store_->ChangeMemberStatus(call, *request, id,
                                                          effective, response);
                      });
}

grpc::Status RegistryServiceImpl::ListMemberStatuses(
    grpc::ServerContext* context, const v1::ListMemberStatusesRequest* request,
    v1::ListMemberStatusesResponse* response) {
  return gate_->Serve(context, Method("ListMemberStatuses"), *request,
                      [&](const CallContext& call) -> absl::Status {
                        ASSIGN_OR_RETURN(const int64_t id,
                                         MemberId(request->member(), "member"));
                        return store_->ListMemberStatuses(call, id, response);
                      });
}

grpc::Status RegistryServiceImpl::TransferMember(
    grpc::ServerContext* context, const v1::TransferMemberRequest* request,
    v1::Member* response) {
  return gate_->Serve(
      context, Method("TransferMember"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t id,
                         MemberId(request->member(), "member"));
        ASSIGN_OR_RETURN(
            const int64_t cell_id,
            ParseResourceId(request->to_cell(), "organizations", "to_cell"));
        ASSIGN_OR_RETURN(const absl::CivilDay effective,
                         ParseDateOr(request->effective_date(),
                                     "effective_date", TodayInVietnam()));
        return store_->TransferMember(call, *request, id, cell_id, effective,
                                      response);
      });
}

grpc::Status RegistryServiceImpl::ListMemberships(
    grpc::ServerContext* context, const v1::ListMembershipsRequest* request,
    v1::ListMembershipsResponse* response) {
  return gate_->Serve(context, Method("ListMemberships"), *request,
                      [&](const CallContext& call) -> absl::Status {
                        ASSIGN_OR_RETURN(const int64_t id,
                                         MemberId(request->member(), "member"));
                        return store_->ListMemberships(call, id, response);
                      });
}

grpc::Status RegistryServiceImpl::ListCellMembers(
    grpc::ServerContext* context, const v1::ListCellMembersRequest* request,
    v1::ListCellMembersResponse* response) {
  return gate_->Serve(
      context, Method("ListCellMembers"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(
            const int64_t cell_id,
            ParseResourceId(request->cell(), "organizations", "cell"));
        ASSIGN_OR_RETURN(
            const absl::CivilDay as_of,
            ParseDateOr(request->as_of_date(), "as_of_date", TodayInVietnam()));
        if (!v1::CellMemberFilter_IsValid(request->filter())) {
          return absl::InvalidArgumentError("filter: unknown value");
        }
        std::optional<absl::CivilDay> ancestry_day;
        if (!request->ancestry_as_of_date().empty()) {
          ASSIGN_OR_RETURN(
              ancestry_day,
              ParseDate(request->ancestry_as_of_date(), "ancestry_as_of_date"));
        }
        ASSIGN_OR_RETURN(const int limit,
                         NormalizePageSize(request->page_size(), 200, 1000));
        // as_of_date defaults to today: a token ends with its day.
        const PageTokens page(call.method, "members", *request,
                              FormatDate(as_of));
        ASSIGN_OR_RETURN(PageCursor cursor, page.Decode(request->page_token()));
        if (cursor.after_id != 0) ancestry_day.reset();  // first page only
        bool more = false;
        RETURN_IF_ERROR(store_->ListCellMembers(
            call, cell_id, as_of, ancestry_day, StatusSetFor(request->filter()),
            cursor.after_id, limit, response, &more));
        if (more) {
          response->set_next_page_token(page.After(
              *MemberId(response->members().rbegin()->member(), "member")));
        }
        return absl::OkStatus();
      });
}

}  // namespace chibo::registry
