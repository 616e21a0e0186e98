// IdempotentWrite (common/idempotency.h): one request_id writes once, a
// retry gets the stored answer, concurrent new keys never deadlock, and
// expired keys are pruned.

#include "common/idempotency.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <openssl/sha.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "chibo/feed/v1/feed.pb.h"
#include "common/migrations.h"
#include "common/mysql_pool.h"
#include "common/testing/test_db.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

using testing::TestDatabase;

class IdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = TestDatabase::Create({});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->Execute("CREATE TABLE things (id BIGINT AUTO_INCREMENT "
                             "PRIMARY KEY, label VARCHAR(64) NOT NULL) "
                             "ENGINE=InnoDB")
                    .ok());
  }

  // Creates a thing labelled `label`; the response names it.
  absl::Status CreateThing(const std::string& request_id,
                           const std::string& label, feed::v1::Change* out,
                           absl::Duration hold = absl::ZeroDuration(),
                           std::atomic<int>* writes = nullptr) {
    CallContext call = testing::TestCall("things/Create");
    call.request_id = request_id;
    feed::v1::ListChangesRequest request;
    request.set_subject(label);
    return IdempotentWrite(
        db_->pool(), call, "creating a thing", request, out,
        [&](DbConnection& db) -> absl::Status {
          if (writes != nullptr) ++*writes;
          sql::PreparedStatement& insert =
              db.Prepare("INSERT INTO things (label) VALUES (?)");
          insert.setString(1, label);
          insert.executeUpdate();
          std::unique_ptr<sql::ResultSet> id(
              db.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
          id->next();
          out->set_resource(absl::StrCat("things/", id->getInt64(1)));
          // Bytes a stored response must keep: a NUL and a high sequence.
          out->set_payload_json(std::string("a\0b", 3));
          out->set_sequence(int64_t{1} << 40);
          absl::SleepFor(hold);
          return absl::OkStatus();
        });
  }

  int64_t Things() { return *db_->QueryInt("SELECT COUNT(*) FROM things"); }

  std::unique_ptr<TestDatabase> db_;
};

TEST_F(IdempotencyTest, RetryReturnsTheStoredResponseAndWritesNothing) {
  feed::v1::Change first, second;
  ASSERT_TRUE(CreateThing("k-1", "a", &first).ok());
  ASSERT_TRUE(CreateThing("k-1", "a", &second).ok());
  EXPECT_EQ(first.resource(), second.resource());
  EXPECT_EQ(second.payload_json(), std::string("a\0b", 3));
  EXPECT_EQ(second.sequence(), int64_t{1} << 40);
  EXPECT_EQ(Things(), 1);
  feed::v1::Change other;
  absl::Status reused = CreateThing("k-1", "b", &other);
  EXPECT_EQ(reused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(reused.message().find("request_id"), std::string::npos);
  EXPECT_EQ(Things(), 1);
}

TEST_F(IdempotencyTest, RetryWhileTheFirstAttemptRunsWaitsForIt) {
  std::atomic<int> writes{0};
  constexpr int kCallers = 16;
  std::vector<feed::v1::Change> responses(kCallers);
  std::vector<absl::Status> statuses(kCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      statuses[i] = CreateThing("same-key", "a", &responses[i],
                                absl::Milliseconds(300), &writes);
    });
  }
  for (auto& caller : callers) caller.join();
  for (int i = 0; i < kCallers; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << statuses[i];
    EXPECT_EQ(responses[i].resource(), responses[0].resource());
  }
  // Every caller may have run the write, but only one committed it: the
  // others waited for its key, rolled back and returned its answer.
  EXPECT_EQ(Things(), 1);
  EXPECT_GE(writes.load(), 1);
}

TEST_F(IdempotencyTest, FailedWriteLeavesTheKeyFree) {
  CallContext call = testing::TestCall("things/Create");
  call.request_id = "k-fail";
  feed::v1::ListChangesRequest request;
  feed::v1::Change out;
  absl::Status failed = IdempotentWrite(
      db_->pool(), call, "creating a thing", request, &out,
      [](DbConnection&) { return absl::FailedPreconditionError("not now"); });
  EXPECT_EQ(failed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*db_->QueryInt("SELECT COUNT(*) FROM idempotency_keys"), 0);
}

// 16 threads, every call with a new key: random (UUIDv4-like) and
// time-ordered (UUIDv7/ULID-like, all landing in the same index gap).
TEST_F(IdempotencyTest, SixteenWritersWithNewKeysNeverAbort) {
  for (const bool time_ordered : {false, true}) {
    constexpr int kThreads = 16;
    constexpr int kEach = 40;
    std::atomic<int> failures{0};
    std::atomic<int64_t> clock{absl::ToUnixMicros(absl::Now())};
    std::mutex mu;
    std::string first_error;
    std::vector<std::thread> threads;
    const int64_t before = Things();
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 random(t * 7919 + (time_ordered ? 1 : 0));
        for (int i = 0; i < kEach; ++i) {
          const std::string key =
              time_ordered ? absl::StrFormat("%016x-%08x", clock.fetch_add(1),
                                             static_cast<uint32_t>(random()))
                           : absl::StrFormat("%016x%016x", random(), random());
          feed::v1::Change out;
          absl::Status status = CreateThing(key, key.substr(0, 20), &out);
          if (!status.ok()) {
            ++failures;
            std::lock_guard<std::mutex> lock(mu);
            if (first_error.empty()) first_error = status.ToString();
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0)
        << (time_ordered ? "time-ordered" : "random") << ": " << first_error;
    EXPECT_EQ(Things() - before, kThreads * kEach);
  }
}

TEST_F(IdempotencyTest, ExpiredKeysArePrunedInBatches) {
  for (int i = 0; i < 25; ++i) {
    feed::v1::Change out;
    ASSERT_TRUE(CreateThing(absl::StrCat("old-", i), "x", &out).ok());
  }
  ASSERT_TRUE(WithConnection(db_->pool(), absl::Now() + absl::Seconds(10),
                             "ageing keys", TxMode::kWrite,
                             [](DbConnection& db) {
                               std::unique_ptr<sql::Statement> age(
                                   db.raw().createStatement());
                               age->execute(
                                   "UPDATE idempotency_keys SET created_at = "
                                   "created_at - INTERVAL 8 DAY");
                               return absl::OkStatus();
                             })
                  .ok());
  feed::v1::Change fresh;
  ASSERT_TRUE(CreateThing("fresh", "y", &fresh).ok());
  auto pruned = PruneIdempotencyKeys(db_->pool(), absl::Hours(24 * 7), 10,
                                     absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(*pruned, 25);
  EXPECT_EQ(*db_->QueryInt("SELECT COUNT(*) FROM idempotency_keys"), 1);
  // A retry of a pruned key writes again; a kept one does not.
  feed::v1::Change again;
  ASSERT_TRUE(CreateThing("old-3", "x", &again).ok());
  ASSERT_TRUE(CreateThing("fresh", "y", &again).ok());
  EXPECT_EQ(again.resource(), fresh.resource());
  EXPECT_EQ(Things(), 27);
}

// Request ids are compared as bytes (0005: binary key): ids that differ
// only in case are two requests, as UUIDs and ULIDs mean them.
TEST_F(IdempotencyTest, KeysAreExactBytes) {
  feed::v1::Change lower, upper;
  ASSERT_TRUE(CreateThing("abc-key", "a", &lower).ok());
  ASSERT_TRUE(CreateThing("ABC-KEY", "a", &upper).ok());
  EXPECT_NE(lower.resource(), upper.resource());
  EXPECT_EQ(Things(), 2);
}

// A key stored before 0005_compact_idempotency_key.sql (old layout) is
// still found after it: a retry across the upgrade returns the stored
// answer. The migration's statements also run twice without harm.
TEST(IdempotencyUpgradeTest, KeysStoredBeforeTheCompactKeyStillAnswer) {
  auto created = TestDatabase::Create({}, /*apply_migrations=*/false);
  ASSERT_TRUE(created.ok()) << created.status();
  std::unique_ptr<TestDatabase> db = *std::move(created);
  std::vector<Migration> before, all = CommonMigrations();
  for (const Migration& m : all) {
    if (m.id < "common/0005") before.push_back(m);
  }
  ASSERT_LT(before.size(), all.size());
  ASSERT_TRUE(ApplyMigrations(db->pool(), before).ok());

  feed::v1::ListChangesRequest request;
  request.set_subject("a");
  std::string bytes;
  ASSERT_TRUE(request.SerializeToString(&bytes));
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  const std::string hash = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
  feed::v1::Change stored;
  stored.set_resource("things/99");
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  ASSERT_TRUE(
      WithConnection(db->pool(), deadline, "storing an old key", TxMode::kWrite,
                     [&](DbConnection& c) -> absl::Status {
                       sql::PreparedStatement& insert = c.Prepare(
                           "INSERT INTO idempotency_keys (request_id, method, "
                           "request_hash, response, created_at) VALUES (?, ?, "
                           "?, ?, UTC_TIMESTAMP(6))");
                       insert.setString(1, "old-key");
                       insert.setString(2, "things/Create");
                       insert.setString(3, hash);
                       insert.setString(4, stored.SerializeAsString());
                       insert.executeUpdate();
                       return absl::OkStatus();
                     })
          .ok());
  ASSERT_TRUE(ApplyMigrations(db->pool(), all).ok());
  // Rerun 0005 by hand: every statement is safe to repeat.
  for (const Migration& m : all) {
    if (m.id.find("0005_compact_idempotency_key") == std::string::npos) {
      continue;
    }
    for (const std::string& statement : SplitSqlStatements(m.sql)) {
      absl::Status rerun = WithConnection(
          db->pool(), deadline, "rerunning 0005", TxMode::kRead,
          [&](DbConnection& c) -> absl::Status {
            std::unique_ptr<sql::Statement> run(c.raw().createStatement());
            run->execute(statement);
            return absl::OkStatus();
          });
      EXPECT_TRUE(rerun.ok()) << statement << ": " << rerun;
    }
  }

  CallContext call = testing::TestCall("things/Create");
  call.request_id = "old-key";
  feed::v1::Change out;
  int writes = 0;
  absl::Status status =
      IdempotentWrite(db->pool(), call, "creating a thing", request, &out,
                      [&](DbConnection&) -> absl::Status {
                        ++writes;
                        out.set_resource("things/new");
                        return absl::OkStatus();
                      });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(out.resource(), "things/99");
  EXPECT_EQ(*db->QueryInt("SELECT COUNT(*) FROM idempotency_keys"), 1);
}

// A database that applied 0005's first, in-place text (MariaDB only) starts
// with the portable rewrite, which names that text's checksum; any other
// edit of an applied migration is still refused.
TEST(IdempotencyUpgradeTest,
     TheRewrittenMigrationAcceptsOnlyTheTextItReplaces) {
  auto created = TestDatabase::Create({});
  ASSERT_TRUE(created.ok()) << created.status();
  std::unique_ptr<TestDatabase> db = *std::move(created);
  auto recorded = [&](const std::string& checksum) {
    ASSERT_TRUE(WithConnection(db->pool(), absl::Now() + absl::Seconds(30),
                               "recording a checksum", TxMode::kWrite,
                               [&](DbConnection& c) -> absl::Status {
                                 sql::PreparedStatement& update = c.Prepare(
                                     "UPDATE schema_migrations SET checksum "
                                     "= ? WHERE id LIKE 'common/0005%'");
                                 update.setString(1, checksum);
                                 update.executeUpdate();
                                 return absl::OkStatus();
                               })
                    .ok());
  };
  recorded("361f87e415bc68e0");
  EXPECT_TRUE(ApplyMigrations(db->pool(), CommonMigrations()).ok());
  recorded("0123456789abcdef");
  absl::Status edited = ApplyMigrations(db->pool(), CommonMigrations());
  EXPECT_EQ(edited.code(), absl::StatusCode::kFailedPrecondition) << edited;
  EXPECT_TRUE(absl::StrContains(edited.message(), "was edited")) << edited;
}

}  // namespace
}  // namespace chibo
