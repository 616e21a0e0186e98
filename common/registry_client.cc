#include "common/registry_client.h"

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/resource_name.h"
#include "common/status_macros.h"

namespace chibo {
namespace {

constexpr int kPageSize = 1000;

using registry::v1::RegistryService;

}  // namespace

RegistryClient::RegistryClient(PeerClient* peer)
    : peer_(peer),
      registry_(RegistryService::NewStub(peer->channel())),
      feed_(feed::v1::ChangeFeedService::NewStub(peer->channel())) {}

RegistryClient::RegistryClient(std::shared_ptr<grpc::Channel> channel,
                               const auth::ServiceIdentity* identity,
                               Options options)
    : owned_(std::make_unique<PeerClient>("registry", std::move(channel),
                                          identity, options)),
      peer_(owned_.get()),
      registry_(RegistryService::NewStub(peer_->channel())),
      feed_(feed::v1::ChangeFeedService::NewStub(peer_->channel())) {}

absl::StatusOr<registry::v1::OrganizationAncestry> RegistryClient::Ancestry(
    const CallContext& call, int64_t organization, absl::CivilDay as_of) {
  registry::v1::GetOrganizationAncestryRequest request;
  request.set_name(ResourceName("organizations", organization));
  request.set_as_of_date(FormatDate(as_of));
  registry::v1::OrganizationAncestry response;
  RETURN_IF_ERROR(peer_->Call(call, registry_.get(),
                              &RegistryService::Stub::GetOrganizationAncestry,
                              request, &response));
  return response;
}

absl::StatusOr<int64_t> RegistryClient::MemberCell(const CallContext& call,
                                                   int64_t member) {
  registry::v1::GetMemberRequest request;
  request.set_name(ResourceName("members", member));
  registry::v1::Member response;
  RETURN_IF_ERROR(peer_->Call(call, registry_.get(),
                              &RegistryService::Stub::GetMember, request,
                              &response));
  absl::StatusOr<int64_t> cell =
      ParseResourceId(response.cell(), "organizations", "cell");
  if (!cell.ok()) {
    return absl::NotFoundError(
        absl::StrCat(request.name(), " belongs to no cell today"));
  }
  return *cell;
}

absl::StatusOr<std::vector<registry::v1::Organization>> RegistryClient::Subtree(
    const CallContext& call, int64_t organization) {
  registry::v1::ListOrganizationsRequest request;
  request.set_ancestor(ResourceName("organizations", organization));
  return AllOrganizations(call, std::move(request));
}

absl::StatusOr<registry::v1::ListOrganizationsResponse>
RegistryClient::ListOrganizations(
    const CallContext& call,
    const registry::v1::ListOrganizationsRequest& request) {
  registry::v1::ListOrganizationsResponse page;
  RETURN_IF_ERROR(peer_->Call(call, registry_.get(),
                              &RegistryService::Stub::ListOrganizations,
                              request, &page));
  return page;
}

absl::StatusOr<std::vector<registry::v1::Organization>>
RegistryClient::AllOrganizations(
    const CallContext& call, registry::v1::ListOrganizationsRequest request) {
  std::vector<registry::v1::Organization> all;
  request.set_page_size(kPageSize);
  request.clear_page_token();
  do {
    ASSIGN_OR_RETURN(registry::v1::ListOrganizationsResponse page,
                     ListOrganizations(call, request));
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
  registry::v1::ListCellMembersRequest request;
  request.set_cell(ResourceName("organizations", cell));
  request.set_as_of_date(FormatDate(day));
  ASSIGN_OR_RETURN(CellWithMembers answer, ListAllCellMembers(call, request));
  return std::move(answer.members);
}

absl::StatusOr<RegistryClient::CellWithMembers> RegistryClient::CellAndMembers(
    const CallContext& call, int64_t cell, absl::CivilDay day,
    absl::CivilDay ancestry_day) {
  registry::v1::ListCellMembersRequest request;
  request.set_cell(ResourceName("organizations", cell));
  request.set_as_of_date(FormatDate(day));
  request.set_ancestry_as_of_date(FormatDate(ancestry_day));
  return ListAllCellMembers(call, request);
}

absl::StatusOr<RegistryClient::CellWithMembers>
RegistryClient::ListAllCellMembers(
    const CallContext& call, registry::v1::ListCellMembersRequest request) {
  CellWithMembers all;
  request.set_page_size(kPageSize);
  bool first = true;
  do {
    registry::v1::ListCellMembersResponse page;
    RETURN_IF_ERROR(peer_->Call(call, registry_.get(),
                                &RegistryService::Stub::ListCellMembers,
                                request, &page));
    if (first) all.ancestry = std::move(*page.mutable_ancestry());
    first = false;
    for (auto& member : *page.mutable_members()) {
      all.members.push_back(std::move(member));
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
  RETURN_IF_ERROR(peer_->Call(call, feed_.get(),
                              &feed::v1::ChangeFeedService::Stub::ListChanges,
                              request, &response));
  return response;
}

}  // namespace chibo
