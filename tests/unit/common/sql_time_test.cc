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

}  // namespace
}  // namespace chibo
