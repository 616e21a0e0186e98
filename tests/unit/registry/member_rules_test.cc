#include "services/registry/member_rules.h"

#include "gtest/gtest.h"

namespace chibo::registry {
namespace {

TEST(MemberRules, OnlyFullMembersVote) {
  EXPECT_TRUE(MayVote(v1::MEMBER_STATUS_FULL));
  EXPECT_FALSE(MayVote(v1::MEMBER_STATUS_PROBATIONARY));
  EXPECT_FALSE(MayVote(v1::MEMBER_STATUS_EXEMPT));
}

TEST(MemberRules, ExemptAndSuspendedLeaveTheDenominator) {
  EXPECT_TRUE(CountsInAttendance(v1::MEMBER_STATUS_FULL));
  EXPECT_TRUE(CountsInAttendance(v1::MEMBER_STATUS_PROBATIONARY));
  EXPECT_FALSE(CountsInAttendance(v1::MEMBER_STATUS_EXEMPT));
  EXPECT_FALSE(CountsInAttendance(v1::MEMBER_STATUS_TEMPORARILY_EXEMPT));
  EXPECT_FALSE(CountsInAttendance(v1::MEMBER_STATUS_SUSPENDED));
  EXPECT_FALSE(CountsInAttendance(v1::MEMBER_STATUS_REMOVED));
}

TEST(MemberRules, StatusSets) {
  EXPECT_EQ(StatusSetFor(v1::CELL_MEMBER_FILTER_VOTERS), "1");
  EXPECT_EQ(StatusSetFor(v1::CELL_MEMBER_FILTER_ATTENDANCE), "1,2");
  EXPECT_EQ(StatusSetFor(v1::CELL_MEMBER_FILTER_ALL), "1,2,3,4,5");
  EXPECT_EQ(StatusSetFor(v1::CELL_MEMBER_FILTER_UNSPECIFIED), "1,2,3,4,5");
}

TEST(MemberRules, NewMembersAreProbationaryOrFull) {
  EXPECT_TRUE(CheckJoiningStatus(v1::MEMBER_STATUS_PROBATIONARY).ok());
  EXPECT_TRUE(CheckJoiningStatus(v1::MEMBER_STATUS_FULL).ok());
  EXPECT_FALSE(CheckJoiningStatus(v1::MEMBER_STATUS_EXEMPT).ok());
}

}  // namespace
}  // namespace chibo::registry
