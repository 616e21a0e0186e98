#include "common/auth/key_set.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth/auth_internal.pb.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"

namespace chibo::auth {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxKeyIdLength = 128;
// Key files and secrets are tiny; anything bigger is a mistake.
constexpr off_t kMaxKeyFileBytes = 1 << 20;
constexpr absl::string_view kSigningKidFile = "signing-kid";

bool IsKeyIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == '-';
}

std::string Quote(absl::string_view s) {
  return absl::StrCat("\"", absl::CHexEscape(s), "\"");
}

// Prefixes `status`'s message with `context`, keeping its code.
absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  return absl::Status(status.code(),
                      absl::StrCat(context, ": ", status.message()));
}

// Reads a whole regular file of at most kMaxKeyFileBytes. `what` describes
// the file in messages, e.g. `key file "/etc/chibo/keys.json"`.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          absl::string_view what) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(what, " cannot be opened"));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } closer{fd};
  struct stat st;
  if (fstat(fd, &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(what, " cannot be stat'ed"));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is not a regular file"));
  }
  if (st.st_size > kMaxKeyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is ", st.st_size, " bytes; at most ",
                     kMaxKeyFileBytes, " are accepted"));
  }
  std::string content;
  char buf[4096];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat(what, " cannot be read"));
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
    if (content.size() > static_cast<size_t>(kMaxKeyFileBytes)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " grew past ", kMaxKeyFileBytes, " bytes"));
    }
  }
  return content;
}

absl::StatusOr<std::string> DecodeSecret(absl::string_view kid,
                                         absl::string_view encoded) {
  std::string secret;
  if (!StrictWebSafeBase64Unescape(encoded, &secret)) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret of key ", Quote(kid),
                     " is not base64url without padding (RFC 4648 section 5)"));
  }
  return secret;
}

}  // namespace

bool StrictWebSafeBase64Unescape(absl::string_view src, std::string* dest) {
  dest->clear();
  if (src.size() % 4 == 1) return false;
  for (char c : src) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_') {
      return false;
    }
  }
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(src, &decoded)) return false;
  // Rejects encodings whose unused trailing bits are not zero.
  if (absl::WebSafeBase64Escape(decoded) != src) return false;
  *dest = std::move(decoded);
  return true;
}

absl::Status ValidateKeyId(absl::string_view kid) {
  if (kid.empty()) return absl::InvalidArgumentError("key id is empty");
  if (kid.size() > kMaxKeyIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("key id ", Quote(kid.substr(0, 32)), "... is longer than ",
                     kMaxKeyIdLength, " characters"));
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(kid.front())) ||
      !std::all_of(kid.begin(), kid.end(), IsKeyIdChar)) {
    return absl::InvalidArgumentError(
        absl::StrCat("key id ", Quote(kid),
                     " must start with a letter or digit and contain only "
                     "letters, digits, '.', '_' and '-'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<KeySet> KeySet::Create(std::vector<Key> keys) {
  KeySet set;
  for (Key& key : keys) {
    RETURN_IF_ERROR(set.Add(std::move(key)));
  }
  return set;
}

absl::Status KeySet::Check(const Key& key) const {
  RETURN_IF_ERROR(ValidateKeyId(key.id));
  if (key.secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret of key ", Quote(key.id), " is ", key.secret.size(),
                     " bytes; at least ", kMinSecretBytes, " are required"));
  }
  if (Find(key.id) != nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("duplicate key id ", Quote(key.id)));
  }
  return absl::OkStatus();
}

absl::Status KeySet::Add(Key key) {
  RETURN_IF_ERROR(Check(key));
  if (key.signing) {
    for (const Key& other : keys_) {
      if (other.signing) {
        return absl::InvalidArgumentError(
            absl::StrCat("keys ", Quote(other.id), " and ", Quote(key.id),
                         " are both marked signing; exactly one may be"));
      }
    }
  }
  keys_.push_back(std::move(key));
  return absl::OkStatus();
}

absl::Status KeySet::Rotate(Key key) {
  RETURN_IF_ERROR(Check(key));
  for (Key& other : keys_) other.signing = false;
  key.signing = true;
  keys_.push_back(std::move(key));
  return absl::OkStatus();
}

const Key* KeySet::Find(absl::string_view kid) const {
  for (const Key& key : keys_) {
    if (key.id == kid) return &key;
  }
  return nullptr;
}

absl::StatusOr<const Key*> KeySet::SigningKey() const {
  for (const Key& key : keys_) {
    if (key.signing) return &key;
  }
  return absl::FailedPreconditionError(
      keys_.empty() ? "key set is empty; no key can sign"
                    : "key set has no key marked signing");
}

Key GenerateKey(std::string kid) {
  Key key;
  key.id = std::move(kid);
  key.secret.resize(kMinSecretBytes);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.secret.data()),
                 static_cast<int>(key.secret.size())) != 1) {
    std::fputs("chibo::auth::GenerateKey: RAND_bytes failed\n", stderr);
    std::abort();
  }
  return key;
}

absl::StatusOr<KeySet> LoadKeySetFromFile(const std::string& path) {
  const std::string context = absl::StrCat("key file ", Quote(path));
  ASSIGN_OR_RETURN(const std::string content, ReadSmallFile(path, context));

  internal::KeyFile file;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // A typo must not go unnoticed.
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(content, &file, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        context, ": not a valid key file (", parsed.message().as_string(),
        "); expected {\"keys\":[{\"kid\":...,\"secret\":...,\"signing\":"
        "true}]}"));
  }
  if (file.keys().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": has no keys"));
  }
  std::vector<Key> keys;
  for (const internal::KeyEntry& entry : file.keys()) {
    absl::StatusOr<std::string> secret =
        DecodeSecret(entry.kid(), entry.secret());
    if (!secret.ok()) return Annotate(secret.status(), context);
    keys.push_back(Key{entry.kid(), *std::move(secret), entry.signing()});
  }
  absl::StatusOr<KeySet> set = KeySet::Create(std::move(keys));
  if (!set.ok()) return Annotate(set.status(), context);
  return set;
}

absl::StatusOr<KeySet> LoadKeySetFromDirectory(const std::string& dir) {
  const std::string context = absl::StrCat("key directory ", Quote(dir));
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    return absl::NotFoundError(absl::StrCat(context, ": does not exist"));
  }
  if (!fs::is_directory(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": is not a directory"));
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    // Kubernetes Secret volumes hold "..data" and "..<timestamp>" entries.
    if (absl::StartsWith(name, ".")) continue;
    // Follows symlinks, which is how a Secret volume presents its keys.
    if (!fs::is_regular_file(it->path(), ec)) continue;
    names.push_back(std::move(name));
  }
  if (ec) {
    return absl::ErrnoToStatus(ec.value(),
                               absl::StrCat(context, ": cannot list"));
  }
  std::sort(names.begin(), names.end());

  std::string signing_kid;
  bool signing_kid_named = false;
  std::vector<Key> keys;
  for (const std::string& name : names) {
    const std::string path = (fs::path(dir) / name).string();
    ASSIGN_OR_RETURN(
        const std::string content,
        ReadSmallFile(path, absl::StrCat(context, ": file ", Quote(name))));
    const absl::string_view value = absl::StripAsciiWhitespace(content);
    if (name == kSigningKidFile) {
      signing_kid = std::string(value);
      signing_kid_named = true;
      continue;
    }
    absl::Status kid_ok = ValidateKeyId(name);
    if (!kid_ok.ok()) {
      return Annotate(kid_ok,
                      absl::StrCat(context, ": file name ", Quote(name)));
    }
    absl::StatusOr<std::string> secret = DecodeSecret(name, value);
    if (!secret.ok()) return Annotate(secret.status(), context);
    keys.push_back(Key{name, *std::move(secret), false});
  }
  if (keys.empty()) {
    return absl::NotFoundError(absl::StrCat(context, ": holds no key files"));
  }
  if (!signing_kid_named) signing_kid = keys.back().id;  // Sorted by name.
  bool found = false;
  for (Key& key : keys) {
    if (key.id == signing_kid) key.signing = found = true;
  }
  if (!found) {
    return absl::InvalidArgumentError(
        absl::StrCat(context, ": file ", kSigningKidFile, " names key ",
                     Quote(signing_kid), ", which is not in the directory"));
  }
  absl::StatusOr<KeySet> set = KeySet::Create(std::move(keys));
  if (!set.ok()) return Annotate(set.status(), context);
  return set;
}

std::string KeySetToJson(const KeySet& keys) {
  internal::KeyFile file;
  for (const Key& key : keys.keys()) {
    internal::KeyEntry* entry = file.add_keys();
    entry->set_kid(key.id);
    entry->set_secret(absl::WebSafeBase64Escape(key.secret));
    entry->set_signing(key.signing);
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  // Printing a message without Any fields cannot fail.
  (void)google::protobuf::util::MessageToJsonString(file, &json, options);
  return json;
}

absl::Status WriteKeySetToFile(const KeySet& keys, const std::string& path) {
  const std::string json = KeySetToJson(keys);
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = mkstemp(tmp.data());  // Created with mode 0600.
  if (fd < 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot create a temporary file beside ", path));
  }
  auto fail = [&](absl::string_view what) {
    const int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return absl::ErrnoToStatus(err, absl::StrCat("cannot ", what, " ", tmp));
  };
  if (fchmod(fd, S_IRUSR | S_IWUSR) != 0) return fail("chmod");
  size_t written = 0;
  while (written < json.size()) {
    const ssize_t n = write(fd, json.data() + written, json.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail("sync");
  if (close(fd) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    return absl::ErrnoToStatus(err, absl::StrCat("cannot close ", tmp));
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    return absl::ErrnoToStatus(
        err, absl::StrCat("cannot rename ", tmp, " to ", path));
  }
  // Best effort: make the rename itself durable.
  const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return absl::OkStatus();
}

}  // namespace chibo::auth
