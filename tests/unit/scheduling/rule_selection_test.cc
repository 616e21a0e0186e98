// ApplicableRules: the most specific scope wins, month by month.

#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "services/scheduling/schedule_rules.h"
#include "tests/unit/scheduling/scheduling_test_util.h"

namespace chibo::scheduling {
namespace {

using ::chibo::scheduling::testing::D;
using ::chibo::scheduling::testing::DayOfMonthRule;
using ::chibo::scheduling::testing::kNext;
using ::chibo::scheduling::testing::NthWeekdayRule;
using ::chibo::scheduling::testing::VietnamCalendar;

// The tree: province 1 > district 2 > grassroots committee 10 > cell 100
// (category 3). Cell 101 is a sibling; committee 99 is elsewhere.
constexpr int64_t kCell = 100;
constexpr int64_t kGrassroots = 10;
constexpr int64_t kDistrict = 2;
constexpr int64_t kProvince = 1;
constexpr int kCategory = 3;
const std::vector<int64_t> kAncestors = {kCell, kGrassroots, kDistrict,
                                         kProvince};

ScopedRule Scoped(int64_t organization, bool own, int category, int64_t id,
                  int day = 1) {
  ScopedRule scoped;
  scoped.scope.organization_id = organization;
  scoped.scope.for_cell_itself = own;
  scoped.scope.category = category;
  scoped.rule = DayOfMonthRule(day, kNext, id);
  scoped.rule.effective_from = D(2020, 1, 1);
  return scoped;
}

std::vector<int64_t> Ids(const std::vector<MeetingRule>& rules) {
  std::vector<int64_t> ids;
  for (const MeetingRule& rule : rules) ids.push_back(rule.id);
  return ids;
}

std::vector<MeetingRule> For2025(const std::vector<ScopedRule>& rules) {
  return ApplicableRules(rules, kAncestors, kCategory, D(2025, 1, 1),
                         D(2025, 12, 31));
}

// The rule id that decides each month of 2025.
std::vector<int64_t> IdsByMonth2025(const std::vector<ScopedRule>& rules) {
  const std::vector<Occurrence> year = ExpandSchedule(
      For2025(rules), VietnamCalendar(), D(2025, 1, 1), D(2025, 12, 31));
  std::vector<int64_t> ids(12, 0);
  for (const Occurrence& o : year) {
    if (o.nominal_day.year() == 2025)
      ids[o.nominal_day.month() - 1] = o.rule_id;
  }
  return ids;
}

TEST(ApplicableRulesTest, SpecificityOrder) {
  const ScopedRule province_any = Scoped(kProvince, false, 0, 1);
  const ScopedRule district_any = Scoped(kDistrict, false, 0, 2);
  const ScopedRule grassroots_category =
      Scoped(kGrassroots, false, kCategory, 3);
  const ScopedRule grassroots_any = Scoped(kGrassroots, false, 0, 4);
  const ScopedRule own = Scoped(kCell, true, 0, 5);
  const ScopedRule district_category = Scoped(kDistrict, false, kCategory, 6);
  const ScopedRule province_category = Scoped(kProvince, false, kCategory, 7);

  // Each step removes the winner; the next one in specificity wins.
  std::vector<ScopedRule> rules = {
      province_any, district_any,      grassroots_category, grassroots_any,
      own,          district_category, province_category};
  EXPECT_EQ(Ids(For2025(rules)), std::vector<int64_t>{5});  // the cell's own
  rules = {province_any,   district_any,      grassroots_category,
           grassroots_any, district_category, province_category};
  EXPECT_EQ(Ids(For2025(rules)), std::vector<int64_t>{3});
  // The nearest ancestor's any-category rule beats a farther ancestor's
  // category rule.
  rules = {province_any, district_any, grassroots_any, district_category,
           province_category};
  EXPECT_EQ(Ids(For2025(rules)), std::vector<int64_t>{4});
  rules = {province_any, district_any, district_category, province_category};
  EXPECT_EQ(Ids(For2025(rules)), std::vector<int64_t>{6});
  rules = {province_any, district_any, province_category};
  EXPECT_EQ(Ids(For2025(rules)), std::vector<int64_t>{2});
  rules = {province_any, province_category};
  EXPECT_EQ(Ids(For2025(rules)), std::vector<int64_t>{7});
  rules = {province_any};
  EXPECT_EQ(Ids(For2025(rules)), std::vector<int64_t>{1});
}

TEST(ApplicableRulesTest, OtherCategoriesCellsAndOrganisationsAreIgnored) {
  const std::vector<ScopedRule> rules = {
      Scoped(kGrassroots, false, kCategory + 1, 11),  // another category
      Scoped(101, true, 0, 12),                       // a sibling's own rule
      Scoped(99, false, 0, 13),                       // not an ancestor
      Scoped(99, false, kCategory, 14),
      Scoped(kProvince, false, 0, 15),
  };
  EXPECT_EQ(Ids(For2025(rules)), std::vector<int64_t>{15});
  EXPECT_TRUE(For2025({rules[0], rules[1], rules[2], rules[3]}).empty());
}

TEST(ApplicableRulesTest, NoAncestryOrEmptyRange) {
  const std::vector<ScopedRule> rules = {Scoped(kProvince, false, 0, 1)};
  EXPECT_TRUE(
      ApplicableRules(rules, {}, kCategory, D(2025, 1, 1), D(2025, 12, 31))
          .empty());
  EXPECT_TRUE(ApplicableRules(rules, kAncestors, kCategory, D(2025, 2, 1),
                              D(2025, 1, 1))
                  .empty());
  EXPECT_TRUE(
      ApplicableRules({}, kAncestors, kCategory, D(2025, 1, 1), D(2025, 12, 31))
          .empty());
}

TEST(ApplicableRulesTest, CellCategoryZeroTakesOnlyAnyCategoryRules) {
  const std::vector<ScopedRule> rules = {Scoped(kGrassroots, false, 5, 1),
                                         Scoped(kDistrict, false, 0, 2)};
  EXPECT_EQ(Ids(ApplicableRules(rules, kAncestors, 0, D(2025, 1, 1),
                                D(2025, 12, 31))),
            std::vector<int64_t>{2});
}

TEST(ApplicableRulesTest, AllVersionsOfTheWinningScope) {
  ScopedRule v1 = Scoped(kGrassroots, false, kCategory, 20);
  v1.rule.effective_to = D(2025, 6, 30);
  ScopedRule v2 = Scoped(kGrassroots, false, kCategory, 20, 15);
  v2.rule.version = 2;
  v2.rule.effective_from = D(2025, 7, 1);
  ScopedRule old = Scoped(kGrassroots, false, kCategory, 20);
  old.rule.version = 0;
  old.rule.effective_to = D(2021, 12, 31);  // decides nothing in 2025
  const std::vector<MeetingRule> applicable =
      For2025({v2, Scoped(kProvince, false, 0, 1), v1, old});
  ASSERT_EQ(applicable.size(), 2u);
  // In order of effective_from, untrimmed.
  EXPECT_EQ(applicable[0].version, 1);
  EXPECT_EQ(applicable[0].effective_from, D(2020, 1, 1));
  EXPECT_EQ(applicable[0].effective_to, D(2025, 6, 30));
  EXPECT_EQ(applicable[1].version, 2);
  EXPECT_EQ(applicable[1].effective_to, D(9999, 12, 31));
  const std::vector<Occurrence> year = ExpandSchedule(
      applicable, VietnamCalendar(), D(2025, 1, 1), D(2025, 12, 31));
  ASSERT_EQ(year.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(year[i].rule_version, i < 6 ? 1 : 2) << i;
    EXPECT_EQ(year[i].nominal_day.day(), i < 6 ? 1 : 15) << i;
  }
}

TEST(ApplicableRulesTest, MonthsTheWinnerDoesNotCoverFallBack) {
  // The cell's own rule starts 1 July 2025; before that the grassroots
  // committee's rule applies.
  ScopedRule own = Scoped(kCell, true, 0, 5, 10);
  own.rule.effective_from = D(2025, 7, 1);
  const ScopedRule committee = Scoped(kGrassroots, false, 0, 4);
  const ScopedRule province = Scoped(kProvince, false, 0, 1);
  EXPECT_EQ(IdsByMonth2025({province, committee, own}),
            (std::vector<int64_t>{4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5}));

  const std::vector<MeetingRule> applicable =
      For2025({province, committee, own});
  ASSERT_EQ(applicable.size(), 2u);
  EXPECT_EQ(applicable[0].id, 5);  // the most specific first, untrimmed
  EXPECT_EQ(applicable[0].effective_from, D(2025, 7, 1));
  EXPECT_EQ(applicable[1].id, 4);  // trimmed to the months it decides
  EXPECT_EQ(applicable[1].effective_to, D(2025, 6, 30));
  EXPECT_LE(applicable[1].effective_from, D(2025, 1, 1));
}

TEST(ApplicableRulesTest, AGapInTheWinningScopeFallsBackForThoseMonthsOnly) {
  ScopedRule v1 = Scoped(kCell, true, 0, 5, 10);
  v1.rule.effective_to = D(2025, 3, 31);
  ScopedRule v2 = Scoped(kCell, true, 0, 5, 20);
  v2.rule.version = 2;
  v2.rule.effective_from = D(2025, 6, 1);
  ScopedRule category = Scoped(kDistrict, false, kCategory, 6);
  ScopedRule any = Scoped(kProvince, false, 0, 1);
  EXPECT_EQ(IdsByMonth2025({v1, v2, category, any}),
            (std::vector<int64_t>{5, 5, 5, 6, 6, 5, 5, 5, 5, 5, 5, 5}));
  // The fallback's period is split around the months it does not decide.
  const std::vector<MeetingRule> applicable = For2025({v1, v2, category, any});
  ASSERT_EQ(applicable.size(), 3u);
  EXPECT_EQ(applicable[2].id, 6);
  EXPECT_EQ(applicable[2].effective_from, D(2025, 4, 1));
  EXPECT_EQ(applicable[2].effective_to, D(2025, 5, 31));
}

TEST(ApplicableRulesTest, FallbackCanBeSplitIntoSeveralPieces) {
  // The cell meets on the fifth Friday (January, May, August, October 2025);
  // other months fall back to the committee's rule.
  ScopedRule own = Scoped(kCell, true, 0, 5);
  own.rule = NthWeekdayRule(5, absl::Weekday::friday, kNext, 5);
  own.rule.effective_from = D(2024, 1, 1);
  const ScopedRule committee = Scoped(kGrassroots, false, 0, 4);
  EXPECT_EQ(IdsByMonth2025({own, committee}),
            (std::vector<int64_t>{5, 4, 4, 4, 5, 4, 4, 5, 4, 5, 4, 4}));
  int committee_pieces = 0;
  for (const MeetingRule& rule : For2025({own, committee})) {
    if (rule.id == 4) ++committee_pieces;
  }
  // Over Nov 2024..Feb 2026 (two months of lookahead either side of the
  // range; 29 Nov 2024 and 30 Jan 2026 are fifth Fridays): Dec 2024,
  // Feb-Apr, Jun-Jul, Sep, Nov 2025-Dec 2025, Feb 2026.
  EXPECT_EQ(committee_pieces, 6);
}

TEST(ApplicableRulesTest, FallbackEverywhereEachMonthExactlyOneRule) {
  // Whatever the mix, ExpandSchedule over the result yields exactly one
  // meeting per month in the range.
  ScopedRule own = Scoped(kCell, true, 0, 5, 31);
  // Day 31 is 28 February, inside the period: decides from February...
  own.rule.effective_from = D(2025, 2, 15);
  own.rule.effective_to = D(2025, 9, 10);  // ... until August
  ScopedRule category = Scoped(kGrassroots, false, kCategory, 3, 5);
  category.rule.effective_from = D(2025, 5, 1);
  const ScopedRule any = Scoped(kProvince, false, 0, 1, 20);
  EXPECT_EQ(IdsByMonth2025({any, category, own}),
            (std::vector<int64_t>{1, 5, 5, 5, 5, 5, 5, 5, 3, 3, 3, 3}));
}

}  // namespace
}  // namespace chibo::scheduling
