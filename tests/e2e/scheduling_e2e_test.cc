// End to end: the built chibo-registry and chibo-scheduling binaries as
// real processes with real tokens, scheduling asking the registry with its
// own service identity. A cell with members, a year of rules with a
// revision, holidays, a postponement (seen in the feed by the cell's
// secretary), records with attendance, the compliance report with its
// absence alert, the iCalendar export parsed back, a registry outage, and a
// clean SIGTERM.

#include <signal.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "chibo/feed/v1/feed.grpc.pb.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "chibo/scheduling/v1/scheduling.grpc.pb.h"
#include "common/auth/jwt.h"
#include "common/auth/key_set.h"
#include "common/dates.h"
#include "common/testing/subprocess.h"
#include "common/testing/test_db.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {
namespace {

using testing::Subprocess;
namespace reg = registry::v1;

std::string Buf() {
  const char* env = std::getenv("CHIBO_BUF");
  return env != nullptr ? env : CHIBO_DEFAULT_BUF;
}

std::string Day(int year, int month, int day) {
  return absl::StrFormat("%04d-%02d-%02d", year, month, day);
}

// A service binary on port 0 with its own schema and the shared key file.
struct Service {
  Service(const std::string& binary, const std::string& name,
          const MysqlOptions& db, const std::string& dir,
          const std::vector<std::string>& extra) {
    port_file = absl::StrCat(dir, "/", name, ".port");
    log_file = absl::StrCat(dir, "/", name, ".log");
    std::vector<std::string> argv = {binary,
                                     "--port=0",
                                     "--port_file=" + port_file,
                                     "--db_host=" + db.host,
                                     "--db_user=" + db.user,
                                     "--db_password=" + db.password,
                                     "--db_schema=" + db.schema,
                                     "--auth_keys_file=" + dir + "/keys.json",
                                     "--shutdown_grace_seconds=2",
                                     "--shutdown_drain=1s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<Subprocess>(argv, log_file);
    port = testing::WaitForPortFile(port_file, absl::Seconds(30));
    address = absl::StrCat("127.0.0.1:", port);
    channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }
  std::string Log() const {
    std::ifstream in(log_file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string port_file, log_file, address;
  int port = 0;
  std::unique_ptr<Subprocess> process;
  std::shared_ptr<grpc::Channel> channel;
};

class SchedulingEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    auth::Key key = auth::GenerateKey("e2e-key");
    key.signing = true;
    auto keys = auth::KeySet::Create({key});
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *keys;
    ASSERT_TRUE(auth::WriteKeySetToFile(keys_, dir_ + "/keys.json").ok());
    auto registry_db =
        testing::TestDatabase::Create({}, /*apply_migrations=*/false);
    ASSERT_TRUE(registry_db.ok()) << registry_db.status();
    registry_db_ = *std::move(registry_db);
    auto scheduling_db =
        testing::TestDatabase::Create({}, /*apply_migrations=*/false);
    ASSERT_TRUE(scheduling_db.ok()) << scheduling_db.status();
    scheduling_db_ = *std::move(scheduling_db);
    registry_ = std::make_unique<Service>(CHIBO_REGISTRY_BINARY, "registry",
                                          registry_db_->options(), dir_,
                                          std::vector<std::string>{});
    ASSERT_GT(registry_->port, 0) << registry_->Log();
    scheduling_ = std::make_unique<Service>(
        CHIBO_SCHEDULING_BINARY, "scheduling", scheduling_db_->options(), dir_,
        std::vector<std::string>{"--registry_address=" + registry_->address});
    ASSERT_GT(scheduling_->port, 0) << scheduling_->Log();
    admin_ = Token("system_admin", "*");
  }

  std::string Token(const std::string& role, const std::string& scope) {
    auth::Claims claims;
    claims.subject = absl::StrCat("e2e:", role);
    claims.role = role;
    claims.scope = scope;
    claims.issued_at = absl::ToUnixSeconds(absl::Now());
    claims.expires_at = claims.issued_at + 3600;
    return *auth::SignJwt(claims, keys_);
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    context->AddMetadata("authorization", "Bearer " + token);
    return context;
  }

  std::string dir_;
  auth::KeySet keys_;
  std::unique_ptr<testing::TestDatabase> registry_db_, scheduling_db_;
  std::unique_ptr<Service> registry_, scheduling_;
  std::string admin_;
};

TEST_F(SchedulingEndToEnd, AYearOfMeetingsThroughBothServices) {
  auto registry = reg::RegistryService::NewStub(registry_->channel);
  auto scheduling = v1::SchedulingService::NewStub(scheduling_->channel);
  const int y = static_cast<int>(TodayInVietnam().year()) - 1;

  // Health and reflection without a token.
  int exit_status = 0;
  const std::string base = absl::StrCat("http://", scheduling_->address);
  const std::string methods =
      testing::RunCommand({Buf(), "curl", "--protocol", "grpc",
                           "--http2-prior-knowledge", "--list-methods", base},
                          &exit_status);
  EXPECT_EQ(exit_status, 0);
  EXPECT_TRUE(absl::StrContains(
      methods, "chibo.scheduling.v1.SchedulingService/PostponeMeeting"))
      << methods;
  const std::string health = testing::RunCommand(
      {Buf(), "curl", "--protocol", "grpc", "--http2-prior-knowledge",
       base + "/grpc.health.v1.Health/Check"},
      &exit_status);
  EXPECT_TRUE(absl::StrContains(health, "SERVING")) << health;

  // A cell with three members in the registry.
  auto create = [&](const std::string& name, reg::OrganizationLevel level,
                    const std::string& parent) {
    reg::CreateOrganizationRequest request;
    request.mutable_organization()->set_display_name(name);
    request.mutable_organization()->set_level(level);
    request.mutable_organization()->set_parent(parent);
    request.mutable_organization()->set_valid_from("2020-01-01");
    if (level == reg::ORGANIZATION_LEVEL_GRASSROOTS_CELL) {
      request.mutable_organization()->set_category(
          reg::CELL_CATEGORY_ADMINISTRATIVE_AGENCY);
    }
    reg::Organization org;
    grpc::Status status =
        registry->CreateOrganization(Context(admin_).get(), request, &org);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return org.name();
  };
  const std::string province =
      create("Tỉnh ủy Lạng Sơn", reg::ORGANIZATION_LEVEL_PROVINCE, "");
  const std::string bloc =
      create("Đảng ủy Khối", reg::ORGANIZATION_LEVEL_BLOC, province);
  const std::string cell = create(
      "Chi bộ Sở Tư pháp", reg::ORGANIZATION_LEVEL_GRASSROOTS_CELL, bloc);
  std::vector<std::string> members;
  for (const char* name : {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"}) {
    reg::CreateMemberRequest request;
    request.mutable_member()->set_display_name(name);
    request.set_cell(cell);
    request.set_status(reg::MEMBER_STATUS_FULL);
    request.set_joined_date("2020-01-01");
    reg::Member member;
    ASSERT_TRUE(
        registry->CreateMember(Context(admin_).get(), request, &member).ok());
    members.push_back(member.name());
  }

  // Holidays and a year of rules: day 1 until June, then the first Monday.
  v1::SetHolidayCalendarRequest holidays;
  holidays.mutable_calendar()->set_year(y);
  for (int month : {1, 5, 9}) {
    v1::Holiday* h = holidays.mutable_calendar()->add_holidays();
    h->set_date(Day(y, month, 1));
    h->set_title("Ngày lễ");
  }
  v1::HolidayCalendar calendar;
  ASSERT_TRUE(
      scheduling->SetHolidayCalendar(Context(admin_).get(), holidays, &calendar)
          .ok());
  v1::CreateMeetingRuleRequest rule_request;
  rule_request.mutable_rule()->set_organization(bloc);
  rule_request.mutable_rule()->set_target(v1::RULE_TARGET_SUBTREE);
  v1::MeetingRuleVersion* first = rule_request.mutable_rule()->add_versions();
  first->set_pattern(v1::DAY_PATTERN_DAY_OF_MONTH);
  first->set_day_of_month(1);
  first->set_effective_from(Day(y, 1, 1));
  v1::MeetingRule rule;
  grpc::Status status =
      scheduling->CreateMeetingRule(Context(admin_).get(), rule_request, &rule);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::ReviseMeetingRuleRequest revise;
  revise.set_name(rule.name());
  revise.set_etag(rule.etag());
  revise.mutable_version()->set_pattern(v1::DAY_PATTERN_NTH_WEEKDAY);
  revise.mutable_version()->set_nth(1);
  revise.mutable_version()->set_weekday(1);
  revise.mutable_version()->set_effective_from(Day(y, 7, 1));
  ASSERT_TRUE(
      scheduling->ReviseMeetingRule(Context(admin_).get(), revise, &rule).ok());

  v1::ListMeetingsRequest list;
  list.set_organization(cell);
  list.set_start_date(Day(y, 1, 1));
  list.set_end_date(Day(y, 12, 31));
  v1::ListMeetingsResponse year;
  ASSERT_TRUE(
      scheduling->ListMeetings(Context(admin_).get(), list, &year).ok());
  ASSERT_EQ(year.meetings_size(), 12);
  for (const v1::Meeting& m : year.meetings()) {
    const bool second_half = m.nominal_date() >= Day(y, 7, 1);
    EXPECT_EQ(m.rule_version(), second_half ? 2 : 1) << m.nominal_date();
    const absl::CivilDay day = *ParseDate(m.scheduled_date(), "date");
    EXPECT_NE(absl::GetWeekday(day), absl::Weekday::saturday);
    EXPECT_NE(absl::GetWeekday(day), absl::Weekday::sunday);
    if (second_half) {
      // The first Monday (a holiday on it moves the meeting on).
      const absl::CivilDay nominal = *ParseDate(m.nominal_date(), "date");
      EXPECT_EQ(absl::GetWeekday(nominal), absl::Weekday::monday)
          << m.nominal_date();
      EXPECT_LE(nominal.day(), 7);
    }
  }
  // January 1 is a holiday: the meeting moves to a later working day.
  EXPECT_NE(year.meetings(0).scheduled_date(), Day(y, 1, 1));
  EXPECT_EQ(year.meetings(0).nominal_date(), Day(y, 1, 1));

  // Records: member 3 absent without reason in three months.
  auto record = [&](int month, v1::AttendanceMark third,
                    const std::string& request_id) {
    const v1::Meeting& m = year.meetings(month - 1);
    v1::RecordMeetingRequest request;
    v1::MeetingRecord* r = request.mutable_record();
    r->set_cell(cell);
    r->set_nominal_date(m.nominal_date());
    r->set_kind(month % 3 == 0 ? v1::MEETING_KIND_COMBINED
                               : v1::MEETING_KIND_REGULAR);
    r->set_form(v1::MEETING_FORM_IN_PERSON);
    r->set_start_time(m.scheduled_date() + "T14:00");
    r->set_end_time(m.scheduled_date() + "T16:00");
    for (size_t i = 0; i < members.size(); ++i) {
      v1::Attendance* a = r->add_attendance();
      a->set_member(members[i]);
      a->set_mark(i == 2 ? third : v1::ATTENDANCE_MARK_PRESENT);
    }
    request.set_request_id(request_id);
    v1::MeetingRecord out;
    grpc::Status result =
        scheduling->RecordMeeting(Context(admin_).get(), request, &out);
    EXPECT_TRUE(result.ok()) << month << ": " << result.error_message();
    return out.name();
  };
  const std::string march =
      record(3, v1::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON, "rec-3");
  record(4, v1::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON, "rec-4");
  record(8, v1::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON, "rec-8");
  record(9, v1::ATTENDANCE_MARK_PRESENT, "rec-9");
  // A retry creates nothing twice.
  EXPECT_EQ(record(3, v1::ATTENDANCE_MARK_ABSENT_WITHOUT_REASON, "rec-3"),
            march);

  // Bad records are refused with the problem named.
  v1::RecordMeetingRequest bad;
  v1::MeetingRecord* b = bad.mutable_record();
  b->set_cell(cell);
  b->set_kind(v1::MEETING_KIND_REGULAR);
  b->set_form(v1::MEETING_FORM_ONLINE);
  b->set_start_time(Day(y, 10, 20) + "T14:00");
  b->set_end_time(Day(y, 10, 20) + "T16:00");
  for (const std::string& m :
       {members[0], members[1], members[2], std::string("members/999999")}) {
    v1::Attendance* a = b->add_attendance();
    a->set_member(m);
    a->set_mark(v1::ATTENDANCE_MARK_PRESENT);
  }
  v1::MeetingRecord out;
  status = scheduling->RecordMeeting(Context(admin_).get(), bad, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "record.attendance"))
      << status.error_message();
  b->mutable_attendance()->RemoveLast();
  b->set_end_time(Day(y, 10, 20) + "T13:00");
  status = scheduling->RecordMeeting(Context(admin_).get(), bad, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "record.end_time"));
  b->set_end_time(Day(y, 10, 20) + "T16:00");
  b->set_cell("organizations/999999");
  status = scheduling->RecordMeeting(Context(admin_).get(), bad, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
      << status.error_message();

  // The compliance report and the absence-ledger alert.
  v1::GetComplianceReportRequest report_request;
  report_request.set_organization(bloc);
  report_request.set_start_date(Day(y, 1, 1));
  report_request.set_end_date(Day(y, 12, 31));
  v1::ComplianceReport report;
  status = scheduling->GetComplianceReport(Context(admin_).get(),
                                           report_request, &report);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(report.cells_size(), 1);
  const v1::CellCompliance& c = report.cells(0);
  EXPECT_EQ(c.meetings_held(), 4);
  EXPECT_EQ(c.meetings_missed(), 8);
  EXPECT_EQ(c.months_with_regular_meeting(), 4);
  EXPECT_EQ(c.quarters_with_thematic_meeting(), 2);
  EXPECT_EQ(c.rule_versions_size(), 2);
  EXPECT_GT(c.attendance_rate(), 0.0);
  EXPECT_LT(c.attendance_rate(), 1.0);
  bool alert = false;
  for (const v1::AbsenceAlert& a : report.alerts()) {
    alert |= a.member() == members[2] &&
             a.kind() == v1::AbsenceAlert::KIND_UNEXCUSED_MONTHS &&
             a.count() == 3;
  }
  EXPECT_TRUE(alert);

  // A postponement of the next meeting, retried, seen by the secretary.
  const absl::CivilDay today = TodayInVietnam();
  v1::ListMeetingsRequest upcoming;
  upcoming.set_organization(cell);
  upcoming.set_start_date(FormatDate(today + 1));
  upcoming.set_end_date(FormatDate(today + 70));
  v1::ListMeetingsResponse next;
  ASSERT_TRUE(
      scheduling->ListMeetings(Context(admin_).get(), upcoming, &next).ok());
  ASSERT_GE(next.meetings_size(), 1);
  const v1::Meeting& coming = next.meetings(0);
  const absl::CivilDay scheduled = *ParseDate(coming.scheduled_date(), "d");
  v1::PostponeMeetingRequest postpone;
  postpone.set_cell(cell);
  postpone.set_nominal_date(coming.nominal_date());
  postpone.set_new_date(FormatDate(scheduled + 2));
  postpone.set_new_time("08:00");
  postpone.set_reason("Trùng hội nghị của Đảng ủy Khối");
  postpone.set_request_id("hoan-1");
  v1::Postponement postponement, again;
  const std::string secretary = Token("cell_secretary", cell);
  status = scheduling->PostponeMeeting(Context(secretary).get(), postpone,
                                       &postponement);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(
      scheduling->PostponeMeeting(Context(secretary).get(), postpone, &again)
          .ok());
  EXPECT_EQ(again.name(), postponement.name());
  v1::PostponeMeetingRequest into_the_past = postpone;
  into_the_past.set_request_id("");
  into_the_past.set_new_date(FormatDate(today - 1));
  status =
      scheduling->PostponeMeeting(Context(admin_).get(), into_the_past, &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(
      scheduling->ListMeetings(Context(admin_).get(), upcoming, &next).ok());
  EXPECT_EQ(next.meetings(0).postponements_size(), 1);
  EXPECT_EQ(next.meetings(0).state(), v1::MEETING_STATE_POSTPONED);

  auto feed = feed::v1::ChangeFeedService::NewStub(scheduling_->channel);
  feed::v1::ListChangesRequest changes_request;
  changes_request.set_page_size(1000);
  feed::v1::ListChangesResponse changes;
  ASSERT_TRUE(
      feed->ListChanges(Context(secretary).get(), changes_request, &changes)
          .ok());
  bool seen = false;
  for (const auto& change : changes.changes()) {
    seen |= change.resource() == postponement.name() &&
            change.action() == "postponed";
  }
  EXPECT_TRUE(seen);

  // The calendar, parsed back: the postponed meeting at its new time.
  v1::ExportCalendarRequest export_request;
  export_request.set_cell(cell);
  export_request.set_start_date(FormatDate(today + 1));
  export_request.set_end_date(FormatDate(today + 70));
  v1::ExportCalendarResponse exported;
  ASSERT_TRUE(
      scheduling
          ->ExportCalendar(Context(admin_).get(), export_request, &exported)
          .ok());
  auto events = ParseICalendar(exported.ics());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_GE(events->size(), 1u);
  EXPECT_TRUE((*events)[0].postponed);
  EXPECT_EQ((*events)[0].start, absl::CivilMinute(scheduled + 2) + 8 * 60);

  // A registry outage: own data still readable, writes fail fast.
  registry_->process->Signal(SIGSTOP);
  v1::ListTasksRequest tasks_request;
  tasks_request.set_cell(cell);
  v1::ListTasksResponse tasks;
  EXPECT_TRUE(
      scheduling->ListTasks(Context(admin_).get(), tasks_request, &tasks).ok());
  v1::GetMeetingRecordRequest get;
  get.set_name(march);
  v1::MeetingRecord read;
  EXPECT_TRUE(
      scheduling->GetMeetingRecord(Context(admin_).get(), get, &read).ok());
  // The first write waits out one attempt at the hung registry
  // (DEADLINE_EXCEEDED inside the caller's deadline); that opens the
  // circuit, so the next one is refused at once (UNAVAILABLE).
  absl::Time start = absl::Now();
  b->set_cell(cell);
  status = scheduling->RecordMeeting(Context(admin_).get(), bad, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
  start = absl::Now();
  status = scheduling->RecordMeeting(Context(admin_).get(), bad, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  registry_->process->Signal(SIGCONT);

  // SIGTERM: both drain and exit 0.
  for (Service* service : {scheduling_.get(), registry_.get()}) {
    service->process->Signal(SIGTERM);
    std::optional<int> code = service->process->Wait(absl::Seconds(15));
    ASSERT_TRUE(code.has_value()) << service->Log();
    EXPECT_EQ(*code, 0) << service->Log();
  }
}

}  // namespace
}  // namespace chibo::scheduling
