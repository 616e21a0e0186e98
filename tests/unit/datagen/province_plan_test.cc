#include "tools/datagen/province_plan.h"

#include <set>

#include "gtest/gtest.h"

namespace chibo::datagen {
namespace {

namespace reg = registry::v1;

TEST(ProvincePlanTest, AProvinceHasItsSizeAndShares) {
  PlanOptions options;
  options.seed = 42;
  const ProvincePlan plan = PlanProvince(options);
  EXPECT_EQ(plan.cells.size(), 3000u);
  EXPECT_GT(plan.member_count, 90000);
  EXPECT_LT(plan.member_count, 110000);
  int probationary = 0, exempt = 0;
  std::set<std::string> cards, codes;
  for (const PlannedCell& cell : plan.cells) {
    for (const reg::MemberRow& m : cell.members) {
      probationary += m.status() == reg::MEMBER_STATUS_PROBATIONARY;
      exempt += m.status() == reg::MEMBER_STATUS_EXEMPT;
      cards.insert(m.party_card_number());
    }
  }
  EXPECT_NEAR(probationary / static_cast<double>(plan.member_count), 0.04,
              0.01);
  EXPECT_NEAR(exempt / static_cast<double>(plan.member_count), 0.04, 0.02);
  EXPECT_EQ(static_cast<int64_t>(cards.size()), plan.member_count);
  // Parents first, codes unique, every cell a cell level.
  std::set<std::string> seen;
  for (const reg::OrganizationRow& row : plan.organizations) {
    if (!row.parent_external_code().empty()) {
      EXPECT_TRUE(seen.count(row.parent_external_code()))
          << row.external_code();
    }
    EXPECT_TRUE(seen.insert(row.external_code()).second);
  }
  for (const PlannedCell& cell : plan.cells) {
    const auto level = plan.organizations[cell.org_index].level();
    EXPECT_TRUE(level == reg::ORGANIZATION_LEVEL_GRASSROOTS_CELL ||
                level == reg::ORGANIZATION_LEVEL_SUBORDINATE_CELL);
  }
}

TEST(ProvincePlanTest, TheSameSeedGivesTheSameData) {
  PlanOptions options;
  options.seed = 7;
  options.scale = 0.05;
  const ProvincePlan a = PlanProvince(options);
  const ProvincePlan b = PlanProvince(options);
  ASSERT_EQ(a.organizations.size(), b.organizations.size());
  for (size_t i = 0; i < a.organizations.size(); ++i) {
    EXPECT_EQ(a.organizations[i].SerializeAsString(),
              b.organizations[i].SerializeAsString());
  }
  ASSERT_EQ(a.cells.size(), b.cells.size());
  for (size_t c = 0; c < a.cells.size(); ++c) {
    ASSERT_EQ(a.cells[c].members.size(), b.cells[c].members.size());
    for (size_t m = 0; m < a.cells[c].members.size(); ++m) {
      EXPECT_EQ(a.cells[c].members[m].SerializeAsString(),
                b.cells[c].members[m].SerializeAsString());
    }
  }
  options.seed = 8;
  const ProvincePlan c = PlanProvince(options);
  EXPECT_NE(c.organizations.front().external_code(),
            a.organizations.front().external_code());
}

}  // namespace
}  // namespace chibo::datagen
