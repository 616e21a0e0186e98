#ifndef CHIBO_COMMON_AUTH_KEY_SET_H_
#define CHIBO_COMMON_AUTH_KEY_SET_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chibo::auth {

// Shortest secret accepted for HMAC-SHA256 (RFC 7518 section 3.2).
inline constexpr size_t kMinSecretBytes = 32;

// An HMAC key. `id` is the JWT "kid"; `secret` holds raw bytes.
struct Key {
  std::string id;
  std::string secret;
  bool signing = false;
};

// Checks that `kid` can name a key: 1-128 characters from [A-Za-z0-9._-],
// starting with a letter or digit (it doubles as a file name in a mounted
// Secret). INVALID_ARGUMENT otherwise.
absl::Status ValidateKeyId(absl::string_view kid);

// The keys a process trusts. During a rotation several keys are present at
// once: every key verifies, and the single key marked `signing` signs.
// A set without a signing key is valid (verify-only).
class KeySet {
 public:
  KeySet() = default;

  // Validates and builds a set: each kid valid and unique, each secret at
  // least kMinSecretBytes long, at most one signing key. INVALID_ARGUMENT
  // naming the offending kid otherwise.
  static absl::StatusOr<KeySet> Create(std::vector<Key> keys);

  // Adds `key` as it is (same checks as Create).
  absl::Status Add(Key key);

  // Rotation: adds `key` as the signing key and marks every other key as
  // verify-only.
  absl::Status Rotate(Key key);

  // The key named `kid`, or nullptr.
  const Key* Find(absl::string_view kid) const;

  // The signing key. FAILED_PRECONDITION if the set has none.
  absl::StatusOr<const Key*> SigningKey() const;

  const std::vector<Key>& keys() const { return keys_; }
  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

 private:
  absl::Status Check(const Key& key) const;

  std::vector<Key> keys_;
};

// A fresh key of 32 bytes from RAND_bytes, not signing. Aborts the process if
// the CSPRNG fails: a weak key must never be returned.
Key GenerateKey(std::string kid);

// Decodes canonical base64url without padding (RFC 4648 section 5), as used
// for key secrets and JWT segments. Returns false, leaving `dest` empty, for
// any other character, padding, or a non-canonical encoding (non-zero unused
// bits), so that each byte string has exactly one accepted spelling.
bool StrictWebSafeBase64Unescape(absl::string_view src, std::string* dest);

// Loads a key file: {"keys":[{"kid":"dev-1","secret":"<base64url>",
// "signing":true}]}. NOT_FOUND if `path` does not exist; INVALID_ARGUMENT
// naming the path and the problem for bad JSON, bad base64url, short secrets,
// duplicate kids, several signing keys or no keys at all.
absl::StatusOr<KeySet> LoadKeySetFromFile(const std::string& path);

// Loads a Kubernetes Secret mounted as a directory: each regular file is a
// key, its name the kid and its content the base64url secret (surrounding
// whitespace ignored). A file named "signing-kid" names the signing key;
// without it the lexicographically last kid signs. Names starting with '.'
// (the Secret volume's "..data" links) are skipped. NOT_FOUND if the
// directory does not exist or holds no keys; INVALID_ARGUMENT otherwise.
absl::StatusOr<KeySet> LoadKeySetFromDirectory(const std::string& dir);

// The key file JSON for `keys` (the format LoadKeySetFromFile reads).
std::string KeySetToJson(const KeySet& keys);

// Writes KeySetToJson(keys) to `path` with mode 0600, atomically: a
// temporary file in the same directory is written, synced and renamed over
// `path`.
absl::Status WriteKeySetToFile(const KeySet& keys, const std::string& path);

}  // namespace chibo::auth

#endif  // CHIBO_COMMON_AUTH_KEY_SET_H_
