#include "common/service_runtime.h"

#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth/key_set.h"
#include "common/auth/permissions.h"
#include "common/auth/tls_config.h"
#include "common/auth/token_authorizer.h"
#include "common/flags.h"
#include "common/idempotency.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/peer_flags.h"
#include "common/periodic_task.h"
#include "common/readiness.h"
#include "common/scope_cache.h"
#include "common/server.h"
#include "common/status_macros.h"
#include "common/tree_view_feed.h"

ABSL_FLAG(std::string, auth_keys_file, "",
          "Token signing keys: a JSON key file, or a directory with one file "
          "per key id (a mounted Kubernetes Secret).");
ABSL_FLAG(bool, insecure_dev, false,
          "Development only: accept every call as a system admin without a "
          "token. Never use in production.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain: serve TLS instead of plaintext.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key for TLS.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA that signs client certificates (mTLS).");
ABSL_FLAG(absl::Duration, idempotency_key_retention, absl::Hours(7 * 24),
          "How long a request_id is remembered (a retry within it returns "
          "the first result; after it, the request is written again), e.g. "
          "168h.");
ABSL_FLAG(absl::Duration, idempotency_prune_interval, absl::Minutes(10),
          "How often expired request_ids are deleted (in batches of 500).");
ABSL_FLAG(absl::Duration, feed_lease, absl::Seconds(10),
          "How long a replica holds the right to apply a peer's change feed "
          "without renewing it; another replica takes over after it.");
ABSL_FLAG(int, metrics_port, 0,
          "HTTP port serving Prometheus metrics on /metrics, apart from "
          "gRPC. 0 (the default, so that services and tests on one host "
          "never clash) picks a free one, logged and written to "
          "--metrics_port_file; set a fixed one for Prometheus; -1 serves "
          "none.");
ABSL_FLAG(std::string, metrics_port_file, "",
          "If set, the bound metrics port is written to this file.");
ABSL_FLAG(absl::Duration, readiness_interval, absl::Seconds(1),
          "How often readiness is checked (database answers, migrations "
          "applied, feeds current).");
ABSL_FLAG(absl::Duration, readiness_timeout, absl::Seconds(1),
          "Timeout of the readiness check's database query (whole seconds, "
          "at least 1s).");
ABSL_FLAG(absl::Duration, readiness_max_feed_lag, absl::ZeroDuration(),
          "A followed feed further behind than this makes the replica not "
          "ready, e.g. 5m; 0 (the default): lag never does.");
ABSL_FLAG(std::string, tls_identities_file, "",
          "JSON map from client certificate common name to subject, role "
          "and scope.");

namespace chibo {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool Lists(const ServiceDefinition& service, absl::string_view peer) {
  return std::find(service.peers.begin(), service.peers.end(), peer) !=
         service.peers.end();
}

// A definition that cannot work is a programming error: refuse to start.
absl::Status CheckDefinition(const ServiceDefinition& service) {
  for (const std::string& peer : service.peers) {
    RETURN_IF_ERROR(PeerConfigFromFlags(peer).status());
  }
  if (service.tree_view && !Lists(service, "registry")) {
    return absl::InvalidArgumentError(
        "tree_view needs \"registry\" in peers (the tree is the registry's)");
  }
  return absl::OkStatus();
}

}  // namespace

std::unique_ptr<ServiceRuntime> ServiceRuntime::Init(
    int argc, char** argv, const ServiceDefinition& service, int* exit_code) {
  *exit_code = 1;
  InitFlags(
      argc, argv,
      absl::StrCat("chibo-", service.name, ": serves chibo.", service.name,
                   ".v1 over gRPC.\nEvery flag can also be set as "
                   "CHIBO_<FLAG IN CAPITALS>.")
          .c_str());
  std::unique_ptr<ServiceRuntime> runtime(new ServiceRuntime());
  absl::Status definition = CheckDefinition(service);
  if (!definition.ok()) {
    Log(LogLevel::kError, "bad service definition",
        {{"error", definition.message()}});
    return nullptr;
  }

  absl::StatusOr<MysqlOptions> mysql = MysqlOptionsFromFlags();
  if (!mysql.ok()) {
    Log(LogLevel::kError, "bad database configuration",
        {{"error", mysql.status().message()}});
    return nullptr;
  }
  mysql->metrics_name = "main";
  runtime->mysql_ = *mysql;
  runtime->pool_ = std::make_unique<MysqlPool>(*mysql);
  absl::Status ready = WaitForDatabase(
      *runtime->pool_, absl::Seconds(absl::GetFlag(FLAGS_db_wait_seconds)));
  if (!ready.ok()) {
    Log(LogLevel::kError, "database not reachable",
        {{"error", ready.message()}, {"db_host", mysql->host}});
    return nullptr;
  }
  std::vector<Migration> all = CommonMigrations();
  all.insert(all.end(), service.migrations->begin(), service.migrations->end());
  // After the service's own: scheduling's 0001 created known_organizations
  // before the tree view moved into common/ (tree_view/0001 is then a
  // no-op), so a service migration cannot rely on the tree view's tables.
  if (service.tree_view) {
    all.insert(all.end(), TreeViewMigrations().begin(),
               TreeViewMigrations().end());
  }
  // Readiness waits for all of them (a Job may apply them later).
  for (const Migration& migration : all) {
    runtime->migration_ids_.push_back(migration.id);
  }
  if (absl::GetFlag(FLAGS_migrate) || absl::GetFlag(FLAGS_migrate_only)) {
    absl::Status migrated = ApplyMigrations(*runtime->pool_, all);
    if (!migrated.ok()) {
      Log(LogLevel::kError, "migration failed",
          {{"error", migrated.message()}});
      return nullptr;
    }
    if (absl::GetFlag(FLAGS_migrate_only)) {
      Log(LogLevel::kInfo, "migrations applied; exiting (--migrate_only)");
      *exit_code = 0;
      return nullptr;
    }
  }
  if (!runtime->InitSecurity(service)) return nullptr;
  *exit_code = 0;
  return runtime;
}

bool ServiceRuntime::InitSecurity(const ServiceDefinition& service) {
  auto credentials = auth::MakeServerCredentials(
      {absl::GetFlag(FLAGS_tls_cert_file), absl::GetFlag(FLAGS_tls_key_file),
       absl::GetFlag(FLAGS_tls_client_ca_file)});
  if (!credentials.ok()) {
    Log(LogLevel::kError, "bad TLS configuration",
        {{"error", credentials.status().message()}});
    return false;
  }
  credentials_ = *credentials;

  const std::string keys_path = absl::GetFlag(FLAGS_auth_keys_file);
  std::optional<auth::KeySet> keys;
  if (!keys_path.empty()) {
    auto loaded = IsDirectory(keys_path)
                      ? auth::LoadKeySetFromDirectory(keys_path)
                      : auth::LoadKeySetFromFile(keys_path);
    if (!loaded.ok()) {
      Log(LogLevel::kError, "cannot load auth keys",
          {{"error", loaded.status().message()}});
      return false;
    }
    keys = *std::move(loaded);
  } else if (!absl::GetFlag(FLAGS_insecure_dev)) {
    Log(LogLevel::kError,
        "no authentication configured: pass --auth_keys_file (or "
        "--insecure_dev for local development only)");
    return false;
  }
  if (!InitPeers(service, keys)) return false;

  std::function<bool(const Caller&, int64_t)> visible;
  if (keys) {
    auto identities = auth::LoadCertificateIdentities(
        absl::GetFlag(FLAGS_tls_identities_file));
    if (!identities.ok()) {
      Log(LogLevel::kError, "bad --tls_identities_file",
          {{"error", identities.status().message()}});
      return false;
    }
    ScopeCache cache =
        MakeScopeCache(service.make_oracle(*this),
                       service.tree_changes ? service.tree_changes(*this)
                                            : ChangeFollower::Source());
    oracle_ = std::move(cache.oracle);
    tree_follower_ = std::move(cache.follower);
    auto authorizer = std::make_unique<auth::TokenAuthorizer>(
        *keys, oracle_.get(), *std::move(identities));
    const auth::TokenAuthorizer* raw = authorizer.get();
    visible = [raw](const Caller& caller, int64_t organization) {
      return raw->MaySee(caller, organization);
    };
    authorizer_ = std::move(authorizer);
    Log(LogLevel::kInfo, "authentication on", {{"keys", keys_path}});
  } else {
    Log(LogLevel::kWarning,
        "INSECURE: --insecure_dev is set; every caller is treated as a "
        "system admin without a token. Never run this in production.");
    authorizer_ = std::make_unique<InsecureDevAuthorizer>();
  }
  StartBackgroundWork(service);
  gate_ = std::make_unique<RpcGate>(authorizer_.get());
  feed_ = std::make_unique<ChangeFeedService>(pool_.get(), gate_.get(),
                                              std::move(visible));
  return true;
}

bool ServiceRuntime::InitPeers(const ServiceDefinition& service,
                               const std::optional<auth::KeySet>& keys) {
  for (const std::string& name : KnownPeers()) {
    auto config = PeerConfigFromFlags(name);
    if (!Lists(service, name) && config.ok() && !config->address.empty()) {
      Log(LogLevel::kWarning,
          absl::StrCat("--", name, "_address ignored: chibo-", service.name,
                       " does not call ", name));
    }
  }
  if (service.peers.empty()) return true;
  if (keys) {
    identity_ = std::make_unique<auth::ServiceIdentity>(service.name, *keys);
  }
  for (const std::string& name : service.peers) {
    const PeerConfig config = *PeerConfigFromFlags(name);  // CheckDefinition
    if (config.address.empty()) {
      Log(LogLevel::kError,
          absl::StrCat("chibo-", service.name, " needs --", name,
                       "_address (host:port of ", name, ")"));
      return false;
    }
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        MakePeerChannel(config);
    if (!channel.ok()) {
      Log(LogLevel::kError, "bad peer configuration",
          {{"peer", name}, {"error", channel.status().message()}});
      return false;
    }
    // The channel connects lazily, so the peer may start after us. Without
    // TLS to the peer the bearer token still carries the identity.
    peers_[name] = std::make_unique<PeerClient>(name, *std::move(channel),
                                                identity_.get());
    Log(LogLevel::kInfo, "peer client",
        {{"peer", name},
         {"address", config.address},
         {"tls", config.tls.ca_file.empty()     ? "off"
                 : config.tls.cert_file.empty() ? "tls"
                                                : "mtls"}});
  }
  if (PeerClient* registry = peer("registry")) {
    registry_ = std::make_unique<RegistryClient>(registry);
  }
  if (service.tree_view) {
    tree_view_ = std::make_unique<TreeView>(pool_.get(), registry_.get());
  }
  return true;
}

void ServiceRuntime::StartBackgroundWork(const ServiceDefinition& service) {
  MysqlPool* pool = pool_.get();
  const absl::Duration retention =
      absl::GetFlag(FLAGS_idempotency_key_retention);
  key_pruner_ = std::make_unique<PeriodicTask>(
      [pool, retention] {
        auto pruned = PruneIdempotencyKeys(*pool, retention, 500,
                                           absl::Now() + absl::Minutes(1));
        if (!pruned.ok()) {
          Log(LogLevel::kWarning, "cannot prune idempotency keys",
              {{"error", pruned.status().message()}});
        } else if (*pruned > 0) {
          RecordIdempotencyKeysPruned(*pruned);
          Log(LogLevel::kInfo, "pruned idempotency keys",
              {{"deleted", *pruned}});
        }
        return false;
      },
      absl::GetFlag(FLAGS_idempotency_prune_interval));
  if (service.tree_view && registry_ != nullptr) {
    // The remembered tree follows the registry's feed durably: one replica
    // applies it, the cursor survives restarts (common/feed_consumer.h).
    RegistryClient* registry = registry_.get();
    FeedConsumer::Options options;
    options.lease = absl::GetFlag(FLAGS_feed_lease);
    tree_consumer_ = std::make_unique<FeedConsumer>(
        pool, "registry",
        [registry](int64_t after, int page_size,
                   feed::v1::ListChangesResponse* out) -> absl::Status {
          auto page = registry->ListChanges(
              registry->BackgroundCall(absl::Seconds(5)), after, page_size);
          if (!page.ok()) return page.status();
          *out = *std::move(page);
          return absl::OkStatus();
        },
        ForgetChangedOrganizations(), options);
    tree_consumer_->Start();
  }
}

PeerClient* ServiceRuntime::peer(absl::string_view name) {
  auto it = peers_.find(name);
  return it == peers_.end() ? nullptr : it->second.get();
}

ServiceRuntime::~ServiceRuntime() = default;

bool ServiceRuntime::StartMetrics() {
  const int port = absl::GetFlag(FLAGS_metrics_port);
  if (port < 0) return true;
  if (port > 65535) {
    Log(LogLevel::kError, "--metrics_port must be within -1..65535");
    return false;
  }
  auto metrics = MetricsServer::Start(absl::StrCat("0.0.0.0:", port));
  if (!metrics.ok()) {
    Log(LogLevel::kError, "cannot serve metrics",
        {{"error", metrics.status().message()}});
    return false;
  }
  metrics_ = *std::move(metrics);
  const std::string port_file = absl::GetFlag(FLAGS_metrics_port_file);
  if (!port_file.empty()) {
    absl::Status written = WritePortFile(port_file, metrics_->port());
    if (!written.ok()) {
      Log(LogLevel::kError, "cannot write --metrics_port_file",
          {{"error", written.message()}});
      return false;
    }
  }
  Log(LogLevel::kInfo, "serving metrics",
      {{"port", static_cast<int64_t>(metrics_->port())}, {"path", "/metrics"}});
  return true;
}

int ServiceRuntime::Run(const std::vector<grpc::Service*>& services,
                        std::function<void()> end_streams) {
  std::vector<grpc::Service*> all = services;
  all.push_back(feed_.get());
  ServerOptions options = ServerOptionsFromFlags();
  options.credentials = credentials_;
  // Deny by default: an RPC without a declared permission stops the start.
  options.check_services = auth::CheckServedServices;
  ChangeFeedService* feed = feed_.get();
  options.end_streams = [feed, end_streams] {
    feed->EndStreams();
    if (end_streams) end_streams();
  };
  if (!StartMetrics()) return 1;
  auto server = StartServer(options, all);
  if (!server.ok()) {
    Log(LogLevel::kError, "server failed",
        {{"error", server.status().message()}});
    return 1;
  }
  RunningServer* running = server->get();
  ReadinessOptions readiness;
  readiness.interval = absl::GetFlag(FLAGS_readiness_interval);
  readiness.timeout = absl::GetFlag(FLAGS_readiness_timeout);
  readiness.max_feed_lag = absl::GetFlag(FLAGS_readiness_max_feed_lag);
  std::vector<const FeedConsumer*> consumers;
  if (tree_consumer_ != nullptr) consumers.push_back(tree_consumer_.get());
  auto checker = std::make_unique<ReadinessChecker>(
      mysql_, migration_ids_, std::move(consumers), readiness,
      [running](bool ready) { running->SetReady(ready); });

  const std::string signal_name = WaitForTerminationSignal();
  Log(LogLevel::kInfo, "stopping",
      {{"signal", signal_name},
       {"drain_ms", absl::ToDoubleMilliseconds(options.drain)},
       {"grace_ms", absl::ToDoubleMilliseconds(options.shutdown_grace)}});
  // The checker stops beside the drain (a check in progress may wait for
  // its database timeout); readiness is NOT_SERVING from now on anyway.
  std::thread stop_checker([&checker] { checker.reset(); });
  running->Shutdown();
  stop_checker.join();
  Log(LogLevel::kInfo, "stopped");
  // Stopping civetweb (the metrics server) takes about a second here,
  // waiting out its poll; the process is exiting, so it is kept
  // (reachable, not leaked) and the OS closes its socket.
  static auto* kept = new std::unique_ptr<MetricsServer>();
  *kept = std::move(metrics_);
  return 0;
}

int ServiceRuntime::Main(int argc, char** argv,
                         const ServiceDefinition& service) {
  int exit_code = 0;
  std::unique_ptr<ServiceRuntime> runtime =
      Init(argc, argv, service, &exit_code);
  if (runtime == nullptr) return exit_code;
  std::unique_ptr<ServedServices> served = service.serve(*runtime);
  ServedServices* raw = served.get();
  return runtime->Run(served->services, [raw] { raw->EndStreams(); });
}

}  // namespace chibo
