#include "services/scheduling/record_vote.h"

#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/status_macros.h"
#include "services/scheduling/proto_codec.h"

namespace chibo::scheduling {
namespace {

VoterStanding StandingOf(registry::v1::MemberStatus status) {
  switch (status) {
    case registry::v1::MEMBER_STATUS_FULL:
      return VoterStanding::kFull;
    case registry::v1::MEMBER_STATUS_EXEMPT:
    case registry::v1::MEMBER_STATUS_TEMPORARILY_EXEMPT:
      return VoterStanding::kExempt;
    case registry::v1::MEMBER_STATUS_SUSPENDED:
      return VoterStanding::kSuspended;
    default:
      // Probationary (and anything else that may not vote).
      return VoterStanding::kProbationary;
  }
}

VoteChoice ChoiceFromProto(v1::VoteChoice choice) {
  switch (choice) {
    case v1::VOTE_CHOICE_FOR:
      return VoteChoice::kFor;
    case v1::VOTE_CHOICE_AGAINST:
      return VoteChoice::kAgainst;
    case v1::VOTE_CHOICE_ABSTAIN:
      return VoteChoice::kAbstain;
    default:
      return VoteChoice::kNone;
  }
}

}  // namespace

absl::Status ResolveVote(const v1::MeetingRecord& r,
                         const OrgDirectory::MemberMap& members,
                         const std::vector<VoteRule>& rules,
                         absl::CivilDay held_day, NewRecord* record) {
  record->voter_facts.clear();
  record->vote.reset();
  std::map<int64_t, size_t> index;
  for (int i = 0; i < r.attendance_size(); ++i) {
    const v1::Attendance& a = r.attendance(i);
    const NewAttendance& resolved = record->attendance[i];
    if (a.reason_accepted() &&
        a.mark() != v1::ATTENDANCE_MARK_ABSENT_WITH_REASON) {
      return absl::InvalidArgumentError(absl::StrCat(
          "record.attendance[", i,
          "].reason_accepted: only for ATTENDANCE_MARK_ABSENT_WITH_REASON"));
    }
    VoterFacts facts;
    facts.member_id = resolved.member_id;
    auto member = members.find(resolved.member_id);
    facts.standing = StandingOf(member == members.end()
                                    ? registry::v1::MEMBER_STATUS_UNSPECIFIED
                                    : member->second.status());
    facts.mark = MarkFromProto(resolved.mark);
    facts.temporary_transfer = a.temporary_transfer();
    facts.reason_accepted = a.reason_accepted();
    index[facts.member_id] = record->voter_facts.size();
    record->voter_facts.push_back(facts);
  }
  if (!r.has_vote()) return absl::OkStatus();

  const v1::ResolutionVote& vote = r.vote();
  const bool counts = vote.votes_for() != 0 || vote.votes_against() != 0 ||
                      vote.abstentions() != 0;
  if (counts && vote.ballots_size() > 0) {
    return absl::InvalidArgumentError(
        "record.vote: give the counts (votes_for, votes_against, "
        "abstentions) or the ballots, not both");
  }
  for (int j = 0; j < vote.ballots_size(); ++j) {
    const v1::Ballot& ballot = vote.ballots(j);
    const std::string field = absl::StrCat("record.vote.ballots[", j, "]");
    ASSIGN_OR_RETURN(int64_t id,
                     CellMemberId(ballot.member(), field + ".member", members,
                                  record->cell_id, held_day));
    if (ballot.choice() == v1::VOTE_CHOICE_UNSPECIFIED ||
        !v1::VoteChoice_IsValid(ballot.choice())) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".choice: must be FOR, AGAINST or ABSTAIN"));
    }
    VoterFacts& facts = record->voter_facts[index.at(id)];
    if (facts.choice != VoteChoice::kNone) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".member: ", ballot.member(), " has voted already"));
    }
    facts.choice = ChoiceFromProto(ballot.choice());
  }
  const VoteRule* rule = VoteRuleOn(rules, held_day);
  if (rule == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "record.vote: no vote rule is in force on ", FormatDate(held_day)));
  }
  std::optional<VoteTally> tally;
  if (vote.ballots_size() == 0) {
    tally =
        VoteTally{vote.votes_for(), vote.votes_against(), vote.abstentions()};
  }
  ASSIGN_OR_RETURN(VoteOutcome outcome,
                   DecideVote(*rule, record->voter_facts, tally));
  record->vote = std::move(outcome);
  return absl::OkStatus();
}

}  // namespace chibo::scheduling
