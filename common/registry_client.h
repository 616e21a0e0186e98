#ifndef CHIBO_COMMON_REGISTRY_CLIENT_H_
#define CHIBO_COMMON_REGISTRY_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "chibo/feed/v1/feed.grpc.pb.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "common/auth/service_identity.h"
#include "common/peer_client.h"
#include "common/rpc.h"

namespace chibo {

// The questions a service asks the registry at write time ("is this a
// cell?", "who are its members on that day?"), typed. A thin wrapper over
// a PeerClient, which does the retries, the circuit breaker, the deadlines
// and the service identity (see common/peer_client.h): UNAVAILABLE
// "registry unavailable: ..." while the registry is down, so writes that
// need it fail fast.
class RegistryClient {
 public:
  using Options = PeerClientOptions;

  // Over the runtime's peer client for the registry (not owned).
  explicit RegistryClient(PeerClient* peer);
  // With its own peer client on `channel`; `identity` may be null
  // (--insecure_dev): calls then carry no token.
  RegistryClient(std::shared_ptr<grpc::Channel> channel,
                 const auth::ServiceIdentity* identity,
                 Options options = Options());

  // The path from the province root down to `organization` on `as_of`.
  absl::StatusOr<registry::v1::OrganizationAncestry> Ancestry(
      const CallContext& call, int64_t organization, absl::CivilDay as_of);

  // The cell `member` (an id) belongs to today; NOT_FOUND when it does not
  // exist or belongs to no cell today.
  absl::StatusOr<int64_t> MemberCell(const CallContext& call, int64_t member);

  // `organization` and every organisation below it today (all pages).
  absl::StatusOr<std::vector<registry::v1::Organization>> Subtree(
      const CallContext& call, int64_t organization);

  // One page of ListOrganizations, as asked.
  absl::StatusOr<registry::v1::ListOrganizationsResponse> ListOrganizations(
      const CallContext& call,
      const registry::v1::ListOrganizationsRequest& request);

  // Every organisation `request` lists (all pages; page_size is ours).
  absl::StatusOr<std::vector<registry::v1::Organization>> AllOrganizations(
      const CallContext& call, registry::v1::ListOrganizationsRequest request);

  // The members of `cell` on `day` with their status then (all pages).
  absl::StatusOr<std::vector<registry::v1::CellMember>> CellMembers(
      const CallContext& call, int64_t cell, absl::CivilDay day);

  // CellMembers, and the cell's ancestry on `ancestry_day` from the same
  // call (ListCellMembers' ancestry_as_of_date): one round trip for a write
  // that needs both.
  struct CellWithMembers {
    registry::v1::OrganizationAncestry ancestry;
    std::vector<registry::v1::CellMember> members;
  };
  absl::StatusOr<CellWithMembers> CellAndMembers(const CallContext& call,
                                                 int64_t cell,
                                                 absl::CivilDay day,
                                                 absl::CivilDay ancestry_day);

  // The registry's change feed after `after` (for caches of the tree).
  absl::StatusOr<feed::v1::ListChangesResponse> ListChanges(
      const CallContext& call, int64_t after, int page_size);

  // A call context for work the service does by itself (cache refreshes):
  // the service's own subject and a deadline `timeout` from now.
  CallContext BackgroundCall(absl::Duration timeout) const {
    return peer_->BackgroundCall(timeout);
  }

  PeerClient& peer() const { return *peer_; }

 private:
  // Every page of `request`; the ancestry from the first.
  absl::StatusOr<CellWithMembers> ListAllCellMembers(
      const CallContext& call, registry::v1::ListCellMembersRequest request);

  std::unique_ptr<PeerClient> owned_;
  PeerClient* peer_;
  std::unique_ptr<registry::v1::RegistryService::Stub> registry_;
  std::unique_ptr<feed::v1::ChangeFeedService::Stub> feed_;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_REGISTRY_CLIENT_H_
