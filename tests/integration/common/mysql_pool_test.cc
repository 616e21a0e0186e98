// common/mysql_pool.cc against the real test MariaDB: what a caller gets
// when the database refuses it, when the pool is exhausted, when a pooled
// connection dies, and when a write's body fails.

#include "common/mysql_pool.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/testing/test_db.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

using testing::TestDatabase;

class MysqlPoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetMinLogLevel(LogLevel::kError);
    auto db = TestDatabase::Create({});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    absl::Status created = WithConnection(
        db_->pool(), Soon(), "creating the probe table", TxMode::kRead,
        [](DbConnection& c) {
          std::unique_ptr<sql::Statement> s(c.raw().createStatement());
          s->execute(
              "CREATE TABLE pool_probe (id INT PRIMARY KEY,"
              " note VARCHAR(64) NOT NULL) ENGINE=InnoDB");
          return absl::OkStatus();
        });
    ASSERT_TRUE(created.ok()) << created;
  }
  static void TearDownTestSuite() { db_.reset(); }
  void SetUp() override { ASSERT_NE(db_, nullptr); }

  static absl::Time Soon() { return absl::Now() + absl::Seconds(10); }

  // The options of the test schema with a pool of `size`.
  static MysqlOptions Options(int size) {
    MysqlOptions options = db_->options();
    options.pool_size = size;
    return options;
  }

  // The server-side id of the connection `pool` hands out next.
  static absl::StatusOr<int64_t> ConnectionId(MysqlPool& pool) {
    int64_t id = 0;
    absl::Status status = WithConnection(
        pool, Soon(), "reading the connection id", TxMode::kRead,
        [&](DbConnection& c) {
          std::unique_ptr<sql::ResultSet> row(
              c.Prepare("SELECT CONNECTION_ID()").executeQuery());
          row->next();
          id = row->getInt64(1);
          return absl::OkStatus();
        });
    if (!status.ok()) return status;
    return id;
  }

  // Kills connection `id` from another connection and waits until the
  // server has let it go.
  static void Kill(int64_t id) {
    absl::Status killed = WithConnection(
        db_->pool(), Soon(), "killing a connection", TxMode::kRead,
        [&](DbConnection& c) {
          sql::PreparedStatement& kill = c.Prepare("KILL CONNECTION ?");
          kill.setInt64(1, id);
          kill.execute();
          return absl::OkStatus();
        });
    ASSERT_TRUE(killed.ok()) << killed;
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      auto left = db_->QueryInt(
          "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?",
          {absl::StrCat(id)});
      ASSERT_TRUE(left.ok()) << left.status();
      if (*left == 0) return;
      absl::SleepFor(absl::Milliseconds(20));
    }
    FAIL() << "connection " << id << " outlived KILL CONNECTION";
  }

  static int64_t Rows(int id) {
    auto count = db_->QueryInt("SELECT COUNT(*) FROM pool_probe WHERE id = ?",
                               {absl::StrCat(id)});
    EXPECT_TRUE(count.ok()) << count.status();
    return count.ok() ? *count : -1;
  }

  static void Insert(DbConnection& c, int id) {
    sql::PreparedStatement& insert =
        c.Prepare("INSERT INTO pool_probe (id, note) VALUES (?, ?)");
    insert.setInt(1, id);
    insert.setString(2, "Chi bộ Sở Tư pháp");
    insert.executeUpdate();
  }

  static std::unique_ptr<TestDatabase> db_;
};

std::unique_ptr<TestDatabase> MysqlPoolTest::db_;

void ExpectNoSecrets(const absl::Status& status) {
  for (const char* leak :
       {"s3cret-Pa55", "chibo_no_such_user", "Access denied", "using password",
        "SELECT", "INSERT", "pool_probe", "mysqld.sock"}) {
    EXPECT_FALSE(absl::StrContains(status.message(), leak))
        << status.message() << " leaks " << leak;
  }
}

TEST_F(MysqlPoolTest, BadCredentialsAreUnavailableAndNeverShowThePassword) {
  MysqlOptions unknown_user = Options(2);
  unknown_user.user = "chibo_no_such_user";
  unknown_user.password = "s3cret-Pa55word";
  MysqlOptions wrong_password = Options(2);
  wrong_password.password = "s3cret-Pa55word";
  for (const MysqlOptions& options : {unknown_user, wrong_password}) {
    MysqlPool pool(options);
    const absl::Time start = absl::Now();
    auto lease = pool.Acquire(Soon());
    ASSERT_FALSE(lease.ok());
    EXPECT_EQ(lease.status().code(), absl::StatusCode::kUnavailable)
        << lease.status();
    ExpectNoSecrets(lease.status());
    EXPECT_LT(absl::Now() - start, absl::Seconds(3));
    // The failed attempt does not hold a slot.
    EXPECT_EQ(pool.open_connections(), 0);

    bool ran = false;
    absl::Status status = WithConnection(pool, Soon(), "reading a member",
                                         TxMode::kRead, [&](DbConnection&) {
                                           ran = true;
                                           return absl::OkStatus();
                                         });
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_TRUE(absl::StrContains(status.message(), "database unavailable"))
        << status.message();
    ExpectNoSecrets(status);
    EXPECT_FALSE(ran);
  }
}

TEST_F(MysqlPoolTest, AnExhaustedPoolIsUnavailableAfterTheDeadline) {
  MysqlPool pool(Options(1));
  auto first = pool.Acquire(Soon());
  ASSERT_TRUE(first.ok()) << first.status();
  std::optional<MysqlPool::Lease> held(std::move(*first));

  const absl::Time start = absl::Now();
  auto second = pool.Acquire(start + absl::Milliseconds(300));
  const absl::Duration waited = absl::Now() - start;
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(second.status().message(), "busy"))
      << second.status();
  EXPECT_GE(waited, absl::Milliseconds(250));
  EXPECT_LT(waited, absl::Seconds(2));
  EXPECT_EQ(pool.open_connections(), 1);

  // WithConnection gives up the same way, without running its body.
  bool ran = false;
  absl::Status status =
      WithConnection(pool, absl::Now() + absl::Milliseconds(100),
                     "reading a member", TxMode::kRead, [&](DbConnection&) {
                       ran = true;
                       return absl::OkStatus();
                     });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_FALSE(ran);

  // A waiter gets the connection as soon as it is given back.
  std::thread releaser([&held] {
    absl::SleepFor(absl::Milliseconds(200));
    held.reset();
  });
  const absl::Time wait_start = absl::Now();
  auto third = pool.Acquire(Soon());
  const absl::Duration waited_for_release = absl::Now() - wait_start;
  releaser.join();
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_LT(waited_for_release, absl::Seconds(5));
  EXPECT_EQ(pool.open_connections(), 1);
}

TEST_F(MysqlPoolTest, AKilledIdleConnectionIsReplacedWhenValidated) {
  MysqlOptions options = Options(1);
  options.validate_after_idle = absl::ZeroDuration();
  MysqlPool pool(options);
  auto first = ConnectionId(pool);
  ASSERT_TRUE(first.ok()) << first.status();
  Kill(*first);
  // The ping before reuse finds it dead: the call runs on a new one.
  auto second = ConnectionId(pool);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(*second, *first);
  EXPECT_EQ(pool.open_connections(), 1);
}

TEST_F(MysqlPoolTest, AKilledConnectionIsDiscardedAndTheNextCallWorks) {
  MysqlOptions options = Options(1);
  options.validate_after_idle = absl::Hours(1);  // never pinged
  MysqlPool pool(options);
  auto first = ConnectionId(pool);
  ASSERT_TRUE(first.ok()) << first.status();
  Kill(*first);
  // The first use of the dead connection fails as UNAVAILABLE (or is
  // retried on a new one); it never surfaces as INTERNAL.
  auto during = ConnectionId(pool);
  if (!during.ok()) {
    EXPECT_EQ(during.status().code(), absl::StatusCode::kUnavailable)
        << during.status();
    ExpectNoSecrets(during.status());
  } else {
    EXPECT_NE(*during, *first);
  }
  auto after = ConnectionId(pool);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NE(*after, *first);
  EXPECT_EQ(pool.open_connections(), 1);
}

TEST_F(MysqlPoolTest, AConnectionKilledInsideAWriteLosesTheWrite) {
  MysqlPool pool(Options(1));
  auto id = ConnectionId(pool);
  ASSERT_TRUE(id.ok()) << id.status();
  absl::Status status =
      WithConnection(pool, Soon(), "creating a probe", TxMode::kWrite,
                     [&](DbConnection& c) -> absl::Status {
                       Insert(c, 101);
                       Kill(*id);
                       Insert(c, 102);  // on a dead connection: throws
                       return absl::OkStatus();
                     });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  ExpectNoSecrets(status);
  EXPECT_EQ(Rows(101), 0);
  EXPECT_EQ(Rows(102), 0);
  auto next = ConnectionId(pool);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_NE(*next, *id);
}

TEST_F(MysqlPoolTest, AWriteCommitsOnlyWhenItsBodySucceeds) {
  MysqlPool pool(Options(1));
  // The body refuses after writing: nothing stays.
  absl::Status refused = WithConnection(
      pool, Soon(), "creating a probe", TxMode::kWrite,
      [&](DbConnection& c) -> absl::Status {
        Insert(c, 1);
        return absl::FailedPreconditionError("probe: refused after writing");
      });
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(), "probe: refused after writing");
  EXPECT_EQ(Rows(1), 0);

  // A statement fails half way: the earlier insert goes too.
  absl::Status duplicate =
      WithConnection(pool, Soon(), "creating a probe", TxMode::kWrite,
                     [&](DbConnection& c) -> absl::Status {
                       Insert(c, 2);
                       Insert(c, 2);
                       return absl::OkStatus();
                     });
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists) << duplicate;
  EXPECT_TRUE(absl::StrContains(duplicate.message(), "creating a probe"));
  ExpectNoSecrets(duplicate);
  EXPECT_EQ(Rows(2), 0);

  // The same connection comes back clean: no transaction left open.
  auto in_transaction = [&]() {
    int64_t open = -1;
    absl::Status status = WithConnection(
        pool, Soon(), "probing", TxMode::kRead, [&](DbConnection& c) {
          std::unique_ptr<sql::ResultSet> row(
              c.Prepare("SELECT @@in_transaction").executeQuery());
          row->next();
          open = row->getInt64(1);
          return absl::OkStatus();
        });
    EXPECT_TRUE(status.ok()) << status;
    return open;
  };
  EXPECT_EQ(in_transaction(), 0);
  EXPECT_EQ(pool.open_connections(), 1);

  // An exception that is not the database's: INTERNAL, rolled back, and
  // the connection is not reused.
  auto before = ConnectionId(pool);
  ASSERT_TRUE(before.ok());
  absl::Status thrown = WithConnection(
      pool, Soon(), "creating a probe", TxMode::kWrite,
      [&](DbConnection& c) -> absl::Status {
        Insert(c, 3);
        throw std::runtime_error("SELECT secret FROM pool_probe");
      });
  EXPECT_EQ(thrown.code(), absl::StatusCode::kInternal) << thrown;
  ExpectNoSecrets(thrown);
  EXPECT_EQ(Rows(3), 0);
  auto after = ConnectionId(pool);
  ASSERT_TRUE(after.ok());
  EXPECT_NE(*after, *before);

  // And a body that succeeds commits.
  absl::Status committed =
      WithConnection(pool, Soon(), "creating a probe", TxMode::kWrite,
                     [&](DbConnection& c) -> absl::Status {
                       Insert(c, 4);
                       Insert(c, 5);
                       return absl::OkStatus();
                     });
  EXPECT_TRUE(committed.ok()) << committed;
  EXPECT_EQ(Rows(4), 1);
  EXPECT_EQ(Rows(5), 1);
  EXPECT_EQ(in_transaction(), 0);
}

}  // namespace
}  // namespace chibo
