#include "common/migrations.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

using ::testing::ElementsAre;

TEST(SplitSqlStatements, SplitsOnLineEndingSemicolonsAndDropsComments) {
  EXPECT_THAT(
      SplitSqlStatements("-- header\nCREATE TABLE a (\n x INT\n);\n\n"
                         "INSERT INTO a VALUES (1);\n"),
      ElementsAre("CREATE TABLE a (\n x INT\n)", "INSERT INTO a VALUES (1)"));
}

TEST(SplitSqlStatements, KeepsATrailingStatementWithoutSemicolon) {
  EXPECT_THAT(SplitSqlStatements("SELECT 1"), ElementsAre("SELECT 1"));
}

TEST(CommonMigrations, AreEmbeddedInOrder) {
  const auto& migrations = CommonMigrations();
  ASSERT_GE(migrations.size(), 2u);
  EXPECT_EQ(migrations[0].id, "common/0001_outbox");
  for (size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_LT(migrations[i - 1].id, migrations[i].id);
  }
}

}  // namespace
}  // namespace chibo
