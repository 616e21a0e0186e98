// Mandated topics' targets and per-topic completion rates.

#include "gtest/gtest.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {
namespace {

TEST(TopicTargetsTest, EmptyMeansTheWholeSubtree) {
  EXPECT_TRUE(TopicTargetsCell({}, 4));
  EXPECT_TRUE(TopicTargetsCell({2, 3}, 2));
  EXPECT_TRUE(TopicTargetsCell({2, 3}, 3));
  EXPECT_FALSE(TopicTargetsCell({2, 3}, 4));  // enterprises: not targeted
}

TEST(CompletionRateTest, TheSeedsFigures) {
  EXPECT_NEAR(CompletionRate(220, 221), 0.9955, 5e-5);
  EXPECT_DOUBLE_EQ(CompletionRate(221, 221), 1.0);
  EXPECT_DOUBLE_EQ(CompletionRate(0, 0), 0.0);
}

}  // namespace
}  // namespace chibo::scheduling
