// Votes on resolutions: the rule data and each record's vote.

#include "services/scheduling/vote_store.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/resource_name.h"
#include "common/sql_rows.h"
#include "common/status_macros.h"

namespace chibo::scheduling {
namespace {

v1::VoteChoice ChoiceToProto(VoteChoice choice) {
  switch (choice) {
    case VoteChoice::kFor:
      return v1::VOTE_CHOICE_FOR;
    case VoteChoice::kAgainst:
      return v1::VOTE_CHOICE_AGAINST;
    case VoteChoice::kAbstain:
      return v1::VOTE_CHOICE_ABSTAIN;
    case VoteChoice::kNone:
      break;
  }
  return v1::VOTE_CHOICE_UNSPECIFIED;
}

v1::VoteExclusionReason ExclusionToProto(VoteExclusion exclusion) {
  switch (exclusion) {
    case VoteExclusion::kProbationary:
      return v1::VOTE_EXCLUSION_REASON_PROBATIONARY;
    case VoteExclusion::kSuspended:
      return v1::VOTE_EXCLUSION_REASON_SUSPENDED;
    case VoteExclusion::kTemporaryTransfer:
      return v1::VOTE_EXCLUSION_REASON_TEMPORARY_TRANSFER;
    case VoteExclusion::kExemptAbsent:
      return v1::VOTE_EXCLUSION_REASON_EXEMPT_ABSENT;
    case VoteExclusion::kAbsentReasonAccepted:
      return v1::VOTE_EXCLUSION_REASON_ABSENT_REASON_ACCEPTED;
    case VoteExclusion::kNone:
      break;
  }
  return v1::VOTE_EXCLUSION_REASON_UNSPECIFIED;
}

}  // namespace

void ClearVote(DbConnection& db, int64_t meeting_id) {
  // A DELETE that matches nothing still takes a next-key lock, and for the
  // newest meeting that is the gap every new record inserts its vote into:
  // concurrent recorders then deadlock on it. So delete only rows that are
  // there (the caller holds the meeting row, so none appear meanwhile).
  sql::PreparedStatement& has = db.Prepare(
      "SELECT EXISTS (SELECT 1 FROM meeting_votes WHERE meeting_id = ?), "
      "EXISTS (SELECT 1 FROM meeting_vote_members WHERE meeting_id = ?)");
  has.setInt64(1, meeting_id);
  has.setInt64(2, meeting_id);
  std::unique_ptr<sql::ResultSet> row(has.executeQuery());
  if (!row->next()) return;
  const bool vote = row->getBoolean(1);
  const bool members = row->getBoolean(2);
  if (members) {
    sql::PreparedStatement& clear_members =
        db.Prepare("DELETE FROM meeting_vote_members WHERE meeting_id = ?");
    clear_members.setInt64(1, meeting_id);
    clear_members.executeUpdate();
  }
  if (vote) {
    sql::PreparedStatement& clear_vote =
        db.Prepare("DELETE FROM meeting_votes WHERE meeting_id = ?");
    clear_vote.setInt64(1, meeting_id);
    clear_vote.executeUpdate();
  }
}

bool WriteVote(DbConnection& db, int64_t meeting_id, const NewRecord& record) {
  std::map<int64_t, VoteExclusion> excluded;
  bool wrote = false;
  if (record.vote) {
    wrote = true;
    const VoteOutcome& v = *record.vote;
    for (const auto& [member, why] : v.excluded) excluded[member] = why;
    sql::PreparedStatement& insert = db.Prepare(
        "INSERT INTO meeting_votes (meeting_id, votes_for, votes_against, "
        "abstentions, denominator, passed, vote_rule_id, vote_rule_version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.setInt64(1, meeting_id);
    insert.setInt(2, v.tally.votes_for);
    insert.setInt(3, v.tally.votes_against);
    insert.setInt(4, v.tally.abstentions);
    insert.setInt(5, v.denominator);
    insert.setBoolean(6, v.passed);
    insert.setInt64(7, v.rule_id);
    insert.setInt(8, v.rule_version);
    insert.executeUpdate();
  }
  sql::PreparedStatement& member = db.Prepare(
      "INSERT INTO meeting_vote_members (meeting_id, member_id, "
      "temporary_transfer, reason_accepted, choice, exclusion) VALUES "
      "(?, ?, ?, ?, ?, ?)");
  for (const VoterFacts& f : record.voter_facts) {
    auto found = excluded.find(f.member_id);
    const VoteExclusion exclusion =
        found == excluded.end() ? VoteExclusion::kNone : found->second;
    if (!f.temporary_transfer && !f.reason_accepted &&
        f.choice == VoteChoice::kNone && exclusion == VoteExclusion::kNone) {
      continue;  // nothing to keep beyond the attendance row
    }
    member.setInt64(1, meeting_id);
    member.setInt64(2, f.member_id);
    member.setBoolean(3, f.temporary_transfer);
    member.setBoolean(4, f.reason_accepted);
    member.setInt(5, ChoiceToProto(f.choice));
    member.setInt(6, ExclusionToProto(exclusion));
    member.executeUpdate();
    wrote = true;
  }
  return wrote;
}

void LoadVote(DbConnection& db, int64_t meeting_id, v1::MeetingRecord* out) {
  sql::PreparedStatement& vote = db.Prepare(
      "SELECT v.votes_for, v.votes_against, v.abstentions, v.denominator, "
      "v.passed, v.vote_rule_id, v.vote_rule_version, r.source FROM "
      "meeting_votes v JOIN vote_rules r ON r.id = v.vote_rule_id AND "
      "r.version = v.vote_rule_version WHERE v.meeting_id = ?");
  vote.setInt64(1, meeting_id);
  std::unique_ptr<sql::ResultSet> row(vote.executeQuery());
  const bool has_vote = row->next();
  if (has_vote) {
    v1::ResolutionVote* v = out->mutable_vote();
    v->set_votes_for(row->getInt("votes_for"));
    v->set_votes_against(row->getInt("votes_against"));
    v->set_abstentions(row->getInt("abstentions"));
    v->set_denominator(row->getInt("denominator"));
    v->set_passed(row->getBoolean("passed"));
    v->set_vote_rule(
        absl::StrCat(ResourceName("voteRules", row->getInt64("vote_rule_id")),
                     " v", row->getInt("vote_rule_version"), " (",
                     static_cast<std::string>(row->getString("source")), ")"));
  }
  sql::PreparedStatement& members = db.Prepare(
      "SELECT member_id, temporary_transfer, reason_accepted, choice, "
      "exclusion FROM meeting_vote_members WHERE meeting_id = ? ORDER BY "
      "member_id");
  members.setInt64(1, meeting_id);
  std::unique_ptr<sql::ResultSet> m(members.executeQuery());
  std::map<std::string, v1::Attendance*> by_member;
  for (v1::Attendance& a : *out->mutable_attendance()) {
    by_member[a.member()] = &a;
  }
  while (m->next()) {
    const std::string name = ResourceName("members", m->getInt64(1));
    auto found = by_member.find(name);
    if (found != by_member.end()) {
      found->second->set_temporary_transfer(m->getBoolean(2));
      found->second->set_reason_accepted(m->getBoolean(3));
    }
    if (!has_vote) continue;
    if (m->getInt(4) != v1::VOTE_CHOICE_UNSPECIFIED) {
      v1::Ballot* ballot = out->mutable_vote()->add_ballots();
      ballot->set_member(name);
      ballot->set_choice(static_cast<v1::VoteChoice>(m->getInt(4)));
    }
    if (m->getInt(5) != v1::VOTE_EXCLUSION_REASON_UNSPECIFIED) {
      v1::VoteExclusion* e = out->mutable_vote()->add_exclusions();
      e->set_member(name);
      e->set_reason(static_cast<v1::VoteExclusionReason>(m->getInt(5)));
    }
  }
}

absl::StatusOr<std::vector<VoteRule>> SchedulingStore::LoadVoteRules(
    const CallContext& call) {
  std::vector<VoteRule> rules;
  RETURN_IF_ERROR(WithConnection(
      *pool_, call.deadline, "loading vote rules", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query = db.Prepare(
            "SELECT id, version, source, threshold_numerator, "
            "threshold_denominator, effective_from, effective_to FROM "
            "vote_rules ORDER BY id, version");
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        while (row->next()) {
          VoteRule rule;
          rule.id = row->getInt64("id");
          rule.version = row->getInt("version");
          rule.source = row->getString("source");
          rule.threshold_numerator = row->getInt("threshold_numerator");
          rule.threshold_denominator = row->getInt("threshold_denominator");
          rule.effective_from = DateIn(row->getString("effective_from"));
          rule.effective_to = DateIn(row->getString("effective_to"));
          rules.push_back(std::move(rule));
        }
        return absl::OkStatus();
      }));
  return rules;
}

}  // namespace chibo::scheduling
