// The vote on a record's resolution through the real servers and MariaDB:
// the registry's statuses and the record's facts decide the denominator.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/integration/scheduling/scheduling_fixture.h"

namespace chibo::scheduling {
namespace {

using registry::v1::MEMBER_STATUS_EXEMPT;
using registry::v1::MEMBER_STATUS_PROBATIONARY;
using registry::v1::MEMBER_STATUS_SUSPENDED;

class VoteTest : public SchedulingTest {
 protected:
  void SetUp() override {
    SchedulingTest::SetUp();
    tree_ = MakeTree(6);  // members 0..3 full; 4 transferred; 5 excused
    probationary_ = MakeMember(tree_.cell, MEMBER_STATUS_PROBATIONARY);
    suspended_ = WithStatus(MEMBER_STATUS_SUSPENDED);
    exempt_ = WithStatus(MEMBER_STATUS_EXEMPT);
    start_ = absl::StrFormat("%04d-05-12T14:00", LastYear());
  }

  // A full member whose status changed in 2020.
  std::string WithStatus(registry::v1::MemberStatus status) {
    const std::string member = MakeMember(tree_.cell);
    registry::v1::ChangeMemberStatusRequest change;
    change.set_member(member);
    change.set_status(status);
    change.set_effective_date("2020-06-01");
    change.set_reason("Quyết định của cấp ủy");
    registry::v1::Member changed;
    grpc::Status result =
        registry().ChangeMemberStatus(Context().get(), change, &changed);
    EXPECT_TRUE(result.ok()) << result.error_message();
    return member;
  }

  // An extra meeting with everyone's facts: four full members present, one
  // on temporary transfer, one absent with an accepted reason, the
  // probationary member present, the suspended and exempt ones away.
  v1::MeetingRecord Request() {
    std::vector<std::string> all = tree_.members;
    all.insert(all.end(), {probationary_, suspended_, exempt_});
    v1::MeetingRecord r = RecordRequest(
        tree_.cell, "", start_, 120, all,
        {v1::ATTENDANCE_MARK_PRESENT, v1::ATTENDANCE_MARK_PRESENT,
         v1::ATTENDANCE_MARK_PRESENT, v1::ATTENDANCE_MARK_PRESENT,
         v1::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON,
         v1::ATTENDANCE_MARK_ABSENT_WITH_REASON, v1::ATTENDANCE_MARK_PRESENT,
         v1::ATTENDANCE_MARK_EXEMPT, v1::ATTENDANCE_MARK_EXEMPT});
    r.mutable_attendance(4)->set_temporary_transfer(true);
    r.mutable_attendance(5)->set_reason("Đi công tác");
    r.mutable_attendance(5)->set_reason_accepted(true);
    r.set_resolution("Nghị quyết tháng 5");
    return r;
  }

  Tree tree_;
  std::string probationary_;
  std::string suspended_;
  std::string exempt_;
  std::string start_;
};

TEST_F(VoteTest, CountsPassOverTheDenominatorAfterExclusions) {
  v1::MeetingRecord r = Request();
  r.mutable_vote()->set_votes_for(3);
  r.mutable_vote()->set_votes_against(1);
  v1::MeetingRecord out;
  grpc::Status status = Record(r, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.vote().denominator(), 4);
  EXPECT_TRUE(out.vote().passed());
  EXPECT_EQ(out.vote().vote_rule().rfind("voteRules/1 v1 (", 0), 0u)
      << out.vote().vote_rule();
  ASSERT_EQ(out.vote().exclusions_size(), 5);
  EXPECT_TRUE(out.attendance(4).temporary_transfer() ||
              out.attendance(5).temporary_transfer());

  // GetMeetingRecord reads the same.
  v1::GetMeetingRecordRequest get;
  get.set_name(out.name());
  v1::MeetingRecord read;
  ASSERT_TRUE(stub().GetMeetingRecord(Context().get(), get, &read).ok());
  EXPECT_EQ(read.vote().DebugString(), out.vote().DebugString());
  // All of it: the write reads back only the parts it wrote.
  EXPECT_EQ(read.DebugString(), out.DebugString());
}

TEST_F(VoteTest, ExactlyHalfDoesNotPassAndBallotsCount) {
  v1::MeetingRecord r = Request();
  // Two of four: exactly half.
  for (int i = 0; i < 4; ++i) {
    v1::Ballot* ballot = r.mutable_vote()->add_ballots();
    ballot->set_member(tree_.members[i]);
    ballot->set_choice(i < 2 ? v1::VOTE_CHOICE_FOR : v1::VOTE_CHOICE_ABSTAIN);
  }
  v1::MeetingRecord out;
  grpc::Status status = Record(r, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(out.vote().votes_for(), 2);
  EXPECT_EQ(out.vote().abstentions(), 2);
  EXPECT_FALSE(out.vote().passed());
  EXPECT_EQ(out.vote().ballots_size(), 4);
}

TEST_F(VoteTest, BadVotesAreRefusedNamingTheField) {
  v1::MeetingRecord out;
  v1::MeetingRecord too_many = Request();
  too_many.mutable_vote()->set_votes_for(5);
  ExpectError(Record(too_many, &out), grpc::StatusCode::INVALID_ARGUMENT,
              "record.vote: votes_for + votes_against + abstentions (5) "
              "exceeds the denominator (4");
  v1::MeetingRecord probationary = Request();
  v1::Ballot* ballot = probationary.mutable_vote()->add_ballots();
  ballot->set_member(probationary_);
  ballot->set_choice(v1::VOTE_CHOICE_FOR);
  ExpectError(Record(probationary, &out), grpc::StatusCode::INVALID_ARGUMENT,
              "probationary member and does not vote");
  v1::MeetingRecord accepted = Request();
  accepted.mutable_attendance(0)->set_reason_accepted(true);
  ExpectError(Record(accepted, &out), grpc::StatusCode::INVALID_ARGUMENT,
              "record.attendance[0].reason_accepted");
}

TEST_F(VoteTest, SixteenConcurrentRecordersWithVotesWriteEachOnce) {
  constexpr int kClients = 16;
  const int y = LastYear() - 1;
  MakeDayRule(tree_.cell, 12, absl::StrFormat("%04d-01-01", y),
              v1::RULE_TARGET_CELL);
  // 17 months: one per client, and one that every client records at once.
  const std::vector<v1::Meeting> months =
      Meetings(tree_.cell, absl::StrFormat("%04d-01-01", y),
               absl::StrFormat("%04d-05-31", y + 1));
  ASSERT_EQ(months.size(), 17u);
  auto request = [&](int month) {
    v1::MeetingRecord r = Request();
    r.set_nominal_date(months[month].nominal_date());
    r.set_start_time(months[month].scheduled_date() + "T14:00");
    r.set_end_time(months[month].scheduled_date() + "T16:00");
    r.mutable_vote()->set_votes_for(3);
    r.mutable_vote()->set_votes_against(1);
    return r;
  };
  std::vector<std::string> names(kClients + 1);
  std::atomic<int> failures{0};
  auto run = [&](int c, int month, const std::string& request_id,
                 std::string* name) {
    v1::MeetingRecord out;
    grpc::Status status = Record(request(month), &out, request_id);
    if (!status.ok()) {
      ++failures;
      ADD_FAILURE() << c << ": " << status.error_code() << " "
                    << status.error_message();
      return;
    }
    EXPECT_TRUE(out.vote().passed()) << c;
    EXPECT_EQ(out.vote().denominator(), 4) << c;
    if (name->empty()) {
      *name = out.name();
    } else {
      EXPECT_EQ(out.name(), *name) << c;
    }
  };
  // Round 0: each client its own month and request id; round 1: all retry.
  // Each client owns its slot of `names`, so no two threads share one.
  for (int round = 0; round < 2; ++round) {
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back(
          [&, c] { run(c, c, absl::StrCat("vote-", c), &names[c]); });
    }
    for (std::thread& t : clients) t.join();
  }
  // Then all 16 send one request at once.
  std::vector<std::string> same(kClients);
  {
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] { run(c, kClients, "vote-same", &same[c]); });
    }
    for (std::thread& t : clients) t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  for (const std::string& name : same) EXPECT_EQ(name, same[0]);

  const std::string cell_id = tree_.cell.substr(tree_.cell.find('/') + 1);
  auto count = [&](const std::string& sql) {
    auto n = db().QueryInt(sql, {cell_id});
    EXPECT_TRUE(n.ok()) << n.status();
    return n.value_or(-1);
  };
  EXPECT_EQ(count("SELECT COUNT(*) FROM meetings WHERE cell_id = ?"),
            kClients + 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM meeting_votes v JOIN meetings m "
                  "ON m.id = v.meeting_id WHERE m.cell_id = ? AND v.passed"),
            kClients + 1);
  // Every record's digest is current and equals its attendance rows (9
  // marks: well within GROUP_CONCAT's default 1024 bytes).
  EXPECT_EQ(count("SELECT COUNT(*) FROM meetings m WHERE m.cell_id = ? AND "
                  "NOT (m.attendance_digest_version <=> m.version AND "
                  "m.attendance_digest <=> COALESCE((SELECT "
                  "GROUP_CONCAT(a.member_id, ':', a.mark ORDER BY a.member_id "
                  "SEPARATOR ',') FROM attendance a WHERE a.meeting_id = "
                  "m.id), ''))"),
            0);
  for (const v1::Meeting& m :
       Meetings(tree_.cell, absl::StrFormat("%04d-01-01", y),
                absl::StrFormat("%04d-05-31", y + 1))) {
    EXPECT_EQ(m.state(), v1::MEETING_STATE_HELD) << m.nominal_date();
  }
}

}  // namespace
}  // namespace chibo::scheduling
