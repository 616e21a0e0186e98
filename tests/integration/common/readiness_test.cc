// The readiness check against the real MariaDB: ready once every migration
// the binary carries is recorded, not ready while one is missing or the
// database cannot be reached, and reporting on its own thread.

#include "common/readiness.h"

#include <atomic>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/testing/test_db.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

std::vector<std::string> Ids(const std::vector<Migration>& migrations) {
  std::vector<std::string> ids;
  for (const Migration& m : migrations) ids.push_back(m.id);
  return ids;
}

class ReadinessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetMinLogLevel(LogLevel::kError);
    auto db = testing::TestDatabase::Create({});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }
  std::unique_ptr<testing::TestDatabase> db_;
};

TEST_F(ReadinessTest, ReadyWhenEveryMigrationIsApplied) {
  std::atomic<int> ready{0}, not_ready{0};
  ReadinessOptions options;
  options.interval = absl::Milliseconds(50);
  ReadinessChecker checker(db_->options(), Ids(CommonMigrations()), {}, options,
                           [&](bool ok) { ++(ok ? ready : not_ready); });
  EXPECT_TRUE(checker.CheckOnce().ok());
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (ready == 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_GT(ready, 0);
  EXPECT_EQ(not_ready, 0);
}

TEST_F(ReadinessTest, NotReadyWhileAMigrationIsMissing) {
  std::vector<std::string> ids = Ids(CommonMigrations());
  ids.push_back("registry/9999_not_yet");
  ReadinessChecker checker(db_->options(), ids, {}, ReadinessOptions(),
                           [](bool) {});
  absl::Status status = checker.CheckOnce();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "registry/9999_not_yet"))
      << status;
}

TEST_F(ReadinessTest, NotReadyWithoutTheDatabase) {
  MysqlOptions nowhere = db_->options();
  nowhere.host = "unix:///nonexistent/mysqld.sock";
  ReadinessChecker checker(nowhere, Ids(CommonMigrations()), {},
                           ReadinessOptions(), [](bool) {});
  absl::Status status = checker.CheckOnce();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), "database: ")) << status;
}

}  // namespace
}  // namespace chibo
