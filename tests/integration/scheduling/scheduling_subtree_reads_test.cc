// Subtree reads (ListMeetings, GetComplianceReport, GetPlanCompletion) load
// all their cells in a fixed number of statements. They must give, cell by
// cell, exactly what the same call gives for that cell alone: the batch
// may not mix up or drop any cell's rules, postponements, records or
// attendance.

#include <cppconn/prepared_statement.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/mysql_pool.h"
#include "common/sql_rows.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/integration/scheduling/scheduling_fixture.h"

namespace chibo::scheduling {
namespace {

using google::protobuf::util::MessageDifferencer;
using registry::v1::CellCategory;

std::string Day(int year, int month, int day) {
  return absl::StrFormat("%04d-%02d-%02d", year, month, day);
}

class SubtreeReadsTest : public SchedulingTest {
 protected:
  // A bloc with cells of four categories directly under it and a
  // grassroots committee with subordinate cells; rules for the bloc, for
  // one category, for the committee and for one cell alone; records of
  // varying length and attendance, extra thematic meetings and a mandated
  // topic held by some cells.
  void SetUp() override {
    SchedulingTest::SetUp();
    y_ = LastYear();
    Tree tree = MakeTree(2);
    bloc_ = tree.bloc;
    cells_.push_back(tree.cell);
    members_[tree.cell] = tree.members;
    const CellCategory categories[] = {
        registry::v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY,
        registry::v1::CELL_CATEGORY_PUBLIC_SERVICE_UNIT,
        registry::v1::CELL_CATEGORY_ENTERPRISE,
        registry::v1::CELL_CATEGORY_RESIDENTIAL};
    for (int i = 0; i < 9; ++i) {
      cells_.push_back(MakeCellUnder(bloc_, categories[i % 4]));
    }
    const std::string committee = MakeOrganizationUnder(
        bloc_, registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE);
    for (int i = 0; i < 5; ++i) {
      cells_.push_back(MakeOrganizationUnder(
          committee, registry::v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL,
          categories[(i + 1) % 4]));
    }
    for (size_t i = 1; i < cells_.size(); ++i) {
      members_[cells_[i]].push_back(MakeMember(cells_[i]));
      members_[cells_[i]].push_back(MakeMember(
          cells_[i], i % 3 == 0 ? registry::v1::MEMBER_STATUS_PROBATIONARY
                                : registry::v1::MEMBER_STATUS_FULL));
    }
    MakeDayRule(bloc_, 5, Day(y_ - 1, 1, 1));
    MakeDayRule(bloc_, 12, Day(y_, 3, 1), v1::RULE_TARGET_CATEGORY,
                registry::v1::CELL_CATEGORY_ENTERPRISE);
    MakeDayRule(committee, 20, Day(y_, 5, 1));
    MakeDayRule(cells_[3], 25, Day(y_, 7, 1), v1::RULE_TARGET_CELL);

    v1::CreateTopicRequest topic;
    topic.mutable_topic()->set_organization(bloc_);
    topic.mutable_topic()->set_year(y_);
    topic.mutable_topic()->set_title(
        "Học tập và làm theo tư tưởng Hồ Chí Minh");
    topic.mutable_topic()->set_planned_month(3);
    topic.mutable_topic()->set_mandated(true);
    v1::Topic created;
    ASSERT_TRUE(stub().CreateTopic(Context().get(), topic, &created).ok());
    topic_ = created.name();

    for (size_t i = 0; i < cells_.size(); ++i) RecordSome(i);
  }

  void RecordSome(size_t i) {
    const std::string& cell = cells_[i];
    const std::vector<std::string>& members = members_[cell];
    for (const v1::Meeting& m :
         Meetings(cell, Day(y_, 1, 1), Day(y_, 12, 31))) {
      const int month = std::stoi(m.nominal_date().substr(5, 2));
      if ((i + month) % 3 == 0) continue;  // missed
      std::vector<v1::AttendanceMark> marks(members.size(),
                                            v1::ATTENDANCE_MARK_PRESENT);
      if ((i + month) % 4 == 0)
        marks.back() = v1::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON;
      if ((i + month) % 5 == 0) {
        marks.back() = v1::ATTENDANCE_MARK_ABSENT_WITH_REASON;
      }
      v1::MeetingRecord record = RecordRequest(
          cell, m.nominal_date(), absl::StrCat(m.scheduled_date(), "T14:00"),
          (i + month) % 7 == 0 ? 45 : 100, members, marks);
      if (month == 3 && i % 2 == 0) record.add_topics(topic_);
      v1::MeetingRecord out;
      ASSERT_TRUE(Record(record, &out).ok()) << cell << " " << m.nominal_date();
    }
    if (i % 4 == 1) {  // an extra thematic meeting
      v1::MeetingRecord extra =
          RecordRequest(cell, "", Day(y_, 8, 16) + "T08:00", 120, members);
      extra.set_kind(v1::MEETING_KIND_THEMATIC);
      extra.set_form(v1::MEETING_FORM_ONLINE);
      v1::MeetingRecord out;
      ASSERT_TRUE(Record(extra, &out).ok()) << cell;
    }
  }

  v1::ComplianceReport Report(const std::string& organization) {
    v1::GetComplianceReportRequest request;
    request.set_organization(organization);
    request.set_start_date(Day(y_, 1, 1));
    request.set_end_date(Day(y_, 12, 31));
    v1::ComplianceReport report;
    EXPECT_TRUE(
        stub().GetComplianceReport(Context().get(), request, &report).ok());
    return report;
  }

  // Every page, at `page_size` cells a page; counts the pages.
  std::vector<v1::Meeting> AllMeetings(const std::string& organization,
                                       int page_size, int* pages) {
    v1::ListMeetingsRequest request;
    request.set_organization(organization);
    request.set_start_date(Day(y_, 1, 1));
    request.set_end_date(Day(y_, 12, 31));
    request.set_page_size(page_size);
    std::vector<v1::Meeting> all;
    *pages = 0;
    do {
      v1::ListMeetingsResponse page;
      grpc::Status status =
          stub().ListMeetings(Context().get(), request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      ++*pages;
      all.insert(all.end(), page.meetings().begin(), page.meetings().end());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty() && *pages < 100);
    return all;
  }

  int y_ = 0;
  std::string bloc_;
  std::string topic_;
  std::vector<std::string> cells_;
  std::map<std::string, std::vector<std::string>> members_;
};

TEST_F(SubtreeReadsTest, ComplianceOfTheSubtreeIsEachCellsOwn) {
  const v1::ComplianceReport bloc = Report(bloc_);
  ASSERT_EQ(bloc.cells_size(), static_cast<int>(cells_.size()));
  std::map<std::string, std::vector<std::string>> bloc_alerts;
  for (const v1::AbsenceAlert& alert : bloc.alerts()) {
    bloc_alerts[alert.cell()].push_back(alert.SerializeAsString());
  }
  int held = 0;
  for (const v1::CellCompliance& cell : bloc.cells()) {
    const v1::ComplianceReport alone = Report(cell.cell());
    ASSERT_EQ(alone.cells_size(), 1) << cell.cell();
    EXPECT_TRUE(MessageDifferencer::Equals(cell, alone.cells(0)))
        << "subtree:\n"
        << cell.DebugString() << "alone:\n"
        << alone.cells(0).DebugString();
    std::vector<std::string> alerts;
    for (const v1::AbsenceAlert& alert : alone.alerts()) {
      alerts.push_back(alert.SerializeAsString());
    }
    EXPECT_EQ(bloc_alerts[cell.cell()], alerts) << cell.cell();
    EXPECT_EQ(alone.holiday_calendars().size(),
              bloc.holiday_calendars().size());
    held += cell.meetings_held();
  }
  EXPECT_GT(held, 50);
  EXPECT_LT(bloc.cells_fully_compliant(), bloc.cells_size());
  // No calendar was set for the year: the report says so.
  ASSERT_EQ(bloc.years_without_holiday_calendar_size(), 1);
  EXPECT_EQ(bloc.years_without_holiday_calendar(0), y_);
}

// The report from the records' digests equals the report from their
// attendance rows: the same call again after the digests are made stale
// (as a binary without them would leave them), so the store reads rows.
TEST_F(SubtreeReadsTest, ComplianceFromDigestsEqualsComplianceFromRows) {
  const v1::ComplianceReport before = Report(bloc_);
  const v1::ComplianceReport from_digests = Report(bloc_);
  std::vector<int64_t> ids;
  for (const std::string& cell : cells_) {
    ids.push_back(std::stoll(cell.substr(cell.find('/') + 1)));
  }
  auto digests = db().QueryInt(
      "SELECT COUNT(*) FROM JSON_TABLE(?, '$[*]' COLUMNS (c BIGINT PATH "
      "'$')) w JOIN meetings m ON m.cell_id = w.c WHERE "
      "m.attendance_digest_version = m.version",
      {JsonIdArray(ids)});
  ASSERT_TRUE(digests.ok()) << digests.status();
  EXPECT_GT(*digests, 50);
  ASSERT_TRUE(WithConnection(
                  db().pool(), absl::Now() + absl::Seconds(30), "stale",
                  TxMode::kWrite,
                  [&](DbConnection& c) {
                    sql::PreparedStatement& stale = c.Prepare(
                        "UPDATE meetings m JOIN JSON_TABLE(?, '$[*]' COLUMNS "
                        "(c BIGINT PATH '$')) w ON m.cell_id = w.c SET "
                        "m.attendance_digest_version = NULL");
                    stale.setString(1, JsonIdArray(ids));
                    stale.executeUpdate();
                    return absl::OkStatus();
                  })
                  .ok());
  const v1::ComplianceReport from_rows = Report(bloc_);
  EXPECT_TRUE(MessageDifferencer::Equals(from_digests, from_rows))
      << "digests:\n"
      << from_digests.DebugString() << "rows:\n"
      << from_rows.DebugString();
  EXPECT_TRUE(MessageDifferencer::Equals(before, from_digests));
  EXPECT_GT(from_rows.alerts_size() + from_rows.cells_size(), 0);
}

TEST_F(SubtreeReadsTest, PagedMeetingsOfTheSubtreeAreEachCellsOwn) {
  int pages = 0;
  const std::vector<v1::Meeting> paged = AllMeetings(bloc_, 4, &pages);
  EXPECT_EQ(pages, static_cast<int>((cells_.size() + 3) / 4));
  std::vector<std::string> sorted = cells_;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::stoll(a.substr(a.find('/') + 1)) <
           std::stoll(b.substr(b.find('/') + 1));
  });
  std::vector<v1::Meeting> one_by_one;
  for (const std::string& cell : sorted) {
    int unused = 0;
    for (v1::Meeting& m : AllMeetings(cell, 50, &unused)) {
      one_by_one.push_back(std::move(m));
    }
  }
  ASSERT_EQ(paged.size(), one_by_one.size());
  int thematic_online = 0;
  for (size_t i = 0; i < paged.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(paged[i], one_by_one[i]))
        << "paged:\n"
        << paged[i].DebugString() << "alone:\n"
        << one_by_one[i].DebugString();
    if (paged[i].state() == v1::MEETING_STATE_HELD) {
      EXPECT_NE(paged[i].record_kind(), v1::MEETING_KIND_UNSPECIFIED);
      EXPECT_NE(paged[i].record_form(), v1::MEETING_FORM_UNSPECIFIED);
    }
    if (paged[i].record_kind() == v1::MEETING_KIND_THEMATIC &&
        paged[i].record_form() == v1::MEETING_FORM_ONLINE) {
      ++thematic_online;
    }
  }
  // Counted from the listing alone, without reading any record.
  EXPECT_EQ(thematic_online, 4);  // cells 1, 5, 9, 13
}

TEST_F(SubtreeReadsTest, PlanCompletionOfTheSubtreeIsEachCellsOwn) {
  v1::GetPlanCompletionRequest request;
  request.set_organization(bloc_);
  request.set_year(y_);
  v1::PlanCompletion bloc;
  ASSERT_TRUE(stub().GetPlanCompletion(Context().get(), request, &bloc).ok());
  ASSERT_EQ(bloc.by_cell_size(), static_cast<int>(cells_.size()));
  int held = 0;
  for (const v1::CellPlan& cell : bloc.by_cell()) {
    request.set_organization(cell.cell());
    v1::PlanCompletion alone;
    ASSERT_TRUE(
        stub().GetPlanCompletion(Context().get(), request, &alone).ok());
    ASSERT_EQ(alone.by_cell_size(), 1);
    EXPECT_TRUE(MessageDifferencer::Equals(cell, alone.by_cell(0)))
        << cell.DebugString() << alone.by_cell(0).DebugString();
    held += cell.topics_held();
  }
  EXPECT_GT(held, 0);
  EXPECT_EQ(bloc.topics_held(), held);
}

TEST_F(SubtreeReadsTest, APageTokenOfAnotherPeriodIsRefused) {
  v1::ListMeetingsRequest request;
  request.set_organization(bloc_);
  request.set_start_date(Day(y_, 1, 1));
  request.set_end_date(Day(y_, 1, 31));
  request.set_page_size(2);
  v1::ListMeetingsResponse page;
  ASSERT_TRUE(stub().ListMeetings(Context().get(), request, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_end_date(Day(y_, 2, 28));
  request.set_page_token(page.next_page_token());
  ExpectError(stub().ListMeetings(Context().get(), request, &page),
              grpc::StatusCode::INVALID_ARGUMENT, "page_token");
}

}  // namespace
}  // namespace chibo::scheduling
