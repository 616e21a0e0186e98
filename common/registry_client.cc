#include "common/registry_client.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "common/resource_name.h"
#include "common/status_macros.h"

namespace chibo {
namespace {

constexpr int kPageSize = 1000;

bool Retryable(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE;
}

}  // namespace

RegistryClient::RegistryClient(std::shared_ptr<grpc::Channel> channel,
                               const auth::ServiceIdentity* identity,
                               Options options)
    : registry_(registry::v1::RegistryService::NewStub(channel)),
      feed_(feed::v1::ChangeFeedService::NewStub(channel)),
      identity_(identity),
      options_(options) {}

CallContext RegistryClient::BackgroundCall(absl::Duration timeout) const {
  CallContext call;
  call.caller.subject =
      identity_ != nullptr ? identity_->subject() : "service:unnamed";
  call.caller.role = "service";
  call.caller.scope = "*";
  call.method = "background";
  call.deadline = absl::Now() + timeout;
  return call;
}

template <typename Request, typename Response, typename Method>
absl::Status RegistryClient::Invoke(const CallContext& call,
                                    const Request& request, Response* response,
                                    Method method) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (absl::Now() < circuit_open_until_) {
      return absl::UnavailableError(
          "registry unavailable: it did not answer moments ago; retry soon");
    }
  }
  grpc::Status status;
  // The registry failed us (unreachable, or silent for a whole attempt), as
  // opposed to our caller's deadline running out.
  bool registry_failed = false;
  absl::Duration backoff = options_.backoff;
  for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
    const absl::Time now = absl::Now();
    if (now >= call.deadline) break;
    // Each attempt gets a slice of the caller's deadline, so a hung peer
    // leaves time for a retry and never outlives the caller.
    CallContext attempt_call = call;
    attempt_call.deadline =
        std::min(call.deadline, now + options_.attempt_timeout);
    std::unique_ptr<grpc::ClientContext> context;
    if (identity_ != nullptr) {
      ASSIGN_OR_RETURN(context, identity_->ContextFor(attempt_call));
    } else {
      context = std::make_unique<grpc::ClientContext>();
      context->set_deadline(absl::ToChronoTime(attempt_call.deadline));
    }
    status = method(context.get(), request, response);
    if (status.ok()) return absl::OkStatus();
    registry_failed =
        status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
         attempt_call.deadline < call.deadline);
    if (!Retryable(status)) break;
    if (attempt < options_.attempts && absl::Now() + backoff < call.deadline) {
      absl::SleepFor(backoff);
      backoff *= 2;
    }
  }
  if (registry_failed) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      circuit_open_until_ = absl::Now() + options_.open_circuit_for;
    }
    return absl::UnavailableError(
        absl::StrCat("registry unavailable: ", status.error_message()));
  }
  if (status.ok() ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::DeadlineExceededError(
        "the call's deadline passed while waiting for the registry");
  }
  return FromGrpcStatus(status);
}

absl::StatusOr<registry::v1::OrganizationAncestry> RegistryClient::Ancestry(
    const CallContext& call, int64_t organization, absl::CivilDay as_of) {
  registry::v1::GetOrganizationAncestryRequest request;
  request.set_name(ResourceName("organizations", organization));
  request.set_as_of_date(FormatDate(as_of));
  registry::v1::OrganizationAncestry response;
  RETURN_IF_ERROR(
      Invoke(call, request, &response,
             [this](grpc::ClientContext* c, const auto& req, auto* resp) {
               return registry_->GetOrganizationAncestry(c, req, resp);
             }));
  return response;
}

absl::StatusOr<std::vector<registry::v1::Organization>> RegistryClient::Subtree(
    const CallContext& call, int64_t organization) {
  std::vector<registry::v1::Organization> all;
  registry::v1::ListOrganizationsRequest request;
  request.set_ancestor(ResourceName("organizations", organization));
  request.set_page_size(kPageSize);
  do {
    registry::v1::ListOrganizationsResponse page;
    RETURN_IF_ERROR(
        Invoke(call, request, &page,
               [this](grpc::ClientContext* c, const auto& req, auto* resp) {
                 return registry_->ListOrganizations(c, req, resp);
               }));
    for (auto& org : *page.mutable_organizations()) {
      all.push_back(std::move(org));
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

absl::StatusOr<std::vector<registry::v1::CellMember>>
RegistryClient::CellMembers(const CallContext& call, int64_t cell,
                            absl::CivilDay day) {
  std::vector<registry::v1::CellMember> all;
  registry::v1::ListCellMembersRequest request;
  request.set_cell(ResourceName("organizations", cell));
  request.set_as_of_date(FormatDate(day));
  request.set_page_size(kPageSize);
  do {
    registry::v1::ListCellMembersResponse page;
    RETURN_IF_ERROR(
        Invoke(call, request, &page,
               [this](grpc::ClientContext* c, const auto& req, auto* resp) {
                 return registry_->ListCellMembers(c, req, resp);
               }));
    for (auto& member : *page.mutable_members()) {
      all.push_back(std::move(member));
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

absl::StatusOr<feed::v1::ListChangesResponse> RegistryClient::ListChanges(
    const CallContext& call, int64_t after, int page_size) {
  feed::v1::ListChangesRequest request;
  request.set_after_sequence(after);
  request.set_page_size(page_size);
  feed::v1::ListChangesResponse response;
  RETURN_IF_ERROR(
      Invoke(call, request, &response,
             [this](grpc::ClientContext* c, const auto& req, auto* resp) {
               return feed_->ListChanges(c, req, resp);
             }));
  return response;
}

}  // namespace chibo
