#include "common/auth/jwt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/auth/key_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chibo::auth {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kIat = 1'700'000'000;  // 2023-11-14T22:13:20Z
constexpr int64_t kExp = kIat + 8 * 3600;

// Secret bytes 0x00..0x1f; the known-answer tokens below were computed with
// Python's hmac module, independently of this code.
std::string TestSecret() {
  std::string secret;
  for (int i = 0; i < 32; ++i) secret.push_back(static_cast<char>(i));
  return secret;
}

Key TestKey(std::string id = "k1", bool signing = true) {
  return Key{std::move(id), TestSecret(), signing};
}

KeySet MakeKeySet(std::vector<Key> keys) {
  absl::StatusOr<KeySet> set = KeySet::Create(std::move(keys));
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *std::move(set) : KeySet();
}

Claims TestClaims() {
  Claims claims;
  claims.subject = "alice";
  claims.role = "cell_secretary";
  claims.scope = "organizations/12";
  claims.issued_at = kIat;
  claims.expires_at = kExp;
  return claims;
}

absl::Time At(int64_t unix_seconds) {
  return absl::FromUnixSeconds(unix_seconds);
}

const absl::Time kNow = At(kIat + 60);

std::string B64(absl::string_view s) { return absl::WebSafeBase64Escape(s); }

// A token with arbitrary header and payload JSON, correctly signed.
std::string SignRaw(absl::string_view header_json,
                    absl::string_view payload_json,
                    const std::string& secret = TestSecret()) {
  const std::string input =
      absl::StrCat(B64(header_json), ".", B64(payload_json));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
       &mac_len);
  return absl::StrCat(
      input, ".",
      B64(absl::string_view(reinterpret_cast<const char*>(mac), mac_len)));
}

constexpr absl::string_view kHeader =
    R"({"alg":"HS256","typ":"JWT","kid":"k1"})";
constexpr absl::string_view kPayload =
    R"({"sub":"alice","role":"cell_secretary","scope":"organizations/12",)"
    R"("iat":1700000000,"exp":1700028800})";

// Expects UNAUTHENTICATED with `message` in the status message.
void ExpectRejected(const absl::StatusOr<Claims>& result,
                    absl::string_view message) {
  ASSERT_FALSE(result.ok()) << "accepted: " << result->subject;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated)
      << result.status();
  EXPECT_THAT(result.status().message(), HasSubstr(message));
}

TEST(JwtTest, SignMatchesKnownAnswer) {
  EXPECT_EQ(
      SignJwt(TestClaims(), TestKey()),
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsxIn0."
      "eyJzdWIiOiJhbGljZSIsInJvbGUiOiJjZWxsX3NlY3JldGFyeSIsInNjb3BlIjoib3JnYW5p"
      "emF0aW9ucy8xMiIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDI4ODAwfQ."
      "D6MdjSCEo4UoLX424IzOEw5dEk7IooKcVE7N58ACslQ");
}

TEST(JwtTest, VerifiesForeignTokenWithOtherLayoutAndExtraFields) {
  // Header without typ, with an unknown member; payload reordered, spaced,
  // with an "aud" claim we do not use.
  const std::string token =
      "eyAia2lkIiA6ICJrMSIsICJhbGciIDogIkhTMjU2IiwgIng1dSI6IG51bGwgfQ."
      "eyAiZXhwIjogMTcwMDAyODgwMCwgImF1ZCI6IFsiY2hpYm8iXSwgImlhdCI6IDE3MDAwMDAw"
      "MDAsICJzY29wZSI6ICJvcmdhbml6YXRpb25zLzEyIiwgInJvbGUiOiAiY2VsbF9zZWNyZXRh"
      "cnkiLCAic3ViIjogImFsaWNlIiwgIm9ibyI6ICJib2IiIH0."
      "UQj8aBYvUkNduTOkv_c5j6yGUmovGL0eJ2UaC0tloYs";
  absl::StatusOr<Claims> claims =
      VerifyJwt(token, MakeKeySet({TestKey()}), kNow);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_EQ(claims->on_behalf_of, "bob");
  EXPECT_EQ(claims->expires_at, kExp);
}

TEST(JwtTest, RoundTrip) {
  Claims in = TestClaims();
  in.on_behalf_of = "users/bob";
  in.key_id = "ignored-by-sign";
  const KeySet keys = MakeKeySet({TestKey("dev-1")});
  absl::StatusOr<Claims> out =
      VerifyJwt(SignJwt(in, TestKey("dev-1")), keys, kNow);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->subject, "alice");
  EXPECT_EQ(out->role, "cell_secretary");
  EXPECT_EQ(out->scope, "organizations/12");
  EXPECT_EQ(out->issued_at, kIat);
  EXPECT_EQ(out->expires_at, kExp);
  EXPECT_EQ(out->key_id, "dev-1");
  EXPECT_EQ(out->on_behalf_of, "users/bob");
}

TEST(JwtTest, RoundTripGlobalScopeAndKeySetOverload) {
  Claims in = TestClaims();
  in.role = "service";
  in.scope = "*";
  const KeySet keys = MakeKeySet({TestKey("a", false), TestKey("b", true)});
  absl::StatusOr<std::string> token = SignJwt(in, keys);
  ASSERT_TRUE(token.ok()) << token.status();
  absl::StatusOr<Claims> out = VerifyJwt(*token, keys, kNow);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->key_id, "b");
  EXPECT_EQ(out->scope, "*");
  EXPECT_EQ(out->on_behalf_of, "");
}

TEST(JwtTest, SignWithKeySetNeedsSigningKey) {
  absl::StatusOr<std::string> token =
      SignJwt(TestClaims(), MakeKeySet({TestKey("a", false)}));
  EXPECT_EQ(token.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(JwtTest, ExpiryHasSixtySecondsLeeway) {
  const std::string token = SignJwt(TestClaims(), TestKey());
  const KeySet keys = MakeKeySet({TestKey()});
  EXPECT_TRUE(VerifyJwt(token, keys, At(kExp - 1)).ok());
  EXPECT_TRUE(VerifyJwt(token, keys, At(kExp)).ok());
  EXPECT_TRUE(VerifyJwt(token, keys, At(kExp + 59)).ok());
  ExpectRejected(VerifyJwt(token, keys, At(kExp + 60)),
                 "token expired at 2023-11-15T06:13:20Z");
  ExpectRejected(VerifyJwt(token, keys, At(kExp + 86400)), "token expired at");
}

TEST(JwtTest, NotBeforeHasTheSameLeewayAsExpiry) {
  Claims claims = TestClaims();
  claims.not_before = kIat + 3600;
  const std::string token = SignJwt(claims, TestKey());
  const KeySet keys = MakeKeySet({TestKey()});
  ExpectRejected(VerifyJwt(token, keys, At(kIat + 3600 - 61)),
                 "token is not valid before 2023-11-14T23:13:20Z");
  EXPECT_TRUE(VerifyJwt(token, keys, At(kIat + 3600 - 60)).ok());
  absl::StatusOr<Claims> verified = VerifyJwt(token, keys, At(kIat + 3600));
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->not_before, kIat + 3600);
  // Absent, it restricts nothing.
  EXPECT_TRUE(VerifyJwt(SignJwt(TestClaims(), TestKey()), keys, At(kIat)).ok());
}

TEST(JwtTest, IssuedAtMayBeAtMostFiveMinutesAhead) {
  const std::string token = SignJwt(TestClaims(), TestKey());
  const KeySet keys = MakeKeySet({TestKey()});
  EXPECT_TRUE(VerifyJwt(token, keys, At(kIat - 300)).ok());
  ExpectRejected(VerifyJwt(token, keys, At(kIat - 301)),
                 "token was issued in the future, at 2023-11-14T22:13:20Z");
}

TEST(JwtTest, RejectsExpiryNotAfterIssue) {
  Claims claims = TestClaims();
  claims.expires_at = claims.issued_at;
  ExpectRejected(
      VerifyJwt(SignJwt(claims, TestKey()), MakeKeySet({TestKey()}), kNow),
      "no later than it was issued");
}

TEST(JwtTest, RejectsSignatureByOtherKeyWithSameKid) {
  Key other = GenerateKey("k1");
  ExpectRejected(
      VerifyJwt(SignJwt(TestClaims(), other), MakeKeySet({TestKey()}), kNow),
      "token signature is invalid");
}

TEST(JwtTest, RejectsEveryAlteredSignatureCharacter) {
  const std::string token = SignJwt(TestClaims(), TestKey());
  const KeySet keys = MakeKeySet({TestKey()});
  const size_t sig_start = token.rfind('.') + 1;
  for (size_t i = sig_start; i < token.size(); ++i) {
    for (char replacement : {'A', 'B', 'g', 'w', '-', '_'}) {
      if (token[i] == replacement) continue;
      std::string forged = token;
      forged[i] = replacement;
      absl::StatusOr<Claims> result = VerifyJwt(forged, keys, kNow);
      EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated)
          << "position " << i << " -> " << replacement;
    }
  }
}

TEST(JwtTest, RejectsAlteredPayload) {
  const std::string token = SignJwt(TestClaims(), TestKey());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  Claims admin = TestClaims();
  admin.role = "system_admin";
  admin.scope = "*";
  std::vector<std::string> admin_parts =
      absl::StrSplit(SignJwt(admin, GenerateKey("k1")), '.');
  const std::string forged =
      absl::StrCat(parts[0], ".", admin_parts[1], ".", parts[2]);
  ExpectRejected(VerifyJwt(forged, MakeKeySet({TestKey()}), kNow),
                 "token signature is invalid");
}

TEST(JwtTest, RejectsTruncatedOrEmptySignature) {
  const std::string token = SignJwt(TestClaims(), TestKey());
  const KeySet keys = MakeKeySet({TestKey()});
  ExpectRejected(VerifyJwt(token.substr(0, token.size() - 4), keys, kNow),
                 "token signature is invalid");
  ExpectRejected(VerifyJwt(token.substr(0, token.rfind('.') + 1), keys, kNow),
                 "token signature is invalid");
}

TEST(JwtTest, RejectsUnknownKid) {
  ExpectRejected(VerifyJwt(SignJwt(TestClaims(), TestKey("retired")),
                           MakeKeySet({TestKey("k1")}), kNow),
                 "unknown key id \"retired\"");
  ExpectRejected(VerifyJwt(SignRaw(R"({"alg":"HS256"})", kPayload),
                           MakeKeySet({TestKey()}), kNow),
                 "token header has no kid");
}

TEST(JwtTest, RejectsAlgNone) {
  const KeySet keys = MakeKeySet({TestKey()});
  const std::string unsigned_token = absl::StrCat(
      B64(R"({"alg":"none","typ":"JWT","kid":"k1"})"), ".", B64(kPayload), ".");
  ExpectRejected(VerifyJwt(unsigned_token, keys, kNow),
                 "unsupported alg \"none\"");
  // Even with a valid HMAC over the same input.
  ExpectRejected(
      VerifyJwt(SignRaw(R"({"alg":"none","kid":"k1"})", kPayload), keys, kNow),
      "unsupported alg \"none\"");
}

TEST(JwtTest, RejectsOtherAlgorithms) {
  const KeySet keys = MakeKeySet({TestKey()});
  for (absl::string_view alg : {"HS512", "hs256", "RS256", "ES256", ""}) {
    ExpectRejected(
        VerifyJwt(SignRaw(absl::StrCat(R"({"alg":")", alg, R"(","kid":"k1"})"),
                          kPayload),
                  keys, kNow),
        "unsupported alg");
  }
}

TEST(JwtTest, RejectsOtherTypAndCrit) {
  const KeySet keys = MakeKeySet({TestKey()});
  ExpectRejected(
      VerifyJwt(SignRaw(R"({"alg":"HS256","typ":"JWE","kid":"k1"})", kPayload),
                keys, kNow),
      "unsupported typ \"JWE\"");
  ExpectRejected(
      VerifyJwt(
          SignRaw(R"({"alg":"HS256","kid":"k1","crit":["b64"]})", kPayload),
          keys, kNow),
      "critical extension \"b64\"");
}

TEST(JwtTest, RejectsMalformedShapes) {
  const KeySet keys = MakeKeySet({TestKey()});
  const std::string token = SignJwt(TestClaims(), TestKey());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ExpectRejected(VerifyJwt("", keys, kNow), "token is malformed: empty");
  ExpectRejected(VerifyJwt(absl::StrCat(parts[0], ".", parts[1]), keys, kNow),
                 "token is malformed: expected 3 dot-separated segments, "
                 "found 2");
  ExpectRejected(VerifyJwt(absl::StrCat(token, ".x"), keys, kNow), "found 4");
  ExpectRejected(VerifyJwt("just-a-string", keys, kNow), "found 1");
  ExpectRejected(
      VerifyJwt(absl::StrCat(".", parts[1], ".", parts[2]), keys, kNow),
      "token is malformed: header is not base64url");
  ExpectRejected(VerifyJwt(absl::StrCat(parts[0], "..", parts[2]), keys, kNow),
                 "token is malformed: payload is not base64url");
  ExpectRejected(
      VerifyJwt(absl::StrCat("e30=.", parts[1], ".", parts[2]), keys, kNow),
      "token is malformed: header is not base64url");
  ExpectRejected(
      VerifyJwt(absl::StrCat(parts[0], ".", parts[1], "!.", parts[2]), keys,
                kNow),
      "token is malformed: payload is not base64url");
  ExpectRejected(
      VerifyJwt(absl::StrCat(parts[0], ".", parts[1], ".", parts[2], "+"), keys,
                kNow),
      "token is malformed: signature is not base64url");
  ExpectRejected(VerifyJwt(std::string(kMaxTokenLength + 1, 'a'), keys, kNow),
                 "token is malformed: longer than 8192 bytes");
}

TEST(JwtTest, RejectsBadJson) {
  const KeySet keys = MakeKeySet({TestKey()});
  const std::string payload = B64(kPayload);
  for (absl::string_view header : {"not json", "[]", "{\"alg\":", "\"HS256\"",
                                   "{\"alg\":1,\"kid\":\"k1\"}"}) {
    ExpectRejected(
        VerifyJwt(absl::StrCat(B64(header), ".", payload, ".AAAA"), keys, kNow),
        "token header is not valid JSON");
  }
  for (absl::string_view bad_payload : {"not json", "[1]", "{\"sub\":"}) {
    ExpectRejected(VerifyJwt(SignRaw(kHeader, bad_payload), keys, kNow),
                   "token payload is not valid JSON");
  }
}

TEST(JwtTest, RejectsMissingClaims) {
  const KeySet keys = MakeKeySet({TestKey()});
  struct Case {
    void (*clear)(Claims&);
    absl::string_view message;
  };
  const Case cases[] = {
      {[](Claims& c) { c.subject.clear(); }, "token has no subject"},
      {[](Claims& c) { c.role.clear(); }, "token has no role"},
      {[](Claims& c) { c.scope.clear(); }, "token has no scope"},
      {[](Claims& c) { c.issued_at = 0; }, "token has no iat"},
      {[](Claims& c) { c.expires_at = 0; }, "token has no exp"},
  };
  for (const Case& test_case : cases) {
    Claims claims = TestClaims();
    test_case.clear(claims);
    ExpectRejected(VerifyJwt(SignJwt(claims, TestKey()), keys, kNow),
                   test_case.message);
  }
}

TEST(JwtTest, RejectsInvalidNumericDates) {
  const KeySet keys = MakeKeySet({TestKey()});
  constexpr absl::string_view kStart =
      R"({"sub":"a","role":"viewer","scope":"organizations/1",)";
  ExpectRejected(
      VerifyJwt(SignRaw(kHeader,
                        absl::StrCat(kStart, R"("iat":-5,"exp":1700028800})")),
                keys, kNow),
      "token iat is not a valid NumericDate");
  ExpectRejected(
      VerifyJwt(
          SignRaw(kHeader,
                  absl::StrCat(kStart, R"("iat":1700000000,"exp":"NaN"})")),
          keys, kNow),
      "token exp is not a valid NumericDate");
  ExpectRejected(
      VerifyJwt(
          SignRaw(kHeader,
                  absl::StrCat(kStart, R"("iat":1700000000,"exp":1e300})")),
          keys, kNow),
      "token exp is not a valid NumericDate");
  // Fractional NumericDates are allowed by RFC 7519; we truncate.
  absl::StatusOr<Claims> fractional = VerifyJwt(
      SignRaw(kHeader,
              absl::StrCat(kStart, R"("iat":1700000000.75,"exp":1700028800})")),
      keys, kNow);
  ASSERT_TRUE(fractional.ok()) << fractional.status();
  EXPECT_EQ(fractional->issued_at, kIat);
}

TEST(JwtTest, RejectsInvalidRoleOrScope) {
  const KeySet keys = MakeKeySet({TestKey()});
  Claims claims = TestClaims();
  claims.role = "king";
  ExpectRejected(VerifyJwt(SignJwt(claims, TestKey()), keys, kNow),
                 "token role is invalid: unknown role \"king\"");
  claims = TestClaims();
  claims.role = "viewer";
  claims.scope = "*";
  ExpectRejected(VerifyJwt(SignJwt(claims, TestKey()), keys, kNow),
                 "token scope is invalid");
  claims.scope = "meetings/7";
  ExpectRejected(VerifyJwt(SignJwt(claims, TestKey()), keys, kNow),
                 "token scope is invalid");
}

TEST(JwtTest, EchoedInputIsEscapedAndCut) {
  const std::string long_kid(200, 'x');
  absl::StatusOr<Claims> result = VerifyJwt(
      SignRaw(absl::StrCat(R"({"alg":"HS256","kid":")", long_kid, "\\n\"}"),
              kPayload),
      MakeKeySet({TestKey()}), kNow);
  ExpectRejected(result, "unknown key id \"xxxx");
  EXPECT_LT(result.status().message().size(), 120u);
  EXPECT_THAT(result.status().message(), HasSubstr("...\""));
}

TEST(JwtTest, KeyRotation) {
  const Key old_key = GenerateKey("old");
  KeySet keys = MakeKeySet({Key{old_key.id, old_key.secret, true}});
  absl::StatusOr<std::string> old_token = SignJwt(TestClaims(), keys);
  ASSERT_TRUE(old_token.ok());

  ASSERT_TRUE(keys.Rotate(GenerateKey("new")).ok());
  // Tokens signed by the old key still verify while it is present...
  absl::StatusOr<Claims> verified = VerifyJwt(*old_token, keys, kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->key_id, "old");
  // ...and new tokens are signed by the new key.
  absl::StatusOr<std::string> new_token = SignJwt(TestClaims(), keys);
  ASSERT_TRUE(new_token.ok());
  verified = VerifyJwt(*new_token, keys, kNow);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->key_id, "new");

  // Once the old key is retired, its tokens are refused.
  const Key* new_key = keys.Find("new");
  ASSERT_NE(new_key, nullptr);
  const KeySet retired = MakeKeySet({*new_key});
  ExpectRejected(VerifyJwt(*old_token, retired, kNow),
                 "unknown key id \"old\"");
  EXPECT_TRUE(VerifyJwt(*new_token, retired, kNow).ok());
}

TEST(JwtTest, ClaimsToJson) {
  Claims claims = TestClaims();
  claims.key_id = "k1";
  claims.on_behalf_of = "bob";
  EXPECT_EQ(ClaimsToJson(claims),
            R"({"kid":"k1","sub":"alice","role":"cell_secretary",)"
            R"("scope":"organizations/12","obo":"bob","iat":1700000000,)"
            R"("exp":1700028800,"issued_at":"2023-11-14T22:13:20Z",)"
            R"("expires_at":"2023-11-15T06:13:20Z"})");
}

}  // namespace
}  // namespace chibo::auth
