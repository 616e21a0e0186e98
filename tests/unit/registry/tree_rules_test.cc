#include "services/registry/tree_rules.h"

#include "gtest/gtest.h"

namespace chibo::registry {
namespace {

using v1::OrganizationLevel;

constexpr OrganizationLevel kNone = v1::ORGANIZATION_LEVEL_UNSPECIFIED;
constexpr OrganizationLevel kProvince = v1::ORGANIZATION_LEVEL_PROVINCE;
constexpr OrganizationLevel kBloc = v1::ORGANIZATION_LEVEL_BLOC;
constexpr OrganizationLevel kCommune = v1::ORGANIZATION_LEVEL_COMMUNE;
constexpr OrganizationLevel kDistrict = v1::ORGANIZATION_LEVEL_DISTRICT;
constexpr OrganizationLevel kCommittee =
    v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE;
constexpr OrganizationLevel kCell = v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL;
constexpr OrganizationLevel kSubCell = v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL;
constexpr OrganizationLevel kGroup = v1::ORGANIZATION_LEVEL_PARTY_GROUP;

struct Case {
  OrganizationLevel child;
  OrganizationLevel parent;
  bool allowed;
};

TEST(CheckPlacement, FollowsThePartyStructure) {
  const Case cases[] = {
      {kProvince, kNone, true},      {kProvince, kProvince, false},
      {kBloc, kProvince, true},      {kBloc, kNone, false},
      {kDistrict, kProvince, true},  {kCommune, kProvince, true},
      {kCommune, kDistrict, true},   {kCommune, kBloc, false},
      {kCommittee, kBloc, true},     {kCommittee, kCommune, true},
      {kCommittee, kDistrict, true}, {kCommittee, kCommittee, false},
      {kCell, kBloc, true},          {kCell, kCommittee, false},
      {kSubCell, kCommittee, true},  {kSubCell, kBloc, false},
      {kGroup, kCell, true},         {kGroup, kSubCell, true},
      {kGroup, kCommittee, false},   {kCell, kNone, false},
  };
  for (const Case& c : cases) {
    absl::Status s = CheckPlacement(c.child, c.parent, "organizations/9");
    EXPECT_EQ(s.ok(), c.allowed)
        << v1::OrganizationLevel_Name(c.child) << " under "
        << v1::OrganizationLevel_Name(c.parent) << ": " << s;
    if (!s.ok()) {
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
      EXPECT_EQ(s.message().rfind("parent:", 0), 0u);
    }
  }
}

TEST(CheckPlacement, UnspecifiedChildIsInvalid) {
  EXPECT_EQ(CheckPlacement(kNone, kProvince, "x").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(IsCell, OnlyTheTwoCellLevels) {
  EXPECT_TRUE(IsCell(kCell));
  EXPECT_TRUE(IsCell(kSubCell));
  EXPECT_FALSE(IsCell(kCommittee));
  EXPECT_FALSE(IsCell(kGroup));
}

TEST(CheckCategory, CellsNeedOneOthersMustNotHaveOne) {
  EXPECT_TRUE(CheckCategory(kCell, v1::CELL_CATEGORY_RESIDENTIAL, "c").ok());
  EXPECT_EQ(CheckCategory(kCell, v1::CELL_CATEGORY_UNSPECIFIED, "c").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckCategory(kBloc, v1::CELL_CATEGORY_ENTERPRISE, "c").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckCategory(kCell, static_cast<v1::CellCategory>(99), "c").code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace chibo::registry
