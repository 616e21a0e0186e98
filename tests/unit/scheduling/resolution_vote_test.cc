// Votes on a resolution: each exclusion from the denominator, the
// exactly-half boundary, ballots and counts, and the rule's version.

#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/scheduling/schedule_rules.h"
#include "tests/unit/scheduling/scheduling_test_util.h"

namespace chibo::scheduling {
namespace {

using ::chibo::scheduling::testing::D;
using ::testing::HasSubstr;

VoteRule Rule() {
  VoteRule rule;
  rule.id = 1;
  rule.version = 1;
  rule.source = "Điều lệ Đảng, Điều 10";
  rule.effective_from = D(2011, 1, 1);
  return rule;
}

VoterFacts Full(int64_t id, AttendanceMark mark = AttendanceMark::kPresent) {
  VoterFacts voter;
  voter.member_id = id;
  voter.mark = mark;
  return voter;
}

std::vector<VoterFacts> FullMembers(int n) {
  std::vector<VoterFacts> voters;
  for (int i = 1; i <= n; ++i) voters.push_back(Full(i));
  return voters;
}

VoteTally For(int votes_for, int against = 0, int abstain = 0) {
  return VoteTally{votes_for, against, abstain};
}

VoteOutcome Decide(const std::vector<VoterFacts>& voters,
                   std::optional<VoteTally> counts) {
  absl::StatusOr<VoteOutcome> outcome = DecideVote(Rule(), voters, counts);
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  return outcome.ok() ? *outcome : VoteOutcome();
}

TEST(ResolutionVoteTest, MoreThanHalfPassesExactlyHalfDoesNot) {
  // 10 in the denominator: 5 is exactly half (fails), 6 passes.
  EXPECT_FALSE(Decide(FullMembers(10), For(5, 5)).passed);
  EXPECT_TRUE(Decide(FullMembers(10), For(6, 4)).passed);
  // 9: 4.5 is half; 5 passes, 4 does not.
  EXPECT_TRUE(Decide(FullMembers(9), For(5, 0, 4)).passed);
  EXPECT_FALSE(Decide(FullMembers(9), For(4, 0, 5)).passed);
  // Abstentions and absences count against: 5 of 10 with 5 abstaining fails.
  EXPECT_FALSE(Decide(FullMembers(10), For(5, 0, 5)).passed);
  // Nobody in the denominator: nothing passes.
  EXPECT_FALSE(Decide({}, For(0)).passed);
}

TEST(ResolutionVoteTest, TheResultNamesTheRuleVersion) {
  VoteRule v2 = Rule();
  v2.version = 2;
  v2.effective_from = D(2030, 1, 1);
  const std::vector<VoteRule> rules = {Rule(), v2};
  EXPECT_EQ(VoteRuleOn(rules, D(2029, 12, 31))->version, 1);
  EXPECT_EQ(VoteRuleOn(rules, D(2030, 1, 1))->version, 2);
  EXPECT_EQ(VoteRuleOn(rules, D(2000, 1, 1)), nullptr);
  absl::StatusOr<VoteOutcome> outcome = DecideVote(v2, FullMembers(3), For(2));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->rule_id, 1);
  EXPECT_EQ(outcome->rule_version, 2);
  EXPECT_EQ(outcome->rule_source, "Điều lệ Đảng, Điều 10");
}

// Four full members present and one more member of each kind: the extra
// one is left out of the denominator (4), so 3 votes for pass.
void ExpectExcluded(VoterFacts extra, VoteExclusion exclusion) {
  std::vector<VoterFacts> voters = FullMembers(4);
  extra.member_id = 99;
  voters.push_back(extra);
  EXPECT_EQ(ExclusionOf(extra), exclusion);
  const VoteOutcome outcome = Decide(voters, For(3, 1));
  EXPECT_EQ(outcome.denominator, 4);
  EXPECT_TRUE(outcome.passed);
  ASSERT_EQ(outcome.excluded.size(), 1u);
  EXPECT_EQ(outcome.excluded[0].first, 99);
  EXPECT_EQ(outcome.excluded[0].second, exclusion);
}

TEST(ResolutionVoteTest, ProbationaryMembersAttendButDoNotVote) {
  VoterFacts probationary = Full(0);
  probationary.standing = VoterStanding::kProbationary;
  ExpectExcluded(probationary, VoteExclusion::kProbationary);
}

TEST(ResolutionVoteTest, MembersOnTemporaryTransferAreLeftOut) {
  VoterFacts transferred = Full(0, AttendanceMark::kAbsentWithoutReason);
  transferred.temporary_transfer = true;
  ExpectExcluded(transferred, VoteExclusion::kTemporaryTransfer);
}

TEST(ResolutionVoteTest, ExemptMembersCountOnlyWhenPresent) {
  VoterFacts exempt = Full(0, AttendanceMark::kExempt);
  exempt.standing = VoterStanding::kExempt;
  ExpectExcluded(exempt, VoteExclusion::kExemptAbsent);
  // Present: in the denominator (5), so 3 for no longer passes.
  exempt.mark = AttendanceMark::kPresent;
  exempt.member_id = 99;
  std::vector<VoterFacts> voters = FullMembers(4);
  voters.push_back(exempt);
  const VoteOutcome outcome = Decide(voters, For(3, 2));
  EXPECT_EQ(outcome.denominator, 5);
  EXPECT_TRUE(outcome.passed);  // 3 of 5
  EXPECT_FALSE(Decide(voters, For(2, 3)).passed);
  EXPECT_TRUE(outcome.excluded.empty());
}

TEST(ResolutionVoteTest, SuspendedMembersAreLeftOut) {
  VoterFacts suspended = Full(0, AttendanceMark::kExempt);
  suspended.standing = VoterStanding::kSuspended;
  ExpectExcluded(suspended, VoteExclusion::kSuspended);
}

TEST(ResolutionVoteTest, AbsenceWithAReasonTheChairAcceptedIsLeftOut) {
  VoterFacts accepted = Full(0, AttendanceMark::kAbsentWithReason);
  accepted.reason_accepted = true;
  ExpectExcluded(accepted, VoteExclusion::kAbsentReasonAccepted);
  // Without the chair's acceptance, the absent member counts (against).
  VoterFacts not_accepted = Full(99, AttendanceMark::kAbsentWithReason);
  EXPECT_EQ(ExclusionOf(not_accepted), VoteExclusion::kNone);
  std::vector<VoterFacts> voters = FullMembers(4);
  voters.push_back(not_accepted);
  const VoteOutcome outcome = Decide(voters, For(2, 2));
  EXPECT_EQ(outcome.denominator, 5);
  EXPECT_FALSE(outcome.passed);
  // Absent without reason: always counted.
  EXPECT_EQ(ExclusionOf(Full(7, AttendanceMark::kAbsentWithoutReason)),
            VoteExclusion::kNone);
}

TEST(ResolutionVoteTest, PerMemberBallots) {
  std::vector<VoterFacts> voters = FullMembers(5);
  voters[0].choice = VoteChoice::kFor;
  voters[1].choice = VoteChoice::kFor;
  voters[2].choice = VoteChoice::kFor;
  voters[3].choice = VoteChoice::kAgainst;
  voters[4].choice = VoteChoice::kAbstain;
  const VoteOutcome outcome = Decide(voters, std::nullopt);
  EXPECT_EQ(outcome.tally.votes_for, 3);
  EXPECT_EQ(outcome.tally.votes_against, 1);
  EXPECT_EQ(outcome.tally.abstentions, 1);
  EXPECT_TRUE(outcome.passed);
}

TEST(ResolutionVoteTest, BadVotesNameTheField) {
  // More voters than the denominator.
  absl::Status too_many =
      DecideVote(Rule(), FullMembers(3), For(3, 1)).status();
  EXPECT_EQ(too_many.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_many.message(),
              HasSubstr("record.vote: votes_for + votes_against + "
                        "abstentions (4) exceeds the denominator (3"));
  // More voters than members of the denominator present.
  std::vector<VoterFacts> voters = FullMembers(3);
  voters[2].mark = AttendanceMark::kAbsentWithoutReason;
  EXPECT_THAT(DecideVote(Rule(), voters, For(3)).status().message(),
              HasSubstr("present (2)"));
  EXPECT_THAT(DecideVote(Rule(), voters, For(-1)).status().message(),
              HasSubstr("negative"));
  // A ballot from a probationary member, or an absent one.
  voters[0].standing = VoterStanding::kProbationary;
  voters[0].choice = VoteChoice::kFor;
  EXPECT_THAT(DecideVote(Rule(), voters, std::nullopt).status().message(),
              HasSubstr("record.vote.ballots: members/1 is a probationary"));
  voters[0] = Full(1);
  voters[2].choice = VoteChoice::kAgainst;
  EXPECT_THAT(DecideVote(Rule(), voters, std::nullopt).status().message(),
              HasSubstr("members/3 was not present"));
}

}  // namespace
}  // namespace chibo::scheduling
