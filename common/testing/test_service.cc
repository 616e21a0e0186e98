#include "common/testing/test_service.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/auth/permissions.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace chibo::testing {

absl::StatusOr<std::unique_ptr<TestService>> TestService::Start(
    const ServiceDefinition& definition, TestServiceOptions options) {
  SetMinLogLevel(LogLevel::kWarning);  // keep the access log out of tests
  std::unique_ptr<TestService> service(new TestService());
  service->options_ = std::move(options);
  RETURN_IF_ERROR(service->Build(definition));
  RETURN_IF_ERROR(service->Serve("127.0.0.1:0"));
  return service;
}

absl::Status TestService::Build(const ServiceDefinition& definition) {
  if (definition.migrations == nullptr || !definition.serve) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the definition of ", definition.name, " lacks migrations or serve"));
  }
  // In ServiceRuntime's order: the service's migrations, then the tree
  // view's.
  std::vector<Migration> migrations = *definition.migrations;
  if (definition.tree_view) {
    migrations.insert(migrations.end(), TreeViewMigrations().begin(),
                      TreeViewMigrations().end());
  }
  ASSIGN_OR_RETURN(db_, TestDatabase::Create(migrations));

  if (options_.keys && !definition.peers.empty()) {
    identity_ = std::make_unique<auth::ServiceIdentity>(definition.name,
                                                        *options_.keys);
  }
  for (const std::string& name : definition.peers) {
    auto port = options_.peer_ports.find(name);
    if (port == options_.peer_ports.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(definition.name, " needs peer_ports[\"", name, "\"]"));
    }
    peers_[name] = std::make_unique<PeerClient>(
        name,
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port->second),
                            grpc::InsecureChannelCredentials()),
        identity_.get(), options_.peer_options);
  }
  if (PeerClient* registry = peer("registry")) {
    registry_ = std::make_unique<RegistryClient>(registry);
  }
  if (definition.tree_view) {
    if (registry_ == nullptr) {
      return absl::InvalidArgumentError(
          "tree_view needs \"registry\" in peers (the tree is the registry's)");
    }
    tree_view_ = std::make_unique<TreeView>(&db_->pool(), registry_.get());
  }

  ChangeFeedService::VisibilityCheck visible;
  if (options_.keys) {
    if (options_.production_scope_cache) {
      ScopeCache cache = MakeScopeCache(definition.make_oracle(*this),
                                        definition.tree_changes
                                            ? definition.tree_changes(*this)
                                            : ChangeFollower::Source());
      oracle_ = std::move(cache.oracle);
      tree_follower_ = std::move(cache.follower);
    } else {
      oracle_ = definition.make_oracle(*this);
    }
    auto authorizer = std::make_unique<auth::TokenAuthorizer>(
        *options_.keys, oracle_.get(), options_.certificates);
    const auth::TokenAuthorizer* raw = authorizer.get();
    visible = [raw](const Caller& caller, int64_t organization) {
      return raw->MaySee(caller, organization);
    };
    authorizer_ = std::move(authorizer);
  } else {
    authorizer_ = std::make_unique<InsecureDevAuthorizer>();
  }
  gate_ = std::make_unique<RpcGate>(authorizer_.get());
  feed_ = std::make_unique<ChangeFeedService>(
      &db_->pool(), gate_.get(), std::move(visible), 4, absl::Milliseconds(50));
  served_ = definition.serve(*this);
  return absl::OkStatus();
}

absl::Status TestService::Serve(const std::string& address) {
  ServerOptions options;
  options.listen_address = address;
  options.shutdown_grace = absl::Milliseconds(200);
  options.credentials = options_.credentials;
  // As ServiceRuntime: an RPC without a declared permission stops the start.
  options.check_services = auth::CheckServedServices;
  std::vector<grpc::Service*> services = served_->services;
  services.push_back(feed_.get());
  ASSIGN_OR_RETURN(server_, StartServer(options, services));
  port_ = server_->port();
  if (channel_ == nullptr) {
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                   grpc::InsecureChannelCredentials());
  }
  return absl::OkStatus();
}

void TestService::Stop() { server_.reset(); }

absl::Status TestService::Restart() {
  server_.reset();
  return Serve(absl::StrCat("127.0.0.1:", port_));
}

PeerClient* TestService::peer(absl::string_view name) {
  auto it = peers_.find(name);
  return it == peers_.end() ? nullptr : it->second.get();
}

TestService::~TestService() {
  // Stop serving before the services and what they use go away.
  server_.reset();
  tree_follower_.reset();
}

}  // namespace chibo::testing
