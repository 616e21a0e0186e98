#include "common/sql_batch.h"

#include <string>

#include "gtest/gtest.h"

namespace chibo {
namespace {

int Placeholders(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '?';
  return n;
}

TEST(SqlBatchTest, LiteralsHoldTheirSizeOfRows) {
  constexpr const char* kInsert[] =
      CHIBO_SQL_BATCHES("INSERT INTO t (a, b) VALUES ", "(?, ?)", "");
  for (int i = 0; i < kSqlBatchSizeCount; ++i) {
    EXPECT_EQ(Placeholders(kInsert[i]), 2 * kSqlBatchSizes[i]) << i;
  }
  EXPECT_EQ(std::string(kInsert[1]),
            "INSERT INTO t (a, b) VALUES (?, ?),(?, ?)");
  constexpr const char* kIn[] =
      CHIBO_SQL_BATCHES("SELECT 1 WHERE x IN (", "?", ")");
  EXPECT_EQ(std::string(kIn[2]), "SELECT 1 WHERE x IN (?,?,?,?)");
}

TEST(SqlBatchTest, PlansCoverEveryRowOnceWithFewStatements) {
  for (int rows = 0; rows <= 1000; ++rows) {
    int next = 0;
    const std::vector<SqlBatch> plan = PlanSqlBatches(rows);
    for (const SqlBatch& batch : plan) {
      EXPECT_EQ(batch.begin, next);
      EXPECT_EQ(batch.count, kSqlBatchSizes[batch.size_index]);
      next += batch.count;
    }
    EXPECT_EQ(next, rows);
    EXPECT_LE(static_cast<int>(plan.size()), rows / kSqlMaxBatch + 7) << rows;
  }
  EXPECT_TRUE(PlanSqlBatches(0).empty());
  EXPECT_EQ(PlanSqlBatches(33).size(), 2u);  // 32 + 1
  EXPECT_EQ(PlanSqlBatches(256).size(), 2u);
}

}  // namespace
}  // namespace chibo
