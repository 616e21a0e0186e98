#ifndef CHIBO_COMMON_TESTING_TEST_SERVICE_H_
#define CHIBO_COMMON_TESTING_TEST_SERVICE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/auth/key_set.h"
#include "common/auth/scope_oracle.h"
#include "common/auth/service_identity.h"
#include "common/auth/token_authorizer.h"
#include "common/change_feed_service.h"
#include "common/peer_client.h"
#include "common/registry_client.h"
#include "common/rpc.h"
#include "common/scope_cache.h"
#include "common/server.h"
#include "common/service_definition.h"
#include "common/testing/test_db.h"
#include "common/tree_view.h"
#include "grpcpp/grpcpp.h"

namespace chibo::testing {

struct TestServiceOptions {
  // Token authentication (TokenAuthorizer) with these keys, the
  // definition's scope oracle and, for its peers, the service's own
  // identity. Unset: insecure-dev (every caller a system admin, no token).
  std::optional<auth::KeySet> keys;
  std::map<std::string, auth::CertificateIdentity> certificates;
  // TLS for the server; null: plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // The port of each peer the definition lists, on 127.0.0.1 (plaintext):
  // usually another TestService's port().
  std::map<std::string, int> peer_ports;
  PeerClientOptions peer_options;
  // With keys: the scope cache production runs (common/scope_cache.h:
  // cached ancestors, cleared by a follower of the tree's feed) instead of
  // asking the oracle on every check.
  bool production_scope_cache = false;
};

// A service as main.cc serves it, in process: ServiceRuntime's wiring
// without the process flags. A fresh schema of the test MariaDB with the
// definition's migrations (and the tree view's when declared), the
// authoriser, the peer clients and the tree view, the definition's own
// services plus the change feed, on 127.0.0.1:0 behind the production
// permission check (every served RPC declares its permission).
// Unlike production it starts no background work (idempotency-key pruning,
// peers' feed consumers) and, unless production_scope_cache is set, does
// not cache scope answers, so a test sees a tree change at once.
class TestService : public ServiceEnvironment {
 public:
  static absl::StatusOr<std::unique_ptr<TestService>> Start(
      const ServiceDefinition& definition, TestServiceOptions options = {});
  ~TestService() override;

  int port() const { return port_; }
  // A plaintext channel to the server (not for a TLS server).
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  TestDatabase& db() { return *db_; }

  // Stops the server, and starts it again on the same port: outage tests.
  void Stop();
  absl::Status Restart();

  MysqlPool& pool() override { return db_->pool(); }
  const RpcGate& gate() const override { return *gate_; }
  PeerClient* peer(absl::string_view name) override;
  RegistryClient* registry() override { return registry_.get(); }
  TreeView* tree_view() override { return tree_view_.get(); }

 private:
  TestService() = default;
  absl::Status Build(const ServiceDefinition& definition);
  absl::Status Serve(const std::string& address);

  TestServiceOptions options_;
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<auth::ServiceIdentity> identity_;
  std::map<std::string, std::unique_ptr<PeerClient>, std::less<>> peers_;
  std::unique_ptr<RegistryClient> registry_;
  std::unique_ptr<TreeView> tree_view_;
  std::unique_ptr<auth::ScopeOracle> oracle_;
  std::unique_ptr<ChangeFollower> tree_follower_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<RpcGate> gate_;
  std::unique_ptr<ChangeFeedService> feed_;
  std::unique_ptr<ServedServices> served_;
  std::unique_ptr<RunningServer> server_;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace chibo::testing

#endif  // CHIBO_COMMON_TESTING_TEST_SERVICE_H_
