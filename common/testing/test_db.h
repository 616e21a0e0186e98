#ifndef CHIBO_COMMON_TESTING_TEST_DB_H_
#define CHIBO_COMMON_TESTING_TEST_DB_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/migrations.h"
#include "common/mysql_pool.h"
#include "common/rpc.h"

namespace chibo::testing {

// A fresh schema with migrations applied, on the MariaDB that
// scripts/test.sh starts (CHIBO_TEST_DB_SOCKET). Dropped on destruction.
// There is no fallback and no skip: without that database the test fails,
// so CI can never pass by testing nothing.
class TestDatabase {
 public:
  // With `apply_migrations` false the schema is left empty, for a server
  // binary that migrates it itself.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create(
      const std::vector<Migration>& migrations, bool apply_migrations = true);
  ~TestDatabase();

  const std::string& schema() const { return schema_; }
  const MysqlOptions& options() const { return options_; }
  MysqlPool& pool() { return *pool_; }

  // Runs one query outside any service code (counting rows, etc.), with
  // `params` bound to its ? placeholders as strings.
  absl::StatusOr<int64_t> QueryInt(const std::string& sql_text,
                                   const std::vector<std::string>& params = {});
  // Runs one statement without parameters (a test's own CREATE TABLE).
  absl::Status Execute(const std::string& sql_text);

 private:
  TestDatabase() = default;
  std::string schema_;
  MysqlOptions options_;
  std::unique_ptr<MysqlPool> pool_;
};

// The database options for a test: the socket scripts/test.sh exported.
absl::StatusOr<MysqlOptions> TestServerOptions();

// A call context for store tests: an admin with a generous deadline.
CallContext TestCall(const std::string& method = "test");

}  // namespace chibo::testing

#endif  // CHIBO_COMMON_TESTING_TEST_DB_H_
