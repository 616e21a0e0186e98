#ifndef CHIBO_COMMON_AUTH_JWT_H_
#define CHIBO_COMMON_AUTH_JWT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/key_set.h"

namespace chibo::auth {

// The identity a bearer token carries. JSON claim names in brackets.
struct Claims {
  std::string subject;       // [sub] who: a user or service name.
  std::string role;          // [role] a RoleName() (common/auth/role.h).
  std::string scope;         // [scope] "organizations/{id}" or "*".
  int64_t issued_at = 0;     // [iat] seconds since the Unix epoch.
  int64_t expires_at = 0;    // [exp] seconds since the Unix epoch.
  std::string key_id;        // Header "kid": set by VerifyJwt; SignJwt
                             // ignores it and uses the key's id.
  std::string on_behalf_of;  // [obo] optional: the end user a service acts
                             // for.
  int64_t not_before = 0;    // [nbf] optional; 0: absent.
};

// Tolerated difference between the issuer's clock and ours on "exp" and
// "nbf".
inline constexpr absl::Duration kExpiryLeeway = absl::Seconds(60);
// Tokens whose "iat" lies further ahead of our clock than this are refused.
inline constexpr absl::Duration kMaxIssuedInFuture = absl::Minutes(5);
// Longer tokens are refused before any decoding.
inline constexpr size_t kMaxTokenLength = 8192;

// A compact JWT "<header>.<payload>.<signature>" signed with HS256 by `key`,
// whose id becomes the header "kid". Does not validate the claims.
std::string SignJwt(const Claims& claims, const Key& key);

// As above, with the signing key of `keys`; FAILED_PRECONDITION without one.
absl::StatusOr<std::string> SignJwt(const Claims& claims, const KeySet& keys);

// Verifies `token` against `keys` at time `now` and returns its claims, with
// key_id set. Every failure is UNAUTHENTICATED with a message naming the
// reason: "token is malformed: ...", "token header is not valid JSON",
// "unsupported alg ...", "unknown key id ...", "token signature is invalid",
// "token payload is not valid JSON", "token has no subject" (role, scope,
// iat, exp), "token role is invalid: ...", "token scope is invalid: ...",
// "token expired at <RFC3339>", "token is not valid before <RFC3339>",
// "token was issued in the future ...".
// Only alg HS256 is accepted ("none" in particular is refused); the
// signature is compared in constant time and checked before the payload is
// parsed. "exp" and "nbf" get kExpiryLeeway; "iat" may be at most
// kMaxIssuedInFuture ahead of `now`.
absl::StatusOr<Claims> VerifyJwt(absl::string_view token, const KeySet& keys,
                                 absl::Time now);

// A one-line JSON description of `claims` for tools and logs: kid, sub,
// role, scope, obo, iat, exp, plus issued_at/expires_at in RFC 3339.
std::string ClaimsToJson(const Claims& claims);

}  // namespace chibo::auth

#endif  // CHIBO_COMMON_AUTH_JWT_H_
