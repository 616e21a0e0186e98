#ifndef CHIBO_COMMON_SERVICE_DEFINITION_H_
#define CHIBO_COMMON_SERVICE_DEFINITION_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/auth/scope_oracle.h"
#include "common/change_follower.h"
#include "common/migrations.h"
#include "grpcpp/grpcpp.h"

namespace chibo {

class MysqlPool;
class PeerClient;
class RegistryClient;
class RpcGate;
class TreeView;

// What a service definition's factories are given: the pool, the gate and
// the peers, built from the flags by ServiceRuntime (common/
// service_runtime.h) in production, and from explicit options by
// testing::TestService (common/testing/test_service.h) in tests.
class ServiceEnvironment {
 public:
  virtual ~ServiceEnvironment() = default;

  virtual MysqlPool& pool() = 0;
  virtual const RpcGate& gate() const = 0;
  // The client of a peer the definition lists, else null.
  virtual PeerClient* peer(absl::string_view name) = 0;
  // Null unless the definition lists the "registry" peer.
  virtual RegistryClient* registry() = 0;
  // Null unless the definition has tree_view.
  virtual TreeView* tree_view() = 0;
};

// A service's own gRPC services and whatever they use (its store, ...);
// the environment adds the change feed. A definition's `serve` returns a
// subclass that owns the objects `services` points to.
struct ServedServices {
  virtual ~ServedServices() = default;
  // On SIGTERM, once the drain ends: a service with long streams of its own
  // ends them here (the change feed's are ended by the runtime), or they
  // hold the stop until --shutdown_grace_seconds cancels them.
  virtual void EndStreams() {}
  std::vector<grpc::Service*> services;
};

// What distinguishes one service from another: everything main.cc and the
// test fixtures need to build and serve it.
struct ServiceDefinition {
  std::string name;  // "registry"
  const std::vector<Migration>* migrations = nullptr;
  // The chibo services it calls, from KnownPeers() (common/peer_flags.h):
  // {"registry"}. Each gets --<peer>_address (required) and the TLS flags
  // --<peer>_tls_{ca_file,cert_file,key_file,server_name}; peer(name) is
  // then set, and registry() when "registry" is listed.
  std::vector<std::string> peers;
  // The organisation-tree view for scope checks outside the registry
  // (common/tree_view.h): tree_view() is then set and known_organizations
  // migrated. Needs "registry" in peers.
  bool tree_view = false;
  // Answers scope checks about the organisation tree.
  std::function<std::unique_ptr<auth::ScopeOracle>(ServiceEnvironment&)>
      make_oracle;
  // Where tree changes appear (to invalidate cached ancestors).
  std::function<ChangeFollower::Source(ServiceEnvironment&)> tree_changes;
  // Builds the service's store(s) and gRPC service(s) over the environment.
  std::function<std::unique_ptr<ServedServices>(ServiceEnvironment&)> serve;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_SERVICE_DEFINITION_H_
