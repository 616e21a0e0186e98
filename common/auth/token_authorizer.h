#ifndef CHIBO_COMMON_AUTH_TOKEN_AUTHORIZER_H_
#define CHIBO_COMMON_AUTH_TOKEN_AUTHORIZER_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/auth/key_set.h"
#include "common/auth/permissions.h"
#include "common/auth/scope_oracle.h"
#include "common/rpc.h"

namespace chibo::auth {

// The identity a verified TLS client certificate maps to, by its common
// name: for other IT systems and for chibo services calling each other.
struct CertificateIdentity {
  std::string subject;  // recorded in the audit trail
  std::string role;
  std::string scope;
};

// The authoriser every service uses: identity from a bearer token (or a
// verified client certificate), then the permission the RPC declares in its
// contract (FindPermission), then the caller's organisation scope against
// the request's targets. Deny by default at each step.
class TokenAuthorizer : public Authorizer {
 public:
  TokenAuthorizer(KeySet keys, ScopeOracle* oracle,
                  std::map<std::string, CertificateIdentity> certificates = {});

  absl::StatusOr<Caller> Admit(
      const grpc::ServerContext& context, absl::string_view method,
      const google::protobuf::Message& request) const override;

  // For the change feed: may `caller` see a change of organisation `id`?
  bool MaySee(const Caller& caller, int64_t organization_id) const;

  // The caller named by `authorization` metadata or the peer certificate.
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContext& context) const;

 private:
  // One request's scope check.
  struct Check {
    int64_t scope_id = 0;
    absl::string_view scope;
    absl::Time deadline;
    // A write: fresh ancestry, and what it found kept in `proofs`.
    bool fresh = false;
    std::vector<ScopeProof> proofs;
    // The members of (organisation, day), asked once per request however
    // many references name them.
    std::map<std::pair<int64_t, absl::CivilDay>, std::set<int64_t>> members;
    // What the oracle fetched for them, handed to the handler.
    std::vector<std::shared_ptr<const AdmittedRoster>> rosters;
  };

  // OK when every target, row and reference named in `request` is in scope.
  absl::Status CheckTargets(const Permission& permission,
                            const google::protobuf::Message& request,
                            Check& check) const;
  // Each bulk row (Rows) in scope; counts the rows in `named`.
  absl::Status CheckRows(const Rows& rows,
                         const google::protobuf::Message& request, Check& check,
                         int* named) const;
  absl::Status CheckReference(const Reference& reference,
                              const google::protobuf::Message& request,
                              Check& check) const;
  // A reference with `as_of`: each of `values` a member of `bound` on the
  // day the request gives.
  absl::Status CheckDatedReference(const Reference& reference,
                                   const google::protobuf::Message& request,
                                   int64_t bound,
                                   const std::vector<std::string>& values,
                                   Check& check) const;
  // The organisations `value` names; NOT_FOUND (no message) when it names
  // nothing that exists.
  absl::StatusOr<std::vector<int64_t>> Resolve(absl::string_view value,
                                               TargetKind kind,
                                               absl::Time deadline) const;
  // PERMISSION_DENIED (no message) unless each of `ids` lies under
  // `ancestor`; for a write (check.fresh) on the tree as it stands now,
  // each kept as a ScopeProof of `field`, else on ancestry cached for at
  // most kReadStaleness.
  // `value` is what resolved to `ids` (kept when it names a member).
  absl::Status CheckAll(const std::vector<int64_t>& ids, int64_t ancestor,
                        absl::string_view field, absl::string_view value,
                        Check& check) const;
  absl::Status CheckOrganization(int64_t id, int64_t scope_id,
                                 absl::Time deadline, bool fresh) const;

  KeySet keys_;
  ScopeOracle* oracle_;
  std::map<std::string, CertificateIdentity> certificates_;
};

// True for callers whose scope is the whole registry.
bool IsUnscoped(const Caller& caller);

}  // namespace chibo::auth

#endif  // CHIBO_COMMON_AUTH_TOKEN_AUTHORIZER_H_
