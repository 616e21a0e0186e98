#include "common/service_runtime.h"

#include <sys/stat.h>

#include <optional>

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
#include "common/periodic_task.h"
#include "common/server.h"
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
ABSL_FLAG(std::string, registry_address, "",
          "host:port of the registry, for services that ask it (scheduling, "
          "supervision, evaluation).");
ABSL_FLAG(absl::Duration, idempotency_key_retention, absl::Hours(7 * 24),
          "How long a request_id is remembered (a retry within it returns "
          "the first result; after it, the request is written again), e.g. "
          "168h.");
ABSL_FLAG(absl::Duration, idempotency_prune_interval, absl::Minutes(10),
          "How often expired request_ids are deleted (in batches of 500).");
ABSL_FLAG(absl::Duration, feed_lease, absl::Seconds(10),
          "How long a replica holds the right to apply a peer's change feed "
          "without renewing it; another replica takes over after it.");
ABSL_FLAG(std::string, tls_identities_file, "",
          "JSON map from client certificate common name to subject, role "
          "and scope.");

namespace chibo {
namespace {

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
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

  absl::StatusOr<MysqlOptions> mysql = MysqlOptionsFromFlags();
  if (!mysql.ok()) {
    Log(LogLevel::kError, "bad database configuration",
        {{"error", mysql.status().message()}});
    return nullptr;
  }
  runtime->pool_ = std::make_unique<MysqlPool>(*mysql);
  absl::Status ready = WaitForDatabase(
      *runtime->pool_, absl::Seconds(absl::GetFlag(FLAGS_db_wait_seconds)));
  if (!ready.ok()) {
    Log(LogLevel::kError, "database not reachable",
        {{"error", ready.message()}, {"db_host", mysql->host}});
    return nullptr;
  }
  if (absl::GetFlag(FLAGS_migrate) || absl::GetFlag(FLAGS_migrate_only)) {
    std::vector<Migration> all = CommonMigrations();
    all.insert(all.end(), service.migrations->begin(),
               service.migrations->end());
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
  if (service.uses_registry && !InitRegistryClient(service, keys)) {
    return false;
  }

  std::function<bool(const Caller&, int64_t)> visible;
  if (keys) {
    auto identities = auth::LoadCertificateIdentities(
        absl::GetFlag(FLAGS_tls_identities_file));
    if (!identities.ok()) {
      Log(LogLevel::kError, "bad --tls_identities_file",
          {{"error", identities.status().message()}});
      return false;
    }
    oracle_ = std::make_unique<auth::CachedScopeOracle>(
        service.make_oracle(*this), absl::Seconds(60));
    if (service.tree_changes) {
      auth::CachedScopeOracle* oracle = oracle_.get();
      tree_follower_ = std::make_unique<ChangeFollower>(
          service.tree_changes(*this),
          [oracle](const chibo::feed::v1::Change& change) {
            if (ChangesTheTree(change)) oracle->Invalidate();
          },
          absl::Seconds(1), [oracle] { oracle->Invalidate(); });
    }
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

bool ServiceRuntime::InitRegistryClient(
    const ServiceDefinition& service, const std::optional<auth::KeySet>& keys) {
  const std::string address = absl::GetFlag(FLAGS_registry_address);
  if (address.empty()) {
    Log(LogLevel::kError,
        absl::StrCat("chibo-", service.name,
                     " needs --registry_address (host:port of the registry)"));
    return false;
  }
  if (keys) {
    identity_ = std::make_unique<auth::ServiceIdentity>(service.name, *keys);
  }
  // Plaintext between pods; the bearer token carries the identity. The
  // channel connects lazily, so the registry may start after us.
  registry_ = std::make_unique<RegistryClient>(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()),
      identity_.get());
  Log(LogLevel::kInfo, "registry client", {{"address", address}});
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
          Log(LogLevel::kInfo, "pruned idempotency keys",
              {{"deleted", *pruned}});
        }
        return false;
      },
      absl::GetFlag(FLAGS_idempotency_prune_interval));
  if (service.uses_registry && registry_ != nullptr) {
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

ServiceRuntime::~ServiceRuntime() = default;

int ServiceRuntime::Run(const std::vector<grpc::Service*>& services) {
  std::vector<grpc::Service*> all = services;
  all.push_back(feed_.get());
  ServerOptions options = ServerOptionsFromFlags();
  options.credentials = credentials_;
  // Deny by default: an RPC without a declared permission stops the start.
  options.check_services = auth::CheckServedServices;
  absl::Status status = RunServerUntilSignal(options, all);
  if (!status.ok()) {
    Log(LogLevel::kError, "server failed", {{"error", status.message()}});
    return 1;
  }
  return 0;
}

}  // namespace chibo
