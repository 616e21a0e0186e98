#ifndef CHIBO_TESTS_INTEGRATION_AUTH_AUTH_FIXTURE_H_
#define CHIBO_TESTS_INTEGRATION_AUTH_AUTH_FIXTURE_H_

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "common/auth/jwt.h"
#include "common/auth/key_set.h"
#include "common/auth/scope_oracle.h"
#include "common/auth/service_identity.h"
#include "common/auth/tls_config.h"
#include "common/auth/token_authorizer.h"
#include "common/testing/test_db.h"
#include "common/testing/test_service.h"
#include "grpcpp/grpcpp.h"
#include "services/registry/store.h"  // for the store-level tests

namespace chibo::auth {

// The resources of one province's tree, by collection.
struct Province {
  std::map<std::string, std::string> by_collection;  // "members" -> name
  std::string code;                                  // the cell's code
  std::string bloc_code;                             // the bloc's code
  std::string bloc;                                  // the bloc's name
  std::string cell_display_name;
  std::set<std::string> organizations;  // every org in it
};

// A client context carrying `token` as a bearer token, with a deadline.
std::unique_ptr<grpc::ClientContext> As(
    const std::string& token, absl::Duration timeout = absl::Seconds(10));

// Every service, served as in production (TestServices of their
// definitions with TokenAuthorizer, real MariaDB, one schema each) on port
// 0, with two provinces A and B to aim calls at.
// The registry (with its feed) has one server; scheduling another, and
// asks the registry over gRPC with its own service identity, as deployed.
// With `tls`, only the registry's server uses it (the TLS tests call only
// the registry); scheduling then stays plaintext.
class SecuredServers {
 public:
  static absl::StatusOr<std::unique_ptr<SecuredServers>> Start(
      const TlsFiles* tls = nullptr,
      std::map<std::string, CertificateIdentity> certificates = {},
      bool production_scope_cache = false);
  ~SecuredServers();

  // The registry server's port.
  int port() const { return registry_->port(); }
  // The port of the server that serves `service` (a full service name).
  int PortFor(const std::string& service) const;
  std::string Token(const std::string& role, const std::string& scope,
                    const std::string& subject = "test:user") const;
  const KeySet& keys() const { return keys_; }
  // A token signed by a key the servers do not trust.
  std::string ForgedToken() const;
  testing::TestDatabase& db() { return registry_->db(); }
  testing::TestDatabase& scheduling_db() { return scheduling_->db(); }
  const Province& a() const { return a_; }
  const Province& b() const { return b_; }
  // The services this process serves, by full service name.
  const std::set<std::string>& served() const { return served_; }

 private:
  SecuredServers() = default;
  absl::Status BuildProvince(const std::string& tag,
                             registry::v1::RegistryService::Stub& registry,
                             Province* out);
  absl::Status BuildSchedulingResources(Province* out);

  KeySet keys_;
  KeySet forged_keys_;
  std::unique_ptr<testing::TestService> registry_;
  std::unique_ptr<testing::TestService> scheduling_;
  std::set<std::string> served_;
  Province a_, b_;
};

}  // namespace chibo::auth

#endif  // CHIBO_TESTS_INTEGRATION_AUTH_AUTH_FIXTURE_H_
