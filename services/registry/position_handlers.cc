#include <optional>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/paging.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "common/text_fold.h"
#include "services/registry/registry_service.h"
#include "services/registry/validation.h"

namespace chibo::registry {
namespace {

absl::StatusOr<std::optional<absl::CivilDay>> OptionalDay(
    const std::string& text, absl::string_view field) {
  if (text.empty()) return std::optional<absl::CivilDay>();
  ASSIGN_OR_RETURN(absl::CivilDay day, ParseDate(text, field));
  return std::optional<absl::CivilDay>(day);
}

absl::Status ValidateNewPosition(const v1::Position& p) {
  RETURN_IF_ERROR(ParseResourceId(p.organization(), "organizations",
                                  "position.organization")
                      .status());
  RETURN_IF_ERROR(
      ParseResourceId(p.member(), "members", "position.member").status());
  if (p.role() == v1::POSITION_ROLE_UNSPECIFIED ||
      !v1::PositionRole_IsValid(p.role())) {
    return absl::InvalidArgumentError("position.role: is required");
  }
  RETURN_IF_ERROR(ParseDate(p.term_start(), "position.term_start").status());
  RETURN_IF_ERROR(ValidateOptionalDate(p.term_end(), "position.term_end"));
  return ValidatePeriod(p.term_start(), p.term_end(), "position.term_end");
}

absl::Status ValidateNewCadre(const v1::Cadre& c) {
  RETURN_IF_ERROR(
      ParseResourceId(c.committee(), "organizations", "cadre.committee")
          .status());
  RETURN_IF_ERROR(
      ParseResourceId(c.member(), "members", "cadre.member").status());
  if (c.title().size() > 250 || !IsCleanUtf8(c.title())) {
    return absl::InvalidArgumentError("cadre.title: at most 250 characters");
  }
  RETURN_IF_ERROR(ParseDate(c.valid_from(), "cadre.valid_from").status());
  RETURN_IF_ERROR(ValidateOptionalDate(c.valid_to(), "cadre.valid_to"));
  return ValidatePeriod(c.valid_from(), c.valid_to(), "cadre.valid_to");
}

}  // namespace

grpc::Status RegistryServiceImpl::CreatePosition(
    grpc::ServerContext* context, const v1::CreatePositionRequest* request,
    v1::Position* response) {
  return gate_->Serve(
      context, Method("CreatePosition"), *request,
      [&](const CallContext& call) -> absl::Status {
        RETURN_IF_ERROR(ValidateNewPosition(request->position()));
        return store_->CreatePosition(call, *request, response);
      });
}

grpc::Status RegistryServiceImpl::ListPositions(
    grpc::ServerContext* context, const v1::ListPositionsRequest* request,
    v1::ListPositionsResponse* response) {
  return gate_->Serve(
      context, Method("ListPositions"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t org_id,
                         ParseResourceId(request->organization(),
                                         "organizations", "organization"));
        ASSIGN_OR_RETURN(const std::optional<absl::CivilDay> as_of,
                         OptionalDay(request->as_of_date(), "as_of_date"));
        ASSIGN_OR_RETURN(const int limit,
                         NormalizePageSize(request->page_size()));
        const PageTokens page(call.method, "positions", *request);
        ASSIGN_OR_RETURN(PageCursor cursor, page.Decode(request->page_token()));
        bool more = false;
        RETURN_IF_ERROR(store_->ListPositions(
            call, org_id, as_of, cursor.after_id, limit, response, &more));
        if (more) {
          response->set_next_page_token(
              page.After(response->positions().rbegin()->name()));
        }
        return absl::OkStatus();
      });
}

grpc::Status RegistryServiceImpl::UpdatePosition(
    grpc::ServerContext* context, const v1::UpdatePositionRequest* request,
    v1::Position* response) {
  return gate_->Serve(
      context, Method("UpdatePosition"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t id,
                         ParseResourceId(request->position().name(),
                                         "positions", "position.name"));
        RETURN_IF_ERROR(ValidateUpdateMask(request->update_mask(),
                                           {"term_start", "term_end"}));
        RETURN_IF_ERROR(ValidateOptionalDate(request->position().term_start(),
                                             "position.term_start"));
        RETURN_IF_ERROR(ValidateOptionalDate(request->position().term_end(),
                                             "position.term_end"));
        return store_->UpdatePosition(call, *request, id, response);
      });
}

grpc::Status RegistryServiceImpl::DeletePosition(
    grpc::ServerContext* context, const v1::DeletePositionRequest* request,
    google::protobuf::Empty*) {
  return gate_->Serve(
      context, Method("DeletePosition"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t id,
                         ParseResourceId(request->name(), "positions", "name"));
        return store_->DeletePosition(call, id, request->etag());
      });
}

grpc::Status RegistryServiceImpl::CreateCadre(
    grpc::ServerContext* context, const v1::CreateCadreRequest* request,
    v1::Cadre* response) {
  return gate_->Serve(context, Method("CreateCadre"), *request,
                      [&](const CallContext& call) -> absl::Status {
                        RETURN_IF_ERROR(ValidateNewCadre(request->cadre()));
                        return store_->CreateCadre(call, *request, response);
                      });
}

grpc::Status RegistryServiceImpl::ListCadres(
    grpc::ServerContext* context, const v1::ListCadresRequest* request,
    v1::ListCadresResponse* response) {
  return gate_->Serve(
      context, Method("ListCadres"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t committee_id,
                         ParseResourceId(request->committee(), "organizations",
                                         "committee"));
        ASSIGN_OR_RETURN(const std::optional<absl::CivilDay> as_of,
                         OptionalDay(request->as_of_date(), "as_of_date"));
        ASSIGN_OR_RETURN(const int limit,
                         NormalizePageSize(request->page_size()));
        const PageTokens page(call.method, "cadres", *request);
        ASSIGN_OR_RETURN(PageCursor cursor, page.Decode(request->page_token()));
        bool more = false;
        RETURN_IF_ERROR(store_->ListCadres(call, committee_id, as_of,
                                           cursor.after_id, limit, response,
                                           &more));
        if (more) {
          response->set_next_page_token(
              page.After(response->cadres().rbegin()->name()));
        }
        return absl::OkStatus();
      });
}

grpc::Status RegistryServiceImpl::DeleteCadre(
    grpc::ServerContext* context, const v1::DeleteCadreRequest* request,
    google::protobuf::Empty*) {
  return gate_->Serve(context, Method("DeleteCadre"), *request,
                      [&](const CallContext& call) -> absl::Status {
                        ASSIGN_OR_RETURN(
                            const int64_t id,
                            ParseResourceId(request->name(), "cadres", "name"));
                        return store_->DeleteCadre(call, id, request->etag());
                      });
}

}  // namespace chibo::registry
