#include "common/auth/key_set.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chibo::auth {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string Secret(char fill, size_t size = 32) {
  return std::string(size, fill);
}

std::string B64(absl::string_view s) { return absl::WebSafeBase64Escape(s); }

class KeySetFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::path(::testing::TempDir()) / "keyset-XXXXXX");
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, absl::string_view content) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  fs::path dir_;
};

TEST(KeySetTest, CreateAndFind) {
  absl::StatusOr<KeySet> keys = KeySet::Create(
      {Key{"a", Secret('a'), false}, Key{"b", Secret('b', 64), true}});
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 2u);
  ASSERT_NE(keys->Find("a"), nullptr);
  EXPECT_EQ(keys->Find("a")->secret, Secret('a'));
  EXPECT_EQ(keys->Find("c"), nullptr);
  absl::StatusOr<const Key*> signing = keys->SigningKey();
  ASSERT_TRUE(signing.ok());
  EXPECT_EQ((*signing)->id, "b");
}

TEST(KeySetTest, VerifyOnlySetHasNoSigningKey) {
  absl::StatusOr<KeySet> keys = KeySet::Create({Key{"a", Secret('a'), false}});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->SigningKey().status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(KeySet().SigningKey().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(KeySetTest, CreateRejectsBadKeys) {
  struct Case {
    std::vector<Key> keys;
    absl::string_view message;
  };
  const Case cases[] = {
      {{Key{"a", Secret('a', 31), true}},
       "secret of key \"a\" is 31 bytes; at least 32 are required"},
      {{Key{"a", "", true}}, "is 0 bytes"},
      {{Key{"a", Secret('a'), true}, Key{"a", Secret('b'), false}},
       "duplicate key id \"a\""},
      {{Key{"a", Secret('a'), true}, Key{"b", Secret('b'), true}},
       "keys \"a\" and \"b\" are both marked signing"},
      {{Key{"", Secret('a'), true}}, "key id is empty"},
      {{Key{"a/b", Secret('a'), true}}, "key id \"a/b\" must start"},
      {{Key{".hidden", Secret('a'), true}}, "must start with a letter"},
      {{Key{"a b", Secret('a'), true}}, "must start with a letter"},
      {{Key{std::string(129, 'k'), Secret('a'), true}},
       "is longer than 128 characters"},
  };
  for (const Case& test_case : cases) {
    absl::StatusOr<KeySet> keys = KeySet::Create(test_case.keys);
    ASSERT_FALSE(keys.ok()) << test_case.message;
    EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(keys.status().message(), HasSubstr(test_case.message));
  }
  EXPECT_TRUE(ValidateKeyId("key-20240101T000000Z-ab12").ok());
  EXPECT_TRUE(ValidateKeyId("dev_1.v2").ok());
}

TEST(KeySetTest, RotateMakesNewKeyTheOnlySigningKey) {
  absl::StatusOr<KeySet> keys = KeySet::Create({Key{"a", Secret('a'), true}});
  ASSERT_TRUE(keys.ok());
  ASSERT_TRUE(keys->Rotate(Key{"b", Secret('b'), false}).ok());
  ASSERT_TRUE(keys->Rotate(Key{"c", Secret('c'), false}).ok());
  EXPECT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys->SigningKey())->id, "c");
  EXPECT_FALSE(keys->Find("a")->signing);
  EXPECT_FALSE(keys->Find("b")->signing);

  // A failed rotation leaves the set as it was.
  EXPECT_FALSE(keys->Rotate(Key{"a", Secret('z'), false}).ok());
  EXPECT_FALSE(keys->Rotate(Key{"d", Secret('d', 8), false}).ok());
  EXPECT_EQ(keys->size(), 3u);
  EXPECT_EQ((*keys->SigningKey())->id, "c");
}

TEST(KeySetTest, GenerateKey) {
  const Key a = GenerateKey("a");
  const Key b = GenerateKey("b");
  EXPECT_EQ(a.id, "a");
  EXPECT_EQ(a.secret.size(), 32u);
  EXPECT_FALSE(a.signing);
  EXPECT_NE(a.secret, b.secret);
  EXPECT_NE(a.secret, std::string(32, '\0'));
}

TEST(KeySetTest, StrictWebSafeBase64Unescape) {
  std::string out = "junk";
  EXPECT_TRUE(StrictWebSafeBase64Unescape("", &out));
  EXPECT_EQ(out, "");
  EXPECT_TRUE(StrictWebSafeBase64Unescape("QQ", &out));
  EXPECT_EQ(out, "A");
  EXPECT_TRUE(StrictWebSafeBase64Unescape("-_8", &out));
  EXPECT_EQ(out, "\xfb\xff");
  for (absl::string_view bad :
       {"QQ==", "QR", "Q", "QUJD=", "+/8", "QU JD", "QUJD\n", "QUJ*"}) {
    out = "junk";
    EXPECT_FALSE(StrictWebSafeBase64Unescape(bad, &out)) << bad;
    EXPECT_EQ(out, "") << bad;
  }
}

TEST_F(KeySetFilesTest, LoadsKeyFile) {
  const std::string path = Write(
      "keys.json",
      absl::StrCat(R"({"keys":[{"kid":"old","secret":")", B64(Secret('o')),
                   R"(","signing":false},{"kid":"new","secret":")",
                   B64(Secret('n', 48)), R"(","signing":true}]})"));
  absl::StatusOr<KeySet> keys = LoadKeySetFromFile(path);
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ(keys->Find("old")->secret, Secret('o'));
  EXPECT_EQ(keys->Find("new")->secret, Secret('n', 48));
  EXPECT_EQ((*keys->SigningKey())->id, "new");
}

TEST_F(KeySetFilesTest, KeyFileErrorsNameThePath) {
  const std::string good = B64(Secret('g'));
  struct Case {
    std::string content;
    absl::string_view message;
  };
  const Case cases[] = {
      {"", "not a valid key file"},
      {"not json", "not a valid key file"},
      {R"([{"kid":"a"}])", "not a valid key file"},
      {R"({"keys":[{"kid":"a","secret":")" + good + R"(","signng":true}]})",
       "not a valid key file"},
      {R"({"keys":[]})", "has no keys"},
      {"{}", "has no keys"},
      {R"({"keys":[{"kid":"a","secret":"not base64!","signing":true}]})",
       "secret of key \"a\" is not base64url"},
      {R"({"keys":[{"kid":"a","secret":")" + good + R"(=","signing":true}]})",
       "secret of key \"a\" is not base64url"},
      {R"({"keys":[{"kid":"a","secret":")" + B64(Secret('s', 16)) +
           R"(","signing":true}]})",
       "secret of key \"a\" is 16 bytes; at least 32 are required"},
      {R"({"keys":[{"kid":"a","secret":")" + good +
           R"(","signing":true},{"kid":"a","secret":")" + good + R"("}]})",
       "duplicate key id \"a\""},
      {R"({"keys":[{"kid":"a","secret":")" + good +
           R"(","signing":true},{"kid":"b","secret":")" + good +
           R"(","signing":true}]})",
       "both marked signing"},
      {R"({"keys":[{"secret":")" + good + R"("}]})", "key id is empty"},
  };
  for (const Case& test_case : cases) {
    const std::string path = Write("keys.json", test_case.content);
    absl::StatusOr<KeySet> keys = LoadKeySetFromFile(path);
    ASSERT_FALSE(keys.ok()) << test_case.content;
    EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument)
        << keys.status();
    EXPECT_THAT(keys.status().message(),
                HasSubstr(absl::StrCat("key file \"", path, "\"")));
    EXPECT_THAT(keys.status().message(), HasSubstr(test_case.message))
        << test_case.content;
  }
}

TEST_F(KeySetFilesTest, MissingKeyFileIsNotFound) {
  const std::string path = (dir_ / "absent.json").string();
  absl::StatusOr<KeySet> keys = LoadKeySetFromFile(path);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(keys.status().message(), HasSubstr(path));
}

TEST_F(KeySetFilesTest, DirectoryIsNotAKeyFile) {
  absl::StatusOr<KeySet> keys = LoadKeySetFromFile(dir_.string());
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(keys.status().message(), HasSubstr("is not a regular file"));
}

TEST_F(KeySetFilesTest, WriteAndReadBack) {
  absl::StatusOr<KeySet> keys =
      KeySet::Create({Key{"a", Secret('a'), false}, GenerateKey("b")});
  ASSERT_TRUE(keys.ok());
  ASSERT_TRUE(keys->Rotate(GenerateKey("c")).ok());
  const std::string path = Write("keys.json", "old content, world-readable");
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);

  ASSERT_TRUE(WriteKeySetToFile(*keys, path).ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  absl::StatusOr<KeySet> loaded = LoadKeySetFromFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->size(), 3u);
  for (const Key& key : keys->keys()) {
    const Key* read = loaded->Find(key.id);
    ASSERT_NE(read, nullptr) << key.id;
    EXPECT_EQ(read->secret, key.secret);
    EXPECT_EQ(read->signing, key.signing);
  }
  // No temporary files are left behind.
  EXPECT_EQ(
      std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(KeySetFilesTest, WriteIntoMissingDirectoryFails) {
  absl::StatusOr<KeySet> keys = KeySet::Create({GenerateKey("a")});
  ASSERT_TRUE(keys.ok());
  EXPECT_FALSE(
      WriteKeySetToFile(*keys, (dir_ / "no" / "such" / "k.json").string())
          .ok());
}

TEST(KeySetTest, KeySetToJson) {
  absl::StatusOr<KeySet> keys = KeySet::Create(
      {Key{"a", Secret('a'), false}, Key{"b", Secret('b'), true}});
  ASSERT_TRUE(keys.ok());
  const std::string json = KeySetToJson(*keys);
  EXPECT_THAT(
      json, HasSubstr(absl::StrCat("\"secret\": \"", B64(Secret('a')), "\"")));
  EXPECT_THAT(json, HasSubstr("\"signing\": false"));
  EXPECT_THAT(json, HasSubstr("\"signing\": true"));
  EXPECT_THAT(json, HasSubstr("\"kid\": \"b\""));
}

TEST_F(KeySetFilesTest, LoadsDirectoryLastKidSigns) {
  Write("k1", B64(Secret('1')) + "\n");
  Write("k2", "  " + B64(Secret('2')) + "\r\n");
  Write(".hidden", "ignored");
  Write("subdir/k3", B64(Secret('3')));
  absl::StatusOr<KeySet> keys = LoadKeySetFromDirectory(dir_.string());
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ(keys->Find("k1")->secret, Secret('1'));
  EXPECT_EQ(keys->Find("k2")->secret, Secret('2'));
  EXPECT_EQ((*keys->SigningKey())->id, "k2");
}

TEST_F(KeySetFilesTest, LoadsDirectorySigningKidFile) {
  Write("k1", B64(Secret('1')));
  Write("k2", B64(Secret('2')));
  Write("signing-kid", "k1\n");
  absl::StatusOr<KeySet> keys = LoadKeySetFromDirectory(dir_.string());
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys->SigningKey())->id, "k1");
  EXPECT_EQ(keys->Find("signing-kid"), nullptr);
}

TEST_F(KeySetFilesTest, LoadsKubernetesSecretVolumeLayout) {
  // What the kubelet mounts: real files in a timestamped directory, a
  // "..data" symlink to it, and one symlink per key through "..data".
  Write("..2024_01_01_00_00_00.123/dev-1", B64(Secret('1')));
  Write("..2024_01_01_00_00_00.123/dev-2", B64(Secret('2')));
  Write("..2024_01_01_00_00_00.123/signing-kid", "dev-1");
  fs::create_directory_symlink("..2024_01_01_00_00_00.123", dir_ / "..data");
  for (const char* name : {"dev-1", "dev-2", "signing-kid"}) {
    fs::create_symlink(fs::path("..data") / name, dir_ / name);
  }
  absl::StatusOr<KeySet> keys = LoadKeySetFromDirectory(dir_.string());
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys->SigningKey())->id, "dev-1");
}

TEST_F(KeySetFilesTest, DirectoryErrors) {
  const std::string dir = dir_.string();
  absl::StatusOr<KeySet> keys = LoadKeySetFromDirectory(dir);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(keys.status().message(), HasSubstr("holds no key files"));
  EXPECT_THAT(keys.status().message(), HasSubstr(dir));

  keys = LoadKeySetFromDirectory((dir_ / "absent").string());
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(keys.status().message(), HasSubstr("does not exist"));

  const std::string file = Write("k1", B64(Secret('1')));
  keys = LoadKeySetFromDirectory(file);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(keys.status().message(), HasSubstr("is not a directory"));

  Write("signing-kid", "k9");
  keys = LoadKeySetFromDirectory(dir);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(keys.status().message(),
              HasSubstr("signing-kid names key \"k9\""));

  fs::remove(dir_ / "signing-kid");
  Write("k2", B64(Secret('2', 31)));
  keys = LoadKeySetFromDirectory(dir);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(keys.status().message(), HasSubstr("\"k2\" is 31 bytes"));

  Write("k2", "%%%");
  keys = LoadKeySetFromDirectory(dir);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(keys.status().message(),
              HasSubstr("secret of key \"k2\" is not base64url"));

  fs::remove(dir_ / "k2");
  Write("bad name", B64(Secret('b')));
  keys = LoadKeySetFromDirectory(dir);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(keys.status().message(), HasSubstr("file name \"bad name\""));
}

}  // namespace
}  // namespace chibo::auth
