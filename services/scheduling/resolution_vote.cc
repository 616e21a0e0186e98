// Votes on a resolution: who is in the denominator, and whether it passed.

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {

namespace {

const char* ExclusionText(VoteExclusion exclusion) {
  switch (exclusion) {
    case VoteExclusion::kProbationary:
      return "is a probationary member and does not vote";
    case VoteExclusion::kSuspended:
      return "is suspended";
    case VoteExclusion::kTemporaryTransfer:
      return "is on temporary transfer";
    case VoteExclusion::kExemptAbsent:
      return "is exempt and absent";
    case VoteExclusion::kAbsentReasonAccepted:
      return "was absent with a reason the chair accepted";
    case VoteExclusion::kNone:
      break;
  }
  return "is in the denominator";
}

}  // namespace

const VoteRule* VoteRuleOn(const std::vector<VoteRule>& rules,
                           absl::CivilDay day) {
  const VoteRule* best = nullptr;
  for (const VoteRule& rule : rules) {
    if (day < rule.effective_from || day > rule.effective_to) continue;
    if (best == nullptr || std::tie(rule.effective_from, rule.version) >
                               std::tie(best->effective_from, best->version)) {
      best = &rule;
    }
  }
  return best;
}

VoteExclusion ExclusionOf(const VoterFacts& voter) {
  if (voter.standing == VoterStanding::kProbationary) {
    return VoteExclusion::kProbationary;
  }
  if (voter.standing == VoterStanding::kSuspended) {
    return VoteExclusion::kSuspended;
  }
  if (voter.temporary_transfer) return VoteExclusion::kTemporaryTransfer;
  const bool present = voter.mark == AttendanceMark::kPresent;
  if (voter.standing == VoterStanding::kExempt && !present) {
    return VoteExclusion::kExemptAbsent;
  }
  if (voter.mark == AttendanceMark::kAbsentWithReason &&
      voter.reason_accepted) {
    return VoteExclusion::kAbsentReasonAccepted;
  }
  return VoteExclusion::kNone;
}

absl::StatusOr<VoteOutcome> DecideVote(const VoteRule& rule,
                                       const std::vector<VoterFacts>& voters,
                                       const std::optional<VoteTally>& counts) {
  VoteOutcome out;
  out.rule_id = rule.id;
  out.rule_version = rule.version;
  out.rule_source = rule.source;
  int present = 0;
  VoteTally ballots;
  for (const VoterFacts& voter : voters) {
    const VoteExclusion exclusion = ExclusionOf(voter);
    const bool is_present = voter.mark == AttendanceMark::kPresent;
    if (exclusion != VoteExclusion::kNone) {
      out.excluded.push_back({voter.member_id, exclusion});
    } else {
      ++out.denominator;
      if (is_present) ++present;
    }
    if (voter.choice == VoteChoice::kNone) continue;
    if (exclusion != VoteExclusion::kNone) {
      return absl::InvalidArgumentError(absl::StrCat(
          "record.vote.ballots: members/", voter.member_id, " ",
          ExclusionText(exclusion), "; only members of the denominator vote"));
    }
    if (!is_present) {
      return absl::InvalidArgumentError(
          absl::StrCat("record.vote.ballots: members/", voter.member_id,
                       " was not present and cannot vote"));
    }
    switch (voter.choice) {
      case VoteChoice::kFor:
        ++ballots.votes_for;
        break;
      case VoteChoice::kAgainst:
        ++ballots.votes_against;
        break;
      case VoteChoice::kAbstain:
        ++ballots.abstentions;
        break;
      case VoteChoice::kNone:
        break;
    }
  }
  out.tally = counts.value_or(ballots);
  const VoteTally& t = out.tally;
  if (t.votes_for < 0 || t.votes_against < 0 || t.abstentions < 0) {
    return absl::InvalidArgumentError(
        "record.vote: votes_for, votes_against and abstentions must not be "
        "negative");
  }
  const int64_t voted =
      static_cast<int64_t>(t.votes_for) + t.votes_against + t.abstentions;
  if (voted > out.denominator) {
    return absl::InvalidArgumentError(
        absl::StrCat("record.vote: votes_for + votes_against + abstentions (",
                     voted, ") exceeds the denominator (", out.denominator,
                     " full members, after exclusions)"));
  }
  if (voted > present) {
    return absl::InvalidArgumentError(absl::StrCat(
        "record.vote: votes_for + votes_against + abstentions (", voted,
        ") exceeds the members of the denominator present (", present, ")"));
  }
  out.passed =
      out.denominator > 0 &&
      static_cast<int64_t>(t.votes_for) * rule.threshold_denominator >
          static_cast<int64_t>(rule.threshold_numerator) * out.denominator;
  return out;
}

}  // namespace chibo::scheduling
