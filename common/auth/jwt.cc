#include "common/auth/jwt.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/auth_internal.pb.h"
#include "common/auth/role.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"

namespace chibo::auth {
namespace {

constexpr absl::string_view kAlg = "HS256";
constexpr absl::string_view kTyp = "JWT";
constexpr size_t kSha256Bytes = 32;
// NumericDate values beyond this (year 5138) are refused as nonsense.
constexpr double kMaxNumericDate = 1e11;
// Attacker-controlled strings echoed in messages are cut to this length.
constexpr size_t kMaxEchoLength = 64;
// RFC 3339 in UTC with a "Z" suffix.
constexpr char kRfc3339Utc[] = "%Y-%m-%dT%H:%M:%SZ";

absl::Status Unauthenticated(absl::string_view message) {
  return absl::UnauthenticatedError(message);
}

std::string Echo(absl::string_view s) {
  const bool cut = s.size() > kMaxEchoLength;
  return absl::StrCat("\"", absl::CHexEscape(s.substr(0, kMaxEchoLength)),
                      cut ? "...\"" : "\"");
}

std::string FormatRfc3339(absl::Time time) {
  return absl::FormatTime(kRfc3339Utc, time, absl::UTCTimeZone());
}

std::string FormatRfc3339(int64_t unix_seconds) {
  return FormatRfc3339(absl::FromUnixSeconds(unix_seconds));
}

// HMAC-SHA256 of `data`. Returns an empty string only if OpenSSL fails.
std::string HmacSha256(absl::string_view secret, absl::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           mac, &mac_len) == nullptr ||
      mac_len != kSha256Bytes) {
    return "";
  }
  return std::string(reinterpret_cast<const char*>(mac), mac_len);
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  // Our messages have no Any fields, so printing cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

bool FromJson(absl::string_view json, google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // Other registered claims are fine.
  return google::protobuf::util::JsonStringToMessage(
             google::protobuf::StringPiece(json.data(), json.size()), message,
             options)
      .ok();
}

// Converts a NumericDate claim to whole seconds.
absl::StatusOr<int64_t> NumericDate(double value, absl::string_view name) {
  if (value == 0) {
    return Unauthenticated(absl::StrCat("token has no ", name));
  }
  if (!std::isfinite(value) || value < 0 || value > kMaxNumericDate) {
    return Unauthenticated(
        absl::StrCat("token ", name, " is not a valid NumericDate"));
  }
  return static_cast<int64_t>(std::floor(value));
}

}  // namespace

std::string SignJwt(const Claims& claims, const Key& key) {
  internal::JwtHeader header;
  header.set_alg(std::string(kAlg));
  header.set_typ(std::string(kTyp));
  header.set_kid(key.id);

  internal::JwtClaims payload;
  payload.set_sub(claims.subject);
  payload.set_role(claims.role);
  payload.set_scope(claims.scope);
  payload.set_iat(static_cast<double>(claims.issued_at));
  payload.set_exp(static_cast<double>(claims.expires_at));
  payload.set_obo(claims.on_behalf_of);
  payload.set_nbf(static_cast<double>(claims.not_before));

  std::string signing_input =
      absl::StrCat(absl::WebSafeBase64Escape(ToJson(header)), ".",
                   absl::WebSafeBase64Escape(ToJson(payload)));
  const std::string mac = HmacSha256(key.secret, signing_input);
  if (mac.empty()) {
    std::fputs("chibo::auth::SignJwt: HMAC-SHA256 failed\n", stderr);
    std::abort();
  }
  return absl::StrCat(signing_input, ".", absl::WebSafeBase64Escape(mac));
}

absl::StatusOr<std::string> SignJwt(const Claims& claims, const KeySet& keys) {
  absl::StatusOr<const Key*> key = keys.SigningKey();
  if (!key.ok()) return key.status();
  return SignJwt(claims, **key);
}

absl::StatusOr<Claims> VerifyJwt(absl::string_view token, const KeySet& keys,
                                 absl::Time now) {
  // 1. Shape: three canonical base64url segments.
  if (token.empty()) return Unauthenticated("token is malformed: empty");
  if (token.size() > kMaxTokenLength) {
    return Unauthenticated(absl::StrCat("token is malformed: longer than ",
                                        kMaxTokenLength, " bytes"));
  }
  const std::vector<absl::string_view> segments = absl::StrSplit(token, '.');
  if (segments.size() != 3) {
    return Unauthenticated(absl::StrCat(
        "token is malformed: expected 3 dot-separated segments, found ",
        segments.size()));
  }
  // The signature may be empty here (as with alg "none"): it is refused
  // below, after the header has said what it claims to be.
  constexpr absl::string_view kSegmentNames[] = {"header", "payload",
                                                 "signature"};
  std::string decoded[3];
  for (int i = 0; i < 3; ++i) {
    if ((i < 2 && segments[i].empty()) ||
        !StrictWebSafeBase64Unescape(segments[i], &decoded[i])) {
      return Unauthenticated(absl::StrCat(
          "token is malformed: ", kSegmentNames[i], " is not base64url"));
    }
  }

  // 2. Header: algorithm and key.
  internal::JwtHeader header;
  if (!FromJson(decoded[0], &header)) {
    return Unauthenticated("token header is not valid JSON");
  }
  if (header.alg() != kAlg) {
    return Unauthenticated(absl::StrCat("unsupported alg ", Echo(header.alg()),
                                        "; only HS256 is accepted"));
  }
  if (!header.typ().empty() && header.typ() != kTyp) {
    return Unauthenticated(
        absl::StrCat("unsupported typ ", Echo(header.typ()), "; expected JWT"));
  }
  if (!header.crit().empty()) {
    return Unauthenticated(
        absl::StrCat("token header has unsupported critical extension ",
                     Echo(header.crit(0))));
  }
  if (header.kid().empty()) return Unauthenticated("token header has no kid");
  const Key* key = keys.Find(header.kid());
  if (key == nullptr) {
    return Unauthenticated(absl::StrCat("unknown key id ", Echo(header.kid())));
  }

  // 3. Signature, before anything in the payload is believed.
  const absl::string_view signing_input =
      token.substr(0, segments[0].size() + 1 + segments[1].size());
  const std::string expected = HmacSha256(key->secret, signing_input);
  if (expected.empty() || decoded[2].size() != expected.size() ||
      CRYPTO_memcmp(decoded[2].data(), expected.data(), expected.size()) != 0) {
    return Unauthenticated("token signature is invalid");
  }

  // 4. Claims.
  internal::JwtClaims payload;
  if (!FromJson(decoded[1], &payload)) {
    return Unauthenticated("token payload is not valid JSON");
  }
  Claims claims;
  claims.key_id = header.kid();
  claims.subject = payload.sub();
  claims.role = payload.role();
  claims.scope = payload.scope();
  claims.on_behalf_of = payload.obo();
  if (claims.subject.empty()) return Unauthenticated("token has no subject");
  if (claims.role.empty()) return Unauthenticated("token has no role");
  if (claims.scope.empty()) return Unauthenticated("token has no scope");
  absl::StatusOr<int64_t> iat = NumericDate(payload.iat(), "iat");
  if (!iat.ok()) return iat.status();
  absl::StatusOr<int64_t> exp = NumericDate(payload.exp(), "exp");
  if (!exp.ok()) return exp.status();
  claims.issued_at = *iat;
  claims.expires_at = *exp;
  if (payload.nbf() != 0) {
    absl::StatusOr<int64_t> nbf = NumericDate(payload.nbf(), "nbf");
    if (!nbf.ok()) return nbf.status();
    claims.not_before = *nbf;
  }

  absl::StatusOr<Role> role = ParseRole(claims.role);
  if (!role.ok()) {
    return Unauthenticated(
        absl::StrCat("token role is invalid: ", role.status().message()));
  }
  const absl::Status scope_ok = ValidateScope(*role, claims.scope);
  if (!scope_ok.ok()) {
    return Unauthenticated(
        absl::StrCat("token scope is invalid: ", scope_ok.message()));
  }

  // 5. Time.
  if (claims.expires_at <= claims.issued_at) {
    return Unauthenticated(absl::StrCat("token expires (",
                                        FormatRfc3339(claims.expires_at),
                                        ") no later than it was issued (",
                                        FormatRfc3339(claims.issued_at), ")"));
  }
  if (now >= absl::FromUnixSeconds(claims.expires_at) + kExpiryLeeway) {
    return Unauthenticated(
        absl::StrCat("token expired at ", FormatRfc3339(claims.expires_at)));
  }
  if (claims.not_before != 0 &&
      now + kExpiryLeeway < absl::FromUnixSeconds(claims.not_before)) {
    return Unauthenticated(absl::StrCat("token is not valid before ",
                                        FormatRfc3339(claims.not_before)));
  }
  if (absl::FromUnixSeconds(claims.issued_at) > now + kMaxIssuedInFuture) {
    return Unauthenticated(absl::StrCat("token was issued in the future, at ",
                                        FormatRfc3339(claims.issued_at),
                                        " (now is ", FormatRfc3339(now), ")"));
  }
  return claims;
}

std::string ClaimsToJson(const Claims& claims) {
  internal::TokenReport report;
  report.set_kid(claims.key_id);
  report.set_sub(claims.subject);
  report.set_role(claims.role);
  report.set_scope(claims.scope);
  report.set_obo(claims.on_behalf_of);
  report.set_iat(static_cast<double>(claims.issued_at));
  report.set_exp(static_cast<double>(claims.expires_at));
  report.set_issued_at(FormatRfc3339(claims.issued_at));
  report.set_expires_at(FormatRfc3339(claims.expires_at));
  return ToJson(report);
}

}  // namespace chibo::auth
