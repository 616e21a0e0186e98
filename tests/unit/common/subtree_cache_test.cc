#include "common/subtree_cache.h"

#include <vector>

#include "gtest/gtest.h"

namespace chibo {
namespace {

OrgInfo Cell(int64_t id) {
  OrgInfo cell;
  cell.id = id;
  cell.is_cell = true;
  cell.ancestors = {id, 1};
  return cell;
}

std::vector<int64_t> Ids(const std::vector<OrgInfo>& cells) {
  std::vector<int64_t> ids;
  for (const OrgInfo& cell : cells) ids.push_back(cell.id);
  return ids;
}

SubtreeCache::Subtree Of(std::vector<int64_t> ids) {
  SubtreeCache::Subtree subtree;
  subtree.top.id = 1;
  for (int64_t id : ids) subtree.cells.push_back(Cell(id));
  return subtree;
}

class SubtreeCacheTest : public ::testing::Test {
 protected:
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  SubtreeCache cache_{absl::Seconds(1), 2, [this] { return now_; }};
};

TEST_F(SubtreeCacheTest, HeldForAtMostTheTtlAfterTheRegistryWasAsked) {
  const absl::Time asked = now_;
  now_ += absl::Milliseconds(300);  // the call took this long
  ASSERT_NE(cache_.Put(1, asked, Of({5, 3, 9})), nullptr);
  now_ = asked + absl::Seconds(1);
  auto held = cache_.Find(1);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(Ids(held->cells), (std::vector<int64_t>{3, 5, 9}));  // sorted
  now_ += absl::Milliseconds(1);
  EXPECT_EQ(cache_.Find(1), nullptr);
  EXPECT_EQ(cache_.Find(2), nullptr);
}

TEST_F(SubtreeCacheTest, AnOlderAnswerNeverReplacesANewerOne) {
  const absl::Time early = now_;
  cache_.Put(1, early + absl::Milliseconds(10), Of({3}));
  auto kept = cache_.Put(1, early, Of({3, 4}));
  EXPECT_EQ(Ids(kept->cells), std::vector<int64_t>{3});
  EXPECT_EQ(Ids(cache_.Find(1)->cells), std::vector<int64_t>{3});
}

TEST_F(SubtreeCacheTest, RenewedFromTheFeedPositionItWasAskedAt) {
  const absl::Time asked = now_;
  cache_.Put(1, asked, Of({3}), 40);
  EXPECT_EQ(cache_.FeedPositionOf(1), 40);
  EXPECT_EQ(cache_.FeedPositionOf(2), SubtreeCache::kNoFeedPosition);
  // Another position, an unknown one, or a root not held: nothing renewed.
  EXPECT_FALSE(cache_.Renew(1, 39, 45, asked + absl::Milliseconds(900)));
  EXPECT_FALSE(cache_.Renew(2, 40, 45, asked + absl::Milliseconds(900)));
  EXPECT_FALSE(cache_.Renew(1, SubtreeCache::kNoFeedPosition, 45,
                            asked + absl::Milliseconds(900)));
  ASSERT_TRUE(cache_.Renew(1, 40, 45, asked + absl::Milliseconds(900)));
  EXPECT_EQ(cache_.FeedPositionOf(1), 45);
  now_ = asked + absl::Milliseconds(1800);  // past the first answer's ttl
  auto held = cache_.Find(1);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(Ids(held->cells), std::vector<int64_t>{3});
  now_ = asked + absl::Milliseconds(1901);
  EXPECT_EQ(cache_.Find(1), nullptr);
  // Past its age limit it is kept for a renewal, not handed out.
  ASSERT_TRUE(cache_.Renew(1, 45, 46, now_));
  held = cache_.Find(1);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(Ids(held->cells), std::vector<int64_t>{3});
}

TEST_F(SubtreeCacheTest, AnExpiredAnswerWithoutAFeedPositionIsDropped) {
  cache_.Put(1, now_, Of({3}));
  now_ += absl::Milliseconds(1001);
  EXPECT_EQ(cache_.Find(1), nullptr);
  EXPECT_EQ(cache_.FeedPositionOf(1), SubtreeCache::kNoFeedPosition);
}

TEST_F(SubtreeCacheTest, AnAnswerWithoutAFeedPositionIsNeverRenewed) {
  cache_.Put(1, now_, Of({3}));
  EXPECT_EQ(cache_.FeedPositionOf(1), SubtreeCache::kNoFeedPosition);
  EXPECT_FALSE(cache_.Renew(1, SubtreeCache::kNoFeedPosition, 5,
                            now_ + absl::Milliseconds(500)));
}

TEST_F(SubtreeCacheTest, ARenewalHandsTheRefreshBack) {
  cache_.Put(1, now_, Of({3}), 7);
  now_ += absl::Milliseconds(600);
  bool refresh = false;
  cache_.Find(1, &refresh);
  ASSERT_TRUE(refresh);
  ASSERT_TRUE(cache_.Renew(1, 7, 7, now_));
  now_ += absl::Milliseconds(600);
  cache_.Find(1, &refresh);
  EXPECT_TRUE(refresh);  // due again, half a ttl after the renewal
}

TEST_F(SubtreeCacheTest, HoldsAtMostMaxSubtreesDroppingTheOldest) {
  cache_.Put(1, now_, Of({3}));
  cache_.Put(2, now_ + absl::Milliseconds(1), Of({4}));
  cache_.Put(7, now_ + absl::Milliseconds(2), Of({8}));
  EXPECT_EQ(cache_.Find(1), nullptr);
  EXPECT_NE(cache_.Find(2), nullptr);
  EXPECT_NE(cache_.Find(7), nullptr);
}

TEST_F(SubtreeCacheTest, PastHalfItsTtlOneCallerIsToldToRefreshIt) {
  cache_.Put(1, now_, Of({3}));
  bool refresh = true;
  now_ += absl::Milliseconds(500);
  ASSERT_NE(cache_.Find(1, &refresh), nullptr);
  EXPECT_FALSE(refresh);  // still young
  now_ += absl::Milliseconds(1);
  ASSERT_NE(cache_.Find(1, &refresh), nullptr);
  EXPECT_TRUE(refresh);
  // Only that one: the others go on with the held answer meanwhile.
  ASSERT_NE(cache_.Find(1, &refresh), nullptr);
  EXPECT_FALSE(refresh);
  // A refresh that failed is handed out again.
  cache_.RefreshFailed(1);
  ASSERT_NE(cache_.Find(1, &refresh), nullptr);
  EXPECT_TRUE(refresh);
  // The new answer is young again, and holds for its own ttl.
  cache_.Put(1, now_, Of({3, 4}));
  now_ += absl::Milliseconds(900);
  auto held = cache_.Find(1, &refresh);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(Ids(held->cells), (std::vector<int64_t>{3, 4}));
  EXPECT_TRUE(refresh);
}

TEST(CellsAfterTest, PagesByIdAfterTheCursor) {
  const std::vector<OrgInfo> cells = Of({3, 5, 9, 12}).cells;
  bool more = false;
  EXPECT_EQ(Ids(CellsAfter(cells, 0, 2, &more)), (std::vector<int64_t>{3, 5}));
  EXPECT_TRUE(more);
  EXPECT_EQ(Ids(CellsAfter(cells, 5, 2, &more)), (std::vector<int64_t>{9, 12}));
  EXPECT_FALSE(more);
  // A cursor between ids (the cell it named left the subtree) goes on.
  EXPECT_EQ(Ids(CellsAfter(cells, 4, 1, &more)), std::vector<int64_t>{5});
  EXPECT_TRUE(more);
  EXPECT_TRUE(CellsAfter(cells, 12, 2, &more).empty());
  EXPECT_FALSE(more);
}

}  // namespace
}  // namespace chibo
