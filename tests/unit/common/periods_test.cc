#include "common/periods.h"

#include "gtest/gtest.h"

namespace chibo {
namespace {

TEST(PlanPeriodChange, SameDayReplaces) {
  EXPECT_EQ(*PlanPeriodChange(absl::CivilDay(2025, 7, 1),
                              absl::CivilDay(2025, 7, 1), "d"),
            PeriodChange::kReplaceLatest);
}

TEST(PlanPeriodChange, LaterDayAppends) {
  EXPECT_EQ(*PlanPeriodChange(absl::CivilDay(2025, 7, 1),
                              absl::CivilDay(2025, 7, 2), "d"),
            PeriodChange::kCloseAndAppend);
}

TEST(PlanPeriodChange, EarlierDayIsRefused) {
  auto plan = PlanPeriodChange(absl::CivilDay(2025, 7, 1),
                               absl::CivilDay(2025, 6, 30), "effective_date");
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(plan.status().message().find("effective_date"), std::string::npos);
}

}  // namespace
}  // namespace chibo
