#ifndef CHIBO_COMMON_AUTH_SERVICE_IDENTITY_H_
#define CHIBO_COMMON_AUTH_SERVICE_IDENTITY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/key_set.h"
#include "common/rpc.h"
#include "grpcpp/grpcpp.h"

namespace chibo::auth {

// How one chibo service calls another: as itself ("service:scheduling",
// role service), naming the end user it acts for (on-behalf-of, recorded in
// the callee's audit trail), within the caller's own deadline.
class ServiceIdentity {
 public:
  ServiceIdentity(std::string service_name, KeySet keys,
                  absl::Duration token_ttl = absl::Minutes(5));

  const std::string& subject() const { return subject_; }

  // A client context for a downstream call made while serving `call`.
  // The token is minted per call (HMAC is cheap) so the on-behalf-of claim
  // is always the current caller's.
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> ContextFor(
      const CallContext& call) const;

 private:
  std::string subject_;
  KeySet keys_;
  absl::Duration token_ttl_;
};

}  // namespace chibo::auth

#endif  // CHIBO_COMMON_AUTH_SERVICE_IDENTITY_H_
