#ifndef CHIBO_TESTS_INTEGRATION_AUTH_AUTH_FIXTURE_H_
#define CHIBO_TESTS_INTEGRATION_AUTH_AUTH_FIXTURE_H_

#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/auth/jwt.h"
#include "common/auth/key_set.h"
#include "common/auth/scope_oracle.h"
#include "common/auth/tls_config.h"
#include "common/auth/token_authorizer.h"
#include "common/change_feed_service.h"
#include "common/server.h"
#include "common/testing/test_db.h"
#include "services/registry/registry_service.h"
#include "services/registry/store.h"

namespace chibo::auth {

// The resources of one province's tree, by collection.
struct Province {
  std::map<std::string, std::string> by_collection;  // "members" -> name
  std::string code;                                  // an external code
  std::set<std::string> organizations;               // every org in it
};

// Every service, served as in production (TokenAuthorizer, real MariaDB)
// on port 0, with two provinces A and B to aim calls at.
class SecuredServers {
 public:
  static absl::StatusOr<std::unique_ptr<SecuredServers>> Start(
      const TlsFiles* tls = nullptr,
      std::map<std::string, CertificateIdentity> certificates = {});
  ~SecuredServers();

  int port() const { return server_->port(); }
  std::string Token(const std::string& role, const std::string& scope,
                    const std::string& subject = "test:user") const;
  const KeySet& keys() const { return keys_; }
  // A token signed by a key the servers do not trust.
  std::string ForgedToken() const;
  testing::TestDatabase& db() { return *db_; }
  const Province& a() const { return a_; }
  const Province& b() const { return b_; }
  // The services this process serves, by full service name.
  const std::set<std::string>& served() const { return served_; }

 private:
  SecuredServers() = default;
  absl::Status BuildProvince(const std::string& tag, Province* out);

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
  std::set<std::string> served_;
  Province a_, b_;
};

}  // namespace chibo::auth

#endif  // CHIBO_TESTS_INTEGRATION_AUTH_AUTH_FIXTURE_H_
