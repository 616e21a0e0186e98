// chibo-admin: key and token administration for chibo's bearer tokens.
//
//   chibo-admin keygen --out FILE [--kid ID] [--if_missing]
//   chibo-admin token --keys FILE|DIR --subject S --role R --scope SCOPE
//                     [--ttl 8h] [--on_behalf_of X]
//   chibo-admin verify --keys FILE|DIR TOKEN|-
//
// Exit status: 0 success, 1 failure (I/O, rejected token), 2 bad usage.

#include <openssl/rand.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/jwt.h"
#include "common/auth/key_set.h"
#include "common/auth/role.h"

namespace chibo::auth {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr absl::string_view kDefaultTtl = "8h";
constexpr absl::Duration kMaxTtl = absl::Hours(24 * 366);

constexpr absl::string_view kUsage =
    R"(usage:
  chibo-admin keygen --out FILE [--kid ID] [--if_missing]
      Writes a key file (mode 0600) holding a new 32-byte signing key. If FILE
      exists, the new key is added as the signing key and the older keys are
      kept for verification only (rotation); with --if_missing an existing
      FILE is left untouched. The new kid is printed on stdout.
  chibo-admin token --keys FILE|DIR --subject S --role ROLE
                    --scope organizations/ID|* [--ttl 8h] [--on_behalf_of X]
      Prints a signed token, alone, on stdout. ROLE is one of system_admin,
      committee_office, cell_secretary, cadre, integration, viewer, service.
  chibo-admin verify --keys FILE|DIR TOKEN
      Prints the token's claims as JSON, or the reason it is refused (exit 1).
      TOKEN "-" reads the token from stdin.
--keys takes a key file or a directory of key files (a mounted Secret).
Exit status: 0 ok, 1 failure, 2 bad usage.
)";

// Flags of one subcommand: "--name value", "--name=value", boolean
// "--name"; "--" ends the flags.
struct Args {
  std::map<std::string, std::string> flags;
  std::vector<std::string> positional;

  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  std::string Get(const std::string& name,
                  absl::string_view fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? std::string(fallback) : it->second;
  }
};

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& argv,
                               const std::set<std::string>& value_flags,
                               const std::set<std::string>& bool_flags) {
  Args args;
  for (size_t i = 0; i < argv.size(); ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") {
      args.positional.insert(args.positional.end(), argv.begin() + i + 1,
                             argv.end());
      break;
    }
    if (!absl::ConsumePrefix(&arg, "--")) {
      args.positional.push_back(argv[i]);
      continue;
    }
    std::string name;
    std::string value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
      has_value = true;
    } else {
      name = std::string(arg);
    }
    if (args.Has(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " given more than once"));
    }
    if (bool_flags.count(name) > 0) {
      if (has_value && value != "true" && value != "false") {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " takes no value (or =true/=false)"));
      }
      if (!has_value || value == "true") args.flags[name] = "true";
      continue;
    }
    if (value_flags.count(name) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (!has_value) {
      if (i + 1 >= argv.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
      value = argv[++i];
    }
    args.flags[name] = value;
  }
  return args;
}

absl::Status RequireFlags(const Args& args,
                          const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (args.Get(name).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " is required"));
    }
  }
  return absl::OkStatus();
}

int UsageError(absl::string_view message) {
  std::cerr << "chibo-admin: " << message << "\n"
            << "run 'chibo-admin --help' for usage\n";
  return kExitUsage;
}

int Failure(absl::string_view message) {
  std::cerr << "chibo-admin: " << message << "\n";
  return kExitFailure;
}

absl::StatusOr<KeySet> LoadKeys(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return LoadKeySetFromDirectory(path);
  }
  return LoadKeySetFromFile(path);
}

// "key-20240131T101500Z-3fa9": sorts by creation time, which is what
// LoadKeySetFromDirectory's default signing-key rule expects.
std::string DefaultKeyId() {
  unsigned char suffix[2];
  if (RAND_bytes(suffix, sizeof(suffix)) != 1) {
    suffix[0] = suffix[1] = 0;  // Only a uniquifier; not secret.
  }
  return absl::StrCat(
      "key-",
      absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(), absl::UTCTimeZone()), "-",
      absl::BytesToHexString(absl::string_view(
          reinterpret_cast<const char*>(suffix), sizeof(suffix))));
}

int Keygen(const std::vector<std::string>& argv) {
  absl::StatusOr<Args> args = ParseArgs(argv, {"out", "kid"}, {"if_missing"});
  if (!args.ok()) return UsageError(args.status().message());
  if (absl::Status s = RequireFlags(*args, {"out"}); !s.ok()) {
    return UsageError(s.message());
  }
  if (!args->positional.empty()) {
    return UsageError(
        absl::StrCat("unexpected argument \"", args->positional.front(), "\""));
  }
  const std::string out = args->Get("out");
  const std::string kid = args->Has("kid") ? args->Get("kid") : DefaultKeyId();
  if (absl::Status s = ValidateKeyId(kid); !s.ok()) {
    return UsageError(s.message());
  }

  struct stat st;
  const bool exists = stat(out.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) {
    return Failure(absl::StrCat("cannot stat ", out, ": ", strerror(errno)));
  }
  KeySet keys;
  if (exists) {
    if (args->Has("if_missing")) {
      std::cerr << "chibo-admin: " << out
                << " exists; left untouched (--if_missing)\n";
      return kExitOk;
    }
    absl::StatusOr<KeySet> loaded = LoadKeySetFromFile(out);
    if (!loaded.ok()) return Failure(loaded.status().ToString());
    keys = *std::move(loaded);
  }
  if (absl::Status s = keys.Rotate(GenerateKey(kid)); !s.ok()) {
    return Failure(absl::StrCat(out, ": ", s.message()));
  }
  if (absl::Status s = WriteKeySetToFile(keys, out); !s.ok()) {
    return Failure(s.ToString());
  }
  std::cerr << "chibo-admin: " << out << ": signing key is now \"" << kid
            << "\" (" << keys.size() << " key" << (keys.size() == 1 ? "" : "s")
            << " in file)\n";
  std::cout << kid << "\n";
  return kExitOk;
}

int Token(const std::vector<std::string>& argv) {
  absl::StatusOr<Args> args = ParseArgs(
      argv, {"keys", "subject", "role", "scope", "ttl", "on_behalf_of"}, {});
  if (!args.ok()) return UsageError(args.status().message());
  if (absl::Status s =
          RequireFlags(*args, {"keys", "subject", "role", "scope"});
      !s.ok()) {
    return UsageError(s.message());
  }
  if (!args->positional.empty()) {
    return UsageError(
        absl::StrCat("unexpected argument \"", args->positional.front(), "\""));
  }
  absl::StatusOr<Role> role = ParseRole(args->Get("role"));
  if (!role.ok()) return UsageError(role.status().message());
  if (absl::Status s = ValidateScope(*role, args->Get("scope")); !s.ok()) {
    return UsageError(s.message());
  }
  absl::Duration ttl;
  const std::string ttl_text = args->Get("ttl", kDefaultTtl);
  if (!absl::ParseDuration(ttl_text, &ttl)) {
    return UsageError(absl::StrCat("--ttl \"", ttl_text,
                                   "\" is not a duration like 8h or 90m"));
  }
  if (ttl < absl::Seconds(1) || ttl > kMaxTtl) {
    return UsageError(absl::StrCat("--ttl must be between 1s and ",
                                   absl::FormatDuration(kMaxTtl)));
  }

  absl::StatusOr<KeySet> keys = LoadKeys(args->Get("keys"));
  if (!keys.ok()) return Failure(keys.status().ToString());

  Claims claims;
  claims.subject = args->Get("subject");
  claims.role = std::string(RoleName(*role));
  claims.scope = args->Get("scope");
  claims.on_behalf_of = args->Get("on_behalf_of");
  claims.issued_at = absl::ToUnixSeconds(absl::Now());
  claims.expires_at = claims.issued_at +
                      absl::ToInt64Seconds(absl::Trunc(ttl, absl::Seconds(1)));
  absl::StatusOr<std::string> token = SignJwt(claims, *keys);
  if (!token.ok()) return Failure(token.status().ToString());
  std::cout << *token << "\n";
  return kExitOk;
}

int Verify(const std::vector<std::string>& argv) {
  absl::StatusOr<Args> args = ParseArgs(argv, {"keys"}, {});
  if (!args.ok()) return UsageError(args.status().message());
  if (absl::Status s = RequireFlags(*args, {"keys"}); !s.ok()) {
    return UsageError(s.message());
  }
  if (args->positional.size() != 1) {
    return UsageError("verify takes exactly one TOKEN (or - for stdin)");
  }
  std::string token = args->positional.front();
  if (token == "-") {
    token.assign(std::istreambuf_iterator<char>(std::cin),
                 std::istreambuf_iterator<char>());
  }
  absl::StripAsciiWhitespace(&token);

  absl::StatusOr<KeySet> keys = LoadKeys(args->Get("keys"));
  if (!keys.ok()) return Failure(keys.status().ToString());
  absl::StatusOr<Claims> claims = VerifyJwt(token, *keys, absl::Now());
  if (!claims.ok()) {
    return Failure(absl::StrCat("token rejected: ", claims.status().message()));
  }
  std::cout << ClaimsToJson(*claims) << "\n";
  return kExitOk;
}

int Main(int argc, char** argv) {
  if (argc < 2) return UsageError("missing subcommand");
  const std::string command = argv[1];
  const std::vector<std::string> rest(argv + 2, argv + argc);
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (command == "keygen") return Keygen(rest);
  if (command == "token") return Token(rest);
  if (command == "verify") return Verify(rest);
  return UsageError(absl::StrCat("unknown subcommand \"", command,
                                 "\"; expected keygen, token or verify"));
}

}  // namespace
}  // namespace chibo::auth

int main(int argc, char** argv) { return chibo::auth::Main(argc, argv); }
