#ifndef CHIBO_SERVICES_REGISTRY_REGISTRY_SERVICE_H_
#define CHIBO_SERVICES_REGISTRY_REGISTRY_SERVICE_H_

#include <string>

#include "chibo/registry/v1/registry.grpc.pb.h"
#include "common/rpc.h"
#include "services/registry/store.h"

namespace chibo::registry {

// gRPC handlers: validate the request, call the store, return a status.
// No SQL here. Every handler runs through RpcGate::Serve.
class RegistryServiceImpl final : public v1::RegistryService::Service {
 public:
  RegistryServiceImpl(RegistryStore* store, const RpcGate* gate)
      : store_(store), gate_(gate) {}

  // The full method name of `rpc` for logs, the outbox and permissions.
  static std::string Method(absl::string_view rpc);

  grpc::Status GetOrganization(grpc::ServerContext* context,
                               const v1::GetOrganizationRequest* request,
                               v1::Organization* response) override;
  grpc::Status ListOrganizations(
      grpc::ServerContext* context, const v1::ListOrganizationsRequest* request,
      v1::ListOrganizationsResponse* response) override;
  grpc::Status CreateOrganization(grpc::ServerContext* context,
                                  const v1::CreateOrganizationRequest* request,
                                  v1::Organization* response) override;
  grpc::Status UpdateOrganization(grpc::ServerContext* context,
                                  const v1::UpdateOrganizationRequest* request,
                                  v1::Organization* response) override;
  grpc::Status DeleteOrganization(grpc::ServerContext* context,
                                  const v1::DeleteOrganizationRequest* request,
                                  google::protobuf::Empty* response) override;
  grpc::Status MoveOrganization(grpc::ServerContext* context,
                                const v1::MoveOrganizationRequest* request,
                                v1::Organization* response) override;
  grpc::Status GetOrganizationAncestry(
      grpc::ServerContext* context,
      const v1::GetOrganizationAncestryRequest* request,
      v1::OrganizationAncestry* response) override;
  grpc::Status ListParentHistory(
      grpc::ServerContext* context, const v1::ListParentHistoryRequest* request,
      v1::ListParentHistoryResponse* response) override;
  grpc::Status BulkUpsertMembers(
      grpc::ServerContext* context, const v1::BulkUpsertMembersRequest* request,
      v1::BulkUpsertMembersResponse* response) override;
  grpc::Status BulkUpsertOrganizations(
      grpc::ServerContext* context,
      const v1::BulkUpsertOrganizationsRequest* request,
      v1::BulkUpsertOrganizationsResponse* response) override;

  grpc::Status GetMember(grpc::ServerContext* context,
                         const v1::GetMemberRequest* request,
                         v1::Member* response) override;
  grpc::Status ListMembers(grpc::ServerContext* context,
                           const v1::ListMembersRequest* request,
                           v1::ListMembersResponse* response) override;
  grpc::Status CreateMember(grpc::ServerContext* context,
                            const v1::CreateMemberRequest* request,
                            v1::Member* response) override;
  grpc::Status UpdateMember(grpc::ServerContext* context,
                            const v1::UpdateMemberRequest* request,
                            v1::Member* response) override;
  grpc::Status DeleteMember(grpc::ServerContext* context,
                            const v1::DeleteMemberRequest* request,
                            google::protobuf::Empty* response) override;
  grpc::Status ChangeMemberStatus(grpc::ServerContext* context,
                                  const v1::ChangeMemberStatusRequest* request,
                                  v1::Member* response) override;
  grpc::Status ListMemberStatuses(
      grpc::ServerContext* context,
      const v1::ListMemberStatusesRequest* request,
      v1::ListMemberStatusesResponse* response) override;
  grpc::Status TransferMember(grpc::ServerContext* context,
                              const v1::TransferMemberRequest* request,
                              v1::Member* response) override;
  grpc::Status ListMemberships(grpc::ServerContext* context,
                               const v1::ListMembershipsRequest* request,
                               v1::ListMembershipsResponse* response) override;
  grpc::Status ListCellMembers(grpc::ServerContext* context,
                               const v1::ListCellMembersRequest* request,
                               v1::ListCellMembersResponse* response) override;

  grpc::Status CreatePosition(grpc::ServerContext* context,
                              const v1::CreatePositionRequest* request,
                              v1::Position* response) override;
  grpc::Status ListPositions(grpc::ServerContext* context,
                             const v1::ListPositionsRequest* request,
                             v1::ListPositionsResponse* response) override;
  grpc::Status UpdatePosition(grpc::ServerContext* context,
                              const v1::UpdatePositionRequest* request,
                              v1::Position* response) override;
  grpc::Status DeletePosition(grpc::ServerContext* context,
                              const v1::DeletePositionRequest* request,
                              google::protobuf::Empty* response) override;
  grpc::Status CreateCadre(grpc::ServerContext* context,
                           const v1::CreateCadreRequest* request,
                           v1::Cadre* response) override;
  grpc::Status ListCadres(grpc::ServerContext* context,
                          const v1::ListCadresRequest* request,
                          v1::ListCadresResponse* response) override;
  grpc::Status DeleteCadre(grpc::ServerContext* context,
                           const v1::DeleteCadreRequest* request,
                           google::protobuf::Empty* response) override;

 private:
  // The history rule for past-dated listings (organization_handlers.cc).
  absl::Status CheckPastView(const CallContext& call,
                             const OrganizationFilter& filter);
  RegistryStore* store_;
  const RpcGate* gate_;
};

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_REGISTRY_SERVICE_H_
