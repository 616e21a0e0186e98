#include "common/testing/test_db.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"

namespace chibo::testing {
namespace {

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

}  // namespace

absl::StatusOr<MysqlOptions> TestServerOptions() {
  const std::string socket = EnvOr("CHIBO_TEST_DB_SOCKET", "");
  if (socket.empty()) {
    return absl::FailedPreconditionError(
        "CHIBO_TEST_DB_SOCKET is not set: integration tests need the "
        "MariaDB that scripts/test.sh starts; run the tests through it");
  }
  MysqlOptions options;
  options.host = absl::StrCat("unix://", socket);
  options.user = EnvOr("CHIBO_TEST_DB_USER", "root");
  options.password = EnvOr("CHIBO_TEST_DB_PASSWORD", "");
  options.pool_size = 8;
  return options;
}

CallContext TestCall(const std::string& method) {
  CallContext call;
  call.caller = {"test:admin", "system_admin", "*", "", {}, {}};
  call.method = method;
  call.deadline = absl::Now() + absl::Seconds(30);
  return call;
}

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create(
    const std::vector<Migration>& migrations, bool apply_migrations) {
  static std::atomic<int> counter{0};
  ASSIGN_OR_RETURN(MysqlOptions admin, TestServerOptions());
  std::unique_ptr<TestDatabase> db(new TestDatabase());
  db->schema_ = absl::StrCat("chibo_test_", getpid(), "_", counter++);
  {
    MysqlPool pool(admin);
    // The schema name is generated above from digits only, never input.
    RETURN_IF_ERROR(WithConnection(
        pool, absl::Now() + absl::Seconds(30), "creating a test schema",
        TxMode::kRead, [&](DbConnection& c) {
          std::unique_ptr<sql::Statement> s(c.raw().createStatement());
          s->execute(absl::StrCat("DROP DATABASE IF EXISTS ", db->schema_));
          s->execute(absl::StrCat(
              "CREATE DATABASE ", db->schema_,
              " CHARACTER SET utf8mb4 COLLATE utf8mb4_vietnamese_ci"));
          return absl::OkStatus();
        }));
  }
  db->options_ = admin;
  db->options_.schema = db->schema_;
  db->pool_ = std::make_unique<MysqlPool>(db->options_);
  if (apply_migrations) {
    std::vector<Migration> all = CommonMigrations();
    all.insert(all.end(), migrations.begin(), migrations.end());
    RETURN_IF_ERROR(ApplyMigrations(*db->pool_, all));
  }
  return db;
}

TestDatabase::~TestDatabase() {
  pool_.reset();
  auto admin = TestServerOptions();
  if (!admin.ok()) return;
  MysqlPool pool(*admin);
  (void)WithConnection(
      pool, absl::Now() + absl::Seconds(30), "dropping a test schema",
      TxMode::kRead, [&](DbConnection& c) {
        std::unique_ptr<sql::Statement> s(c.raw().createStatement());
        s->execute(absl::StrCat("DROP DATABASE IF EXISTS ", schema_));
        return absl::OkStatus();
      });
}

absl::StatusOr<int64_t> TestDatabase::QueryInt(
    const std::string& sql_text, const std::vector<std::string>& params) {
  int64_t value = 0;
  RETURN_IF_ERROR(WithConnection(
      *pool_, absl::Now() + absl::Seconds(30), "test query", TxMode::kRead,
      [&](DbConnection& c) {
        sql::PreparedStatement& statement = c.Prepare(sql_text);
        for (size_t i = 0; i < params.size(); ++i) {
          statement.setString(static_cast<int>(i) + 1, params[i]);
        }
        std::unique_ptr<sql::ResultSet> rows(statement.executeQuery());
        if (rows->next()) value = rows->getInt64(1);
        return absl::OkStatus();
      }));
  return value;
}

absl::Status TestDatabase::Execute(const std::string& sql_text) {
  return WithConnection(
      *pool_, absl::Now() + absl::Seconds(30), "test statement", TxMode::kRead,
      [&](DbConnection& c) {
        std::unique_ptr<sql::Statement> statement(c.raw().createStatement());
        statement->execute(sql_text);
        return absl::OkStatus();
      });
}

}  // namespace chibo::testing
