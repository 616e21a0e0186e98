// Meeting-day rules, holidays, the computed schedule and postponements,
// through the real scheduling and registry servers and MariaDB.

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/dates.h"
#include "tests/integration/scheduling/scheduling_fixture.h"

namespace chibo::scheduling {
namespace {

std::string Day(int year, int month, int day) {
  return absl::StrFormat("%04d-%02d-%02d", year, month, day);
}

class RulesTest : public SchedulingTest {};

TEST_F(RulesTest, MalformedRulesAreRefusedNamingTheField) {
  Tree tree = MakeTree(0);
  auto create = [&](std::function<void(v1::MeetingRule*)> edit) {
    v1::CreateMeetingRuleRequest request;
    v1::MeetingRule* rule = request.mutable_rule();
    rule->set_organization(tree.bloc);
    rule->set_target(v1::RULE_TARGET_SUBTREE);
    v1::MeetingRuleVersion* v = rule->add_versions();
    v->set_pattern(v1::DAY_PATTERN_DAY_OF_MONTH);
    v->set_day_of_month(1);
    v->set_effective_from("2025-01-01");
    edit(rule);
    v1::MeetingRule out;
    return stub().CreateMeetingRule(Context().get(), request, &out);
  };
  ExpectError(create([](v1::MeetingRule* r) {
                r->mutable_versions(0)->set_day_of_month(32);
              }),
              grpc::StatusCode::INVALID_ARGUMENT,
              "rule.versions[0].day_of_month");
  ExpectError(
      create([](v1::MeetingRule* r) {
        r->mutable_versions(0)->set_pattern(v1::DAY_PATTERN_NTH_WEEKDAY);
        r->mutable_versions(0)->set_nth(1);
        r->mutable_versions(0)->set_weekday(8);
      }),
      grpc::StatusCode::INVALID_ARGUMENT, "rule.versions[0].weekday");
  // The 5th Friday of February 2025 does not exist: a rule effective only
  // then never yields a date.
  ExpectError(create([](v1::MeetingRule* r) {
                v1::MeetingRuleVersion* v = r->mutable_versions(0);
                v->set_pattern(v1::DAY_PATTERN_NTH_WEEKDAY);
                v->set_nth(5);
                v->set_weekday(5);
                v->set_effective_from("2025-02-01");
                v->set_effective_to("2025-02-28");
              }),
              grpc::StatusCode::INVALID_ARGUMENT, "never");
  ExpectError(create([](v1::MeetingRule* r) {
                r->mutable_versions(0)->set_effective_to("2024-12-31");
              }),
              grpc::StatusCode::INVALID_ARGUMENT, "effective_to");
  ExpectError(create([](v1::MeetingRule* r) {
                r->mutable_versions(0)->set_start_time("25:00");
              }),
              grpc::StatusCode::INVALID_ARGUMENT,
              "rule.versions[0].start_time");
  ExpectError(create([](v1::MeetingRule* r) { r->clear_versions(); }),
              grpc::StatusCode::INVALID_ARGUMENT, "rule.versions");
  ExpectError(
      create([](v1::MeetingRule* r) { r->set_target(v1::RULE_TARGET_CELL); }),
      grpc::StatusCode::FAILED_PRECONDITION, "is not a cell");
  ExpectError(create([](v1::MeetingRule* r) {
                r->set_target(v1::RULE_TARGET_CATEGORY);
              }),
              grpc::StatusCode::INVALID_ARGUMENT, "rule.category");
  ExpectError(create([](v1::MeetingRule* r) {
                r->set_organization("organizations/987654321");
              }),
              grpc::StatusCode::NOT_FOUND, "organizations/987654321");
}

TEST_F(RulesTest, TheMostSpecificRuleWins) {
  Tree tree = MakeTree(0);
  const std::string enterprise =
      MakeCellUnder(tree.bloc, registry::v1::CELL_CATEGORY_ENTERPRISE);
  const std::string own = MakeCellUnder(
      tree.bloc, registry::v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY);
  const int y = NextYear();
  MakeDayRule(tree.province, 2, Day(y, 1, 1));
  MakeDayRule(tree.bloc, 12, Day(y, 1, 1), v1::RULE_TARGET_CATEGORY,
              registry::v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY);
  MakeDayRule(own, 20, Day(y, 1, 1), v1::RULE_TARGET_CELL);
  // June 12 and June 20 are working days in any year? Not always: compare
  // nominal dates, which the shift does not move.
  auto nominal = [&](const std::string& cell) {
    auto meetings = Meetings(cell, Day(y, 6, 1), Day(y, 6, 30));
    return meetings.empty() ? std::string() : meetings[0].nominal_date();
  };
  EXPECT_EQ(nominal(enterprise), Day(y, 6, 2));  // the province's rule
  EXPECT_EQ(nominal(tree.cell), Day(y, 6, 12));  // the bloc's, by category
  EXPECT_EQ(nominal(own), Day(y, 6, 20));        // the cell's own
  // The subtree view lists the meetings of all three cells.
  EXPECT_EQ(Meetings(tree.bloc, Day(y, 6, 1), Day(y, 6, 30)).size(), 3u);
  // A rule created after those reads applies to the next one: the kept
  // rules (migration 0012) go with the write.
  MakeDayRule(enterprise, 25, Day(y, 1, 1), v1::RULE_TARGET_CELL);
  EXPECT_EQ(nominal(enterprise), Day(y, 6, 25));
}

TEST_F(RulesTest, RevisionsKeepHistoryAndNameTheirVersion) {
  Tree tree = MakeTree(0);
  const int y = NextYear();
  v1::MeetingRule rule = MakeDayRule(tree.bloc, 3, Day(y, 1, 1));
  // Listed once before the revision: the rules read for it are kept
  // (migration 0012) until a rule write moves the generation.
  for (const v1::Meeting& m :
       Meetings(tree.cell, Day(y, 1, 1), Day(y, 12, 31))) {
    EXPECT_EQ(m.rule_version(), 1) << m.nominal_date();
  }
  v1::ReviseMeetingRuleRequest revise;
  revise.set_name(rule.name());
  revise.set_etag(rule.etag());
  v1::MeetingRuleVersion* v = revise.mutable_version();
  v->set_pattern(v1::DAY_PATTERN_NTH_WEEKDAY);
  v->set_nth(1);
  v->set_weekday(1);  // the first Monday
  v->set_start_time("08:00");
  v->set_effective_from(Day(y, 7, 1));
  v1::MeetingRule revised;
  ASSERT_TRUE(stub().ReviseMeetingRule(Context().get(), revise, &revised).ok());
  ASSERT_EQ(revised.versions_size(), 2);
  EXPECT_EQ(revised.versions(0).effective_to(), Day(y, 6, 30));
  EXPECT_EQ(revised.versions(1).version(), 2);
  // The old etag is stale now.
  v->set_effective_from(Day(y, 9, 1));
  v1::MeetingRule again;
  ExpectError(stub().ReviseMeetingRule(Context().get(), revise, &again),
              grpc::StatusCode::ABORTED, rule.name());
  // A version may not start before the latest one.
  revise.set_etag(revised.etag());
  v->set_effective_from(Day(y, 3, 1));
  ExpectError(stub().ReviseMeetingRule(Context().get(), revise, &again),
              grpc::StatusCode::INVALID_ARGUMENT, "version.effective_from");

  for (const v1::Meeting& m :
       Meetings(tree.cell, Day(y, 1, 1), Day(y, 12, 31))) {
    const bool second_half = m.nominal_date() >= Day(y, 7, 1);
    EXPECT_EQ(m.rule(), rule.name());
    EXPECT_EQ(m.rule_version(), second_half ? 2 : 1) << m.nominal_date();
    EXPECT_EQ(m.start_time(), second_half ? "08:00" : "14:00");
  }
  v1::GetMeetingRuleRequest get;
  get.set_name(rule.name());
  v1::MeetingRule read;
  ASSERT_TRUE(stub().GetMeetingRule(Context().get(), get, &read).ok());
  EXPECT_EQ(read.versions_size(), 2);
}

TEST_F(RulesTest, HolidayCalendarsAreVersionedAndShiftMeetings) {
  Tree tree = MakeTree(0);
  // Far in the future so no other test's calendar interferes.
  const int y = NextYear() + 40;
  MakeDayRule(tree.bloc, 1, Day(y, 1, 1));
  const std::vector<v1::Meeting> before =
      Meetings(tree.cell, Day(y, 1, 1), Day(y, 12, 31));
  ASSERT_EQ(before.size(), 12u);
  // Make every 1st of a month a holiday, then the 2nd too (version 2).
  v1::SetHolidayCalendarRequest set;
  set.mutable_calendar()->set_year(y);
  set.mutable_calendar()->set_source("test");
  for (int month = 1; month <= 12; ++month) {
    v1::Holiday* h = set.mutable_calendar()->add_holidays();
    h->set_date(Day(y, month, 1));
    h->set_title("Ngày nghỉ");
  }
  v1::HolidayCalendar v1_calendar;
  ASSERT_TRUE(
      stub().SetHolidayCalendar(Context().get(), set, &v1_calendar).ok());
  EXPECT_EQ(v1_calendar.version(), 1);
  for (const v1::Meeting& m :
       Meetings(tree.cell, Day(y, 1, 1), Day(y, 12, 31))) {
    EXPECT_NE(m.scheduled_date().substr(8), "01") << m.nominal_date();
  }
  v1::HolidayCalendar v2_calendar;
  ASSERT_TRUE(
      stub().SetHolidayCalendar(Context().get(), set, &v2_calendar).ok());
  EXPECT_EQ(v2_calendar.version(), 2);
  v1::ListMeetingsRequest list;
  list.set_organization(tree.cell);
  list.set_start_date(Day(y, 1, 1));
  list.set_end_date(Day(y, 1, 31));
  v1::ListMeetingsResponse response;
  ASSERT_TRUE(stub().ListMeetings(Context().get(), list, &response).ok());
  EXPECT_THAT(response.holiday_calendars(),
              ::testing::Contains(absl::StrCat(y, " v2")));

  // A holiday outside its year, or twice, is refused.
  set.mutable_calendar()->mutable_holidays(0)->set_date(Day(y + 1, 1, 1));
  ExpectError(stub().SetHolidayCalendar(Context().get(), set, &v2_calendar),
              grpc::StatusCode::INVALID_ARGUMENT, "calendar.holidays[0].date");
  set.mutable_calendar()->mutable_holidays(0)->set_date(Day(y, 2, 1));
  ExpectError(stub().SetHolidayCalendar(Context().get(), set, &v2_calendar),
              grpc::StatusCode::INVALID_ARGUMENT, "twice");
  v1::GetHolidayCalendarRequest get;
  get.set_year(y);
  get.set_version(1);
  v1::HolidayCalendar read;
  ASSERT_TRUE(stub().GetHolidayCalendar(Context().get(), get, &read).ok());
  EXPECT_EQ(read.holidays_size(), 12);
  get.set_year(y + 1);
  get.set_version(0);
  ExpectError(stub().GetHolidayCalendar(Context().get(), get, &read),
              grpc::StatusCode::NOT_FOUND, "holidayCalendars/");
}

// Every rule write takes the generation row (migration 0012) as its last
// lock before the feed's counter: 16 clients creating, revising and
// setting calendars at once, each reading its schedule back, all succeed,
// and each read sees its own client's latest version.
TEST_F(RulesTest, SixteenClientsWriteRulesAndCalendarsAtOnce) {
  Tree tree = MakeTree(0);
  const int y = NextYear() + 60;
  constexpr int kClients = 16;
  std::vector<std::string> cells;
  for (int i = 0; i < kClients; ++i) {
    cells.push_back(MakeCellUnder(
        tree.bloc, registry::v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY));
  }
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      const v1::MeetingRule rule =
          MakeDayRule(cells[i], 1 + i, Day(y, 1, 1), v1::RULE_TARGET_CELL);
      v1::ReviseMeetingRuleRequest revise;
      revise.set_name(rule.name());
      revise.set_etag(rule.etag());
      v1::MeetingRuleVersion* v = revise.mutable_version();
      v->set_pattern(v1::DAY_PATTERN_DAY_OF_MONTH);
      v->set_day_of_month(2 + i);
      v->set_effective_from(Day(y, 7, 1));
      v1::MeetingRule revised;
      grpc::Status status =
          stub().ReviseMeetingRule(Context().get(), revise, &revised);
      EXPECT_TRUE(status.ok()) << status.error_message();
      v1::SetHolidayCalendarRequest set;
      set.mutable_calendar()->set_year(y + i % 4);
      set.mutable_calendar()->set_source("test");
      v1::Holiday* holiday = set.mutable_calendar()->add_holidays();
      holiday->set_date(Day(y + i % 4, 5, 1));
      holiday->set_title("Quốc tế Lao động");
      v1::HolidayCalendar calendar;
      status = stub().SetHolidayCalendar(Context().get(), set, &calendar);
      EXPECT_TRUE(status.ok()) << status.error_message();
      const std::vector<v1::Meeting> august =
          Meetings(cells[i], Day(y, 8, 1), Day(y, 8, 31));
      ASSERT_EQ(august.size(), 1u) << cells[i];
      EXPECT_EQ(august[0].nominal_date(), Day(y, 8, 2 + i));
      EXPECT_EQ(august[0].rule_version(), 2);
    });
  }
  for (std::thread& client : clients) client.join();
}

class PostponementTest : public SchedulingTest {
 protected:
  void SetUp() override {
    SchedulingTest::SetUp();
    tree_ = MakeTree(1);
    // Day 1 from last year on: past meetings and future ones.
    MakeDayRule(tree_.bloc, 1, Day(LastYear(), 1, 1));
  }
  grpc::Status Postpone(const std::string& nominal, const std::string& to,
                        v1::Postponement* out,
                        const std::string& request_id = "") {
    v1::PostponeMeetingRequest request;
    request.set_cell(tree_.cell);
    request.set_nominal_date(nominal);
    request.set_new_date(to);
    request.set_reason("Trùng lịch hội nghị của Khối");
    request.set_request_id(request_id);
    return stub().PostponeMeeting(Context().get(), request, out);
  }
  Tree tree_;
};

TEST_F(PostponementTest, IntoTheNextMonthTwiceAndRetried) {
  const int y = NextYear();
  const std::string nominal = Day(y, 3, 1);
  const std::vector<v1::Meeting> march =
      Meetings(tree_.cell, Day(y, 3, 1), Day(y, 3, 31));
  ASSERT_EQ(march.size(), 1u);
  v1::Postponement first;
  ASSERT_TRUE(Postpone(nominal, Day(y, 3, 20), &first, "pp-1").ok());
  EXPECT_EQ(first.sequence(), 1);
  EXPECT_EQ(first.previous_date(), march[0].scheduled_date());
  v1::Postponement retried;
  ASSERT_TRUE(Postpone(nominal, Day(y, 3, 20), &retried, "pp-1").ok());
  EXPECT_EQ(retried.name(), first.name());
  // Again, into April: allowed, from the latest new day.
  v1::Postponement second;
  ASSERT_TRUE(Postpone(nominal, Day(y, 4, 3), &second).ok());
  EXPECT_EQ(second.sequence(), 2);
  EXPECT_EQ(second.previous_date(), Day(y, 3, 20));
  // Not back before the latest new day.
  v1::Postponement backwards;
  ExpectError(Postpone(nominal, Day(y, 3, 15), &backwards),
              grpc::StatusCode::INVALID_ARGUMENT, "new_date");

  const std::vector<v1::Meeting> after =
      Meetings(tree_.cell, Day(y, 3, 1), Day(y, 3, 31));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].postponements_size(), 2);
  EXPECT_EQ(after[0].date(), Day(y, 4, 3));
  EXPECT_EQ(after[0].state(), v1::MEETING_STATE_POSTPONED);
  auto rows = db().QueryInt(
      "SELECT COUNT(*) FROM postponements WHERE nominal_day = ?", {nominal});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, 2);
  auto events =
      db().QueryInt("SELECT COUNT(*) FROM outbox WHERE action = 'postponed'");
  ASSERT_TRUE(events.ok());
  EXPECT_GE(*events, 2);
}

TEST_F(PostponementTest, ReportedTooLateIntoThePastOrForNoMeeting) {
  const int last = LastYear();
  v1::Postponement out;
  // Last year's meeting day has passed: it is held or missed now.
  ExpectError(Postpone(Day(last, 5, 1), Day(NextYear(), 1, 20), &out),
              grpc::StatusCode::FAILED_PRECONDITION, "no later than");
  ExpectError(Postpone(Day(NextYear(), 5, 1), Day(last, 5, 3), &out),
              grpc::StatusCode::INVALID_ARGUMENT, "new_date");
  ExpectError(Postpone(Day(NextYear(), 5, 2), Day(NextYear(), 5, 9), &out),
              grpc::StatusCode::NOT_FOUND, "no meeting with nominal date");
  v1::PostponeMeetingRequest no_reason;
  no_reason.set_cell(tree_.cell);
  no_reason.set_nominal_date(Day(NextYear(), 5, 1));
  no_reason.set_new_date(Day(NextYear(), 5, 9));
  ExpectError(stub().PostponeMeeting(Context().get(), no_reason, &out),
              grpc::StatusCode::INVALID_ARGUMENT, "reason");
  // A past meeting without record or postponement is missed.
  const std::vector<v1::Meeting> past =
      Meetings(tree_.cell, Day(last, 5, 1), Day(last, 5, 31));
  ASSERT_EQ(past.size(), 1u);
  EXPECT_EQ(past[0].state(), v1::MEETING_STATE_MISSED);
}

}  // namespace
}  // namespace chibo::scheduling
