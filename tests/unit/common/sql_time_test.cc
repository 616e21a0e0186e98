#include "common/sql_time.h"

#include "gtest/gtest.h"

namespace chibo {
namespace {

TEST(SqlToTimestamp, ParsesDatetimeWithAndWithoutFraction) {
  auto t = SqlToTimestamp("2026-11-22 07:50:01.123456");
  EXPECT_EQ(t.seconds(), 1795333801);
  EXPECT_EQ(t.nanos(), 123456000);
  t = SqlToTimestamp("1970-01-01 00:00:10");
  EXPECT_EQ(t.seconds(), 10);
  EXPECT_EQ(t.nanos(), 0);
}

TEST(SqlToTimestamp, GarbageIsTheEpoch) {
  EXPECT_EQ(SqlToTimestamp("not a time").seconds(), 0);
  EXPECT_EQ(SqlToTimestamp("2026-11-22").seconds(), 0);
}

// The figures are what MariaDB answered for TO_DAYS('1970-01-01'),
// TO_DAYS('2025-03-01'), TO_DAYS('2000-02-29') and
// the minute expression of sql_time.h for '2025-03-01 07:30:00'.
TEST(FromSqlDays, IsTheDayToDaysGave) {
  EXPECT_EQ(FromSqlDays(719528), absl::CivilDay(1970, 1, 1));
  EXPECT_EQ(FromSqlDays(739676), absl::CivilDay(2025, 3, 1));
  EXPECT_EQ(FromSqlDays(730544), absl::CivilDay(2000, 2, 29));
}

TEST(FromSqlMinutes, IsTheMinuteTheExpressionGave) {
  EXPECT_EQ(FromSqlMinutes(1065133890), absl::CivilMinute(2025, 3, 1, 7, 30));
  EXPECT_EQ(FromSqlMinutes(int64_t{739676} * 1440),
            absl::CivilMinute(2025, 3, 1, 0, 0));
}

}  // namespace
}  // namespace chibo
