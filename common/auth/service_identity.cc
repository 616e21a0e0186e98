#include "common/auth/service_identity.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/jwt.h"
#include "common/auth/role.h"
#include "common/status_macros.h"

namespace chibo::auth {

ServiceIdentity::ServiceIdentity(std::string service_name, KeySet keys,
                                 absl::Duration token_ttl)
    : subject_(absl::StrCat("service:", service_name)),
      keys_(std::move(keys)),
      token_ttl_(token_ttl) {}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>>
ServiceIdentity::ContextFor(const CallContext& call) const {
  Claims claims;
  claims.subject = subject_;
  claims.role = std::string(RoleName(Role::kService));
  claims.scope = std::string(kGlobalScope);
  // The end user, even when this call itself came from another service.
  claims.on_behalf_of = call.caller.on_behalf_of.empty()
                            ? call.caller.subject
                            : call.caller.on_behalf_of;
  const absl::Time now = absl::Now();
  claims.issued_at = absl::ToUnixSeconds(now);
  claims.expires_at = absl::ToUnixSeconds(now + token_ttl_);
  ASSIGN_OR_RETURN(std::string token, SignJwt(claims, keys_));
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(call.deadline));
  context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  if (!call.request_id.empty()) {
    context->AddMetadata("x-request-id", call.request_id);
  }
  return context;
}

}  // namespace chibo::auth
