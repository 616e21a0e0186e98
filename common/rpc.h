#ifndef CHIBO_COMMON_RPC_H_
#define CHIBO_COMMON_RPC_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace chibo {

// What admission established for a scoped caller's write: organisation
// `organization`, named by request field `field`, lay under `ancestor` (the
// caller's scope, or what a `within` target names) on the tree as it stood
// at admission. A service that owns the tree (the registry) proves each one
// again inside the write's own transaction, with locking reads, so that a
// move committing in between is either seen or waits for the write.
// When the organisation came from a member the request named
// ("members/7": its cell today), `resource` is that member: a transfer
// committing in between would change the cell, so it is proved too.
struct ScopeProof {
  int64_t organization = 0;
  int64_t ancestor = 0;
  std::string field;
  std::string resource;
};

// A cell's members on a day as admission fetched them from the registry to
// check a dated reference (Reference.as_of). Defined where the registry's
// types are (common/tree_view.h); common/ itself only carries it.
struct AdmittedRoster;

// Who is calling: established by the Authorizer from the bearer token or the
// client certificate.
struct Caller {
  std::string subject;  // "user:lan.nguyen", "service:scheduling"
  std::string role;     // "system_admin", "committee_office", ...
  std::string scope;    // "organizations/12" or "*"
  // For service-to-service calls: the original caller (audit trail).
  std::string on_behalf_of;
  // Writes (ACCESS_WRITE, ACCESS_BULK) of scoped callers only: what their
  // scope check relied on. Empty for reads and unscoped callers.
  std::vector<ScopeProof> write_scope;
  // The rosters admission checked dated references against (only those an
  // oracle fetched from a peer). The handler of the same call decides on
  // the same answer instead of asking the registry again.
  std::vector<std::shared_ptr<const AdmittedRoster>> rosters;
};

// What a handler knows about the call it is serving.
struct CallContext {
  Caller caller;
  std::string method;  // "chibo.registry.v1.RegistryService/GetOrganization"
  std::string request_id;  // from the request's request_id field, if any
  absl::Time deadline;     // the client's deadline, capped by the server's
};

// Decides whether a call may proceed. Implemented once in common/ and shared
// by every service, so that no handler can forget to check.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // The caller, or UNAUTHENTICATED / PERMISSION_DENIED.
  virtual absl::StatusOr<Caller> Admit(
      const grpc::ServerContext& context, absl::string_view method,
      const google::protobuf::Message& request) const = 0;
};

// --insecure_dev only: everyone is a system admin. Logged loudly at start.
class InsecureDevAuthorizer : public Authorizer {
 public:
  absl::StatusOr<Caller> Admit(
      const grpc::ServerContext& context, absl::string_view method,
      const google::protobuf::Message& request) const override;
};

// absl::Status -> grpc::Status; the codes coincide.
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// Every handler runs through Serve: admission, deadline, one access-log line
// (method, code, latency, request id, subject), exceptions caught, status
// converted once.
class RpcGate {
 public:
  explicit RpcGate(const Authorizer* authorizer,
                   absl::Duration max_deadline = absl::Seconds(30));

  grpc::Status Serve(
      grpc::ServerContext* context, absl::string_view method,
      const google::protobuf::Message& request,
      const std::function<absl::Status(const CallContext&)>& body) const;

 private:
  const Authorizer* authorizer_;
  absl::Duration max_deadline_;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_RPC_H_
