#ifndef CHIBO_TESTS_INTEGRATION_AUTH_AUTH_FIXTURE_H_
#define CHIBO_TESTS_INTEGRATION_AUTH_AUTH_FIXTURE_H_

#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/auth/jwt.h"
#include "common/auth/key_set.h"
#include "common/auth/scope_oracle.h"
#include "common/auth/service_identity.h"
#include "common/auth/tls_config.h"
#include "common/auth/token_authorizer.h"
#include "common/change_feed_service.h"
#include "common/registry_client.h"
#include "common/server.h"
#include "common/testing/test_db.h"
#include "services/registry/registry_service.h"
#include "services/registry/store.h"
#include "services/scheduling/org_directory.h"
#include "services/scheduling/scheduling_service.h"
#include "services/scheduling/store.h"

namespace chibo::auth {

// The resources of one province's tree, by collection.
struct Province {
  std::map<std::string, std::string> by_collection;  // "members" -> name
  std::string code;                                  // an external code
  std::set<std::string> organizations;               // every org in it
};

// Every service, served as in production (TokenAuthorizer, real MariaDB,
// one schema each) on port 0, with two provinces A and B to aim calls at.
// The registry (with its feed) has one server; scheduling another, and
// asks the registry over gRPC with its own service identity, as deployed.
// With `tls`, only the registry's server uses it (the TLS tests call only
// the registry); scheduling then stays plaintext.
class SecuredServers {
 public:
  static absl::StatusOr<std::unique_ptr<SecuredServers>> Start(
      const TlsFiles* tls = nullptr,
      std::map<std::string, CertificateIdentity> certificates = {});
  ~SecuredServers();

  // The registry server's port.
  int port() const { return server_->port(); }
  // The port of the server that serves `service` (a full service name).
  int PortFor(const std::string& service) const;
  std::string Token(const std::string& role, const std::string& scope,
                    const std::string& subject = "test:user") const;
  const KeySet& keys() const { return keys_; }
  // A token signed by a key the servers do not trust.
  std::string ForgedToken() const;
  testing::TestDatabase& db() { return *db_; }
  testing::TestDatabase& scheduling_db() { return *scheduling_db_; }
  const Province& a() const { return a_; }
  const Province& b() const { return b_; }
  // The services this process serves, by full service name.
  const std::set<std::string>& served() const { return served_; }

 private:
  SecuredServers() = default;
  absl::Status BuildProvince(const std::string& tag, Province* out);
  absl::Status StartScheduling();
  absl::Status BuildSchedulingResources(Province* out);

  std::unique_ptr<testing::TestDatabase> db_;
  KeySet keys_;
  KeySet forged_keys_;
  std::unique_ptr<ScopeOracle> oracle_;
  std::unique_ptr<TokenAuthorizer> authorizer_;
  std::unique_ptr<RpcGate> gate_;
  std::unique_ptr<registry::RegistryStore> store_;
  std::unique_ptr<registry::RegistryServiceImpl> registry_;
  std::unique_ptr<ChangeFeedService> feed_;
  std::unique_ptr<RunningServer> server_;

  std::unique_ptr<testing::TestDatabase> scheduling_db_;
  std::unique_ptr<ServiceIdentity> identity_;
  std::unique_ptr<RegistryClient> registry_client_;
  std::unique_ptr<ScopeOracle> scheduling_oracle_;
  std::unique_ptr<TokenAuthorizer> scheduling_authorizer_;
  std::unique_ptr<RpcGate> scheduling_gate_;
  std::unique_ptr<scheduling::SchedulingStore> scheduling_store_;
  std::unique_ptr<scheduling::OrgDirectory> directory_;
  std::unique_ptr<scheduling::SchedulingServiceImpl> scheduling_;
  std::unique_ptr<ChangeFeedService> scheduling_feed_;
  std::unique_ptr<RunningServer> scheduling_server_;
  std::set<std::string> served_;
  Province a_, b_;
};

}  // namespace chibo::auth

#endif  // CHIBO_TESTS_INTEGRATION_AUTH_AUTH_FIXTURE_H_
