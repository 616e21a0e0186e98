#ifndef CHIBO_COMMON_SERVICE_RUNTIME_H_
#define CHIBO_COMMON_SERVICE_RUNTIME_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/auth/key_set.h"
#include "common/auth/scope_oracle.h"
#include "common/auth/service_identity.h"
#include "common/change_feed_service.h"
#include "common/change_follower.h"
#include "common/feed_consumer.h"
#include "common/metrics.h"
#include "common/migrations.h"
#include "common/mysql_pool.h"
#include "common/peer_client.h"
#include "common/periodic_task.h"
#include "common/registry_client.h"
#include "common/rpc.h"
#include "common/service_definition.h"
#include "common/tree_view.h"
#include "grpcpp/grpcpp.h"

namespace chibo {

// What every service's main() needs, built once from the flags: logging,
// the connection pool, migrations, the authoriser and the change feed.
// main.cc then only calls Main() with its ServiceDefinition.
class ServiceRuntime : public ServiceEnvironment {
 public:
  // Parses flags (with CHIBO_* fallbacks), waits for the database, applies
  // the migrations, loads keys and TLS. Returns nullptr after logging why
  // the service cannot start; with --migrate_only, migrates and returns
  // nullptr with `*exit_code` 0.
  static std::unique_ptr<ServiceRuntime> Init(int argc, char** argv,
                                              const ServiceDefinition& service,
                                              int* exit_code);

  ~ServiceRuntime() override;

  MysqlPool& pool() override { return *pool_; }
  const RpcGate& gate() const override { return *gate_; }
  PeerClient* peer(absl::string_view name) override;
  RegistryClient* registry() override { return registry_.get(); }
  TreeView* tree_view() override { return tree_view_.get(); }

  // Serves `services` plus the change feed until SIGTERM/SIGINT, then
  // drains. Returns the process exit code.
  // `end_streams`, when set, is called with the feed's EndStreams at the
  // end of the drain (ServedServices::EndStreams).
  int Run(const std::vector<grpc::Service*>& services,
          std::function<void()> end_streams = nullptr);

  // A service's whole main(): Init, then the definition's services (see
  // ServiceDefinition::serve) until a termination signal. Returns the
  // process exit code.
  static int Main(int argc, char** argv, const ServiceDefinition& service);

 private:
  ServiceRuntime() = default;
  bool InitSecurity(const ServiceDefinition& service);
  // Idempotency-key pruning, and the durable consumers of peers' feeds.
  void StartBackgroundWork(const ServiceDefinition& service);
  bool InitPeers(const ServiceDefinition& service,
                 const std::optional<auth::KeySet>& keys);
  // /metrics on --metrics_port (none with -1).
  bool StartMetrics();

  MysqlOptions mysql_;
  // Every migration the binary carries, for the readiness check.
  std::vector<std::string> migration_ids_;
  std::unique_ptr<MetricsServer> metrics_;
  std::unique_ptr<MysqlPool> pool_;
  std::unique_ptr<auth::ServiceIdentity> identity_;
  std::map<std::string, std::unique_ptr<PeerClient>, std::less<>> peers_;
  std::unique_ptr<RegistryClient> registry_;
  std::unique_ptr<TreeView> tree_view_;
  std::unique_ptr<auth::CachedScopeOracle> oracle_;
  std::unique_ptr<ChangeFollower> tree_follower_;
  std::unique_ptr<PeriodicTask> key_pruner_;
  std::unique_ptr<FeedConsumer> tree_consumer_;
  std::unique_ptr<Authorizer> authorizer_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
  std::unique_ptr<RpcGate> gate_;
  std::unique_ptr<ChangeFeedService> feed_;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_SERVICE_RUNTIME_H_
