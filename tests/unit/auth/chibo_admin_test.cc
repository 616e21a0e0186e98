// Runs the built chibo-admin binary: keygen -> token -> verify, rotation and
// usage errors. The binary's path comes from the CHIBO_ADMIN_BINARY compile
// definition.

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/auth/jwt.h"
#include "common/auth/key_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chibo::auth {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string ShellQuote(absl::string_view arg) {
  return absl::StrCat("'", absl::StrReplaceAll(arg, {{"'", "'\\''"}}), "'");
}

class ChiboAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = CHIBO_ADMIN_BINARY;
    ASSERT_TRUE(fs::exists(binary_)) << binary_;
    std::string templ = fs::path(::testing::TempDir()) / "chibo-admin-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    keys_ = (dir_ / "keys.json").string();
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  RunResult Run(std::initializer_list<std::string> args,
                const std::string& stdin_text = "") {
    const fs::path in = dir_ / "stdin", out = dir_ / "stdout",
                   err = dir_ / "stderr";
    std::ofstream(in) << stdin_text;
    std::string command = ShellQuote(binary_);
    for (const std::string& arg : args) {
      absl::StrAppend(&command, " ", ShellQuote(arg));
    }
    absl::StrAppend(&command, " <", ShellQuote(in.string()), " >",
                    ShellQuote(out.string()), " 2>", ShellQuote(err.string()));
    const int status = std::system(command.c_str());
    RunResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = ReadAll(out);
    result.err = ReadAll(err);
    return result;
  }

  // Mints a token and checks the stdout contract: the token alone on a line.
  std::string MintToken(const std::string& role = "cell_secretary",
                        const std::string& scope = "organizations/12") {
    RunResult r =
        Run({"token", "--keys", keys_, "--subject", "alice", "--role", role,
             "--scope", scope, "--ttl", "2h", "--on_behalf_of=users/bob"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
    return std::string(absl::StripSuffix(r.out, "\n"));
  }

  std::string binary_;
  fs::path dir_;
  std::string keys_;
};

TEST_F(ChiboAdminTest, KeygenTokenVerify) {
  RunResult r = Run({"keygen", "--out", keys_, "--kid", "dev-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "dev-1\n");
  struct stat st;
  ASSERT_EQ(stat(keys_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  absl::StatusOr<KeySet> keys = LoadKeySetFromFile(keys_);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ((*keys->SigningKey())->id, "dev-1");

  const std::string token = MintToken();
  absl::StatusOr<Claims> claims = VerifyJwt(token, *keys, absl::Now());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_EQ(claims->role, "cell_secretary");
  EXPECT_EQ(claims->scope, "organizations/12");
  EXPECT_EQ(claims->on_behalf_of, "users/bob");
  EXPECT_EQ(claims->expires_at - claims->issued_at, 2 * 3600);

  r = Run({"verify", "--keys", keys_, token});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("{\"kid\":\"dev-1\",\"sub\":\"alice\","
                                "\"role\":\"cell_secretary\","
                                "\"scope\":\"organizations/12\","
                                "\"obo\":\"users/bob\""));
  r = Run({"verify", "--keys=" + keys_, "-"}, token + "\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;

  std::string forged = token;
  forged[forged.size() - 10] = forged[forged.size() - 10] == 'A' ? 'B' : 'A';
  r = Run({"verify", "--keys", keys_, forged});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("token signature is invalid"));

  r = Run({"verify", "--keys", keys_, "a.b"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("token is malformed"));
}

TEST_F(ChiboAdminTest, KeygenRotatesAndIfMissingLeavesFileAlone) {
  ASSERT_EQ(Run({"keygen", "--out", keys_, "--kid", "k1"}).exit_code, 0);
  const std::string old_token = MintToken();

  RunResult r = Run({"keygen", "--out", keys_});  // Default kid.
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string new_kid(absl::StripSuffix(r.out, "\n"));
  EXPECT_THAT(new_kid, StartsWith("key-"));
  absl::StatusOr<KeySet> keys = LoadKeySetFromFile(keys_);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_FALSE(keys->Find("k1")->signing);
  EXPECT_EQ((*keys->SigningKey())->id, new_kid);

  // The old token still verifies; new tokens carry the new kid.
  r = Run({"verify", "--keys", keys_, old_token});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"kid\":\"k1\""));
  r = Run({"verify", "--keys", keys_, MintToken()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("\"kid\":\"", new_kid, "\"")));

  // A duplicate kid is refused and the file kept.
  const std::string before = ReadAll(keys_);
  r = Run({"keygen", "--out", keys_, "--kid", "k1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("duplicate key id \"k1\""));
  EXPECT_EQ(ReadAll(keys_), before);

  r = Run({"keygen", "--out", keys_, "--if_missing"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadAll(keys_), before);

  // --if_missing still creates a missing file.
  const std::string other = (dir_ / "other.json").string();
  EXPECT_EQ(Run({"keygen", "--out", other, "--if_missing"}).exit_code, 0);
  EXPECT_TRUE(LoadKeySetFromFile(other).ok());
}

TEST_F(ChiboAdminTest, TokenFromKeyDirectory) {
  const fs::path secret_dir = dir_ / "secret";
  fs::create_directory(secret_dir);
  const Key key = GenerateKey("mounted");
  std::ofstream(secret_dir / "mounted")
      << absl::WebSafeBase64Escape(key.secret);
  const RunResult r = Run({"token", "--keys", secret_dir.string(), "--subject",
                           "registry", "--role", "service", "--scope", "*"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<KeySet> keys = KeySet::Create({key});
  ASSERT_TRUE(keys.ok());
  absl::StatusOr<Claims> claims =
      VerifyJwt(absl::StripSuffix(r.out, "\n"), *keys, absl::Now());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->expires_at - claims->issued_at, 8 * 3600);  // Default.
}

TEST_F(ChiboAdminTest, BadUsageExitsTwo) {
  ASSERT_EQ(Run({"keygen", "--out", keys_}).exit_code, 0);
  struct Case {
    std::initializer_list<std::string> args;
    absl::string_view message;
  };
  const std::string k = keys_;
  const Case cases[] = {
      {{}, "missing subcommand"},
      {{"frobnicate"}, "unknown subcommand"},
      {{"keygen"}, "--out is required"},
      {{"keygen", "--out", k, "--kid", "bad/kid"}, "key id"},
      {{"keygen", "--out"}, "--out needs a value"},
      {{"token", "--keys", k, "--role", "viewer", "--scope", "organizations/1"},
       "--subject is required"},
      {{"token", "--keys", k, "--subject", "a", "--role", "king", "--scope",
        "organizations/1"},
       "unknown role \"king\""},
      {{"token", "--keys", k, "--subject", "a", "--role", "viewer", "--scope",
        "*"},
       "allowed only for system_admin and service"},
      {{"token", "--keys", k, "--subject", "a", "--role", "viewer", "--scope",
        "meetings/3"},
       "organizations/{id}"},
      {{"token", "--keys", k, "--subject", "a", "--role", "viewer", "--scope",
        "organizations/1", "--ttl", "soon"},
       "is not a duration"},
      {{"token", "--keys", k, "--subject", "a", "--role", "viewer", "--scope",
        "organizations/1", "--ttl", "-1h"},
       "--ttl must be between"},
      {{"token", "--keys", k, "--subject", "a", "--role", "viewer", "--scope",
        "organizations/1", "--colour", "red"},
       "unknown flag --colour"},
      {{"token", "--keys", k, "--keys", k}, "given more than once"},
      {{"verify", "--keys", k}, "exactly one TOKEN"},
      {{"verify", "--keys", k, "a", "b"}, "exactly one TOKEN"},
  };
  for (const Case& test_case : cases) {
    const RunResult r = Run(test_case.args);
    EXPECT_EQ(r.exit_code, 2) << test_case.message << "\n" << r.err;
    EXPECT_EQ(r.out, "") << test_case.message;
    EXPECT_THAT(r.err, HasSubstr(test_case.message));
  }
}

TEST_F(ChiboAdminTest, MissingKeyFileFails) {
  const RunResult r =
      Run({"token", "--keys", (dir_ / "absent.json").string(), "--subject", "a",
           "--role", "viewer", "--scope", "organizations/1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("absent.json"));
}

TEST_F(ChiboAdminTest, Help) {
  const RunResult r = Run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("chibo-admin keygen --out FILE"));
}

}  // namespace
}  // namespace chibo::auth
