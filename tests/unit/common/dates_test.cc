#include "common/dates.h"

#include "gtest/gtest.h"

namespace chibo {
namespace {

TEST(ParseDate, AcceptsRealDates) {
  auto day = ParseDate("2024-02-29", "d");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(FormatDate(*day), "2024-02-29");
}

TEST(ParseDate, RejectsImpossibleAndMalformedDates) {
  for (const char* bad : {"2023-02-29", "2023-13-01", "2023-1-01", "20230101",
                          "", "abcd-ef-gh", "1800-01-01", "2023-04-31"}) {
    auto day = ParseDate(bad, "valid_from");
    EXPECT_EQ(day.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(day.status().message().find("valid_from"), std::string::npos);
  }
}

TEST(ParseDateOr, EmptyGivesFallback) {
  auto day = ParseDateOr("", "d", absl::CivilDay(2025, 7, 1));
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(*day, absl::CivilDay(2025, 7, 1));
}

TEST(VietnamTimeZone, IsUtcPlusSeven) {
  const absl::Time noon_utc = absl::FromCivil(
      absl::CivilSecond(2025, 12, 31, 20, 0, 0), absl::UTCTimeZone());
  EXPECT_EQ(absl::ToCivilDay(noon_utc, VietnamTimeZone()),
            absl::CivilDay(2026, 1, 1));
}

}  // namespace
}  // namespace chibo
