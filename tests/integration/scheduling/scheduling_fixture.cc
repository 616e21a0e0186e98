#include "tests/integration/scheduling/scheduling_fixture.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "services/registry/registry_definition.h"
#include "services/scheduling/proto_codec.h"
#include "services/scheduling/scheduling_definition.h"

namespace chibo::scheduling {

std::unique_ptr<testing::TestService> SchedulingTest::registry_server_;
std::unique_ptr<testing::TestService> SchedulingTest::scheduling_;
std::unique_ptr<testing::TreeBuilder> SchedulingTest::tree_;
std::unique_ptr<registry::v1::RegistryService::Stub> SchedulingTest::registry_;
std::unique_ptr<v1::SchedulingService::Stub> SchedulingTest::stub_;
std::unique_ptr<feed::v1::ChangeFeedService::Stub> SchedulingTest::feed_;

void SchedulingTest::SetUpTestSuite() {
  auto registry_server =
      testing::TestService::Start(registry::RegistryDefinition());
  ASSERT_TRUE(registry_server.ok()) << registry_server.status();
  registry_server_ = *std::move(registry_server);
  testing::TestServiceOptions options;
  options.peer_ports["registry"] = registry_server_->port();
  options.peer_options.open_circuit_for = absl::Milliseconds(500);
  auto scheduling =
      testing::TestService::Start(SchedulingDefinition(), std::move(options));
  ASSERT_TRUE(scheduling.ok()) << scheduling.status();
  scheduling_ = *std::move(scheduling);
  registry_ =
      registry::v1::RegistryService::NewStub(registry_server_->channel());
  stub_ = v1::SchedulingService::NewStub(scheduling_->channel());
  feed_ = feed::v1::ChangeFeedService::NewStub(scheduling_->channel());
  tree_ = std::make_unique<testing::TreeBuilder>(registry_.get(), "S");
}

void SchedulingTest::TearDownTestSuite() {
  tree_.reset();
  feed_.reset();
  stub_.reset();
  registry_.reset();
  scheduling_.reset();
  registry_server_.reset();
}

void SchedulingTest::SetUp() {
  ASSERT_NE(scheduling_, nullptr) << "the suite's servers did not start";
}

void SchedulingTest::StopRegistry() { registry_server_->Stop(); }

void SchedulingTest::StartRegistry() {
  absl::Status restarted = registry_server_->Restart();
  ASSERT_TRUE(restarted.ok()) << restarted;
}

std::unique_ptr<grpc::ClientContext> SchedulingTest::Context() {
  return testing::TreeBuilder::Context();
}

std::string SchedulingTest::Code(const std::string& prefix) {
  return tree_->Code(prefix);
}

int SchedulingTest::LastYear() {
  return static_cast<int>(TodayInVietnam().year()) - 1;
}

int SchedulingTest::NextYear() {
  return static_cast<int>(TodayInVietnam().year()) + 1;
}

SchedulingTest::Tree SchedulingTest::MakeTree(
    int members, registry::v1::CellCategory category) {
  testing::TreeBuilder::ChainOptions options;
  options.province_name = "Tỉnh ủy";
  options.bloc_name = "Đảng ủy Khối";
  options.valid_from = "2020-01-01";
  options.category = category;
  testing::TreeBuilder::Chain chain = tree_->ProvinceBlocCell(options);
  Tree tree{chain.province.name(), chain.bloc.name(), chain.cell.name(), {}};
  for (int i = 0; i < members; ++i)
    tree.members.push_back(MakeMember(tree.cell));
  return tree;
}

std::string SchedulingTest::MakeCellUnder(const std::string& parent,
                                          registry::v1::CellCategory category) {
  return tree_
      ->Organization("Chi bộ Sở Tư pháp",
                     registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL, parent,
                     "2020-01-01", category, "cell")
      .name();
}

std::string SchedulingTest::MakeOrganizationUnder(
    const std::string& parent, registry::v1::OrganizationLevel level,
    registry::v1::CellCategory category) {
  return tree_
      ->Organization("Đảng bộ cơ sở", level, parent, "2020-01-01", category,
                     "org")
      .name();
}

std::string SchedulingTest::MakeMember(const std::string& cell,
                                       registry::v1::MemberStatus status) {
  return tree_->Member(cell, "Nguyễn Văn An", status, "2020-01-01").name();
}

v1::MeetingRule SchedulingTest::MakeDayRule(const std::string& organization,
                                            int day, const std::string& from,
                                            v1::RuleTarget target,
                                            int category) {
  v1::CreateMeetingRuleRequest request;
  request.mutable_rule()->set_organization(organization);
  request.mutable_rule()->set_target(target);
  request.mutable_rule()->set_category(category);
  v1::MeetingRuleVersion* version = request.mutable_rule()->add_versions();
  version->set_pattern(v1::DAY_PATTERN_DAY_OF_MONTH);
  version->set_day_of_month(day);
  version->set_effective_from(from);
  v1::MeetingRule rule;
  grpc::Status status =
      stub_->CreateMeetingRule(Context().get(), request, &rule);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return rule;
}

std::vector<v1::Meeting> SchedulingTest::Meetings(
    const std::string& organization, const std::string& from,
    const std::string& to) {
  v1::ListMeetingsRequest request;
  request.set_organization(organization);
  request.set_start_date(from);
  request.set_end_date(to);
  request.set_page_size(1000);
  v1::ListMeetingsResponse response;
  grpc::Status status =
      stub_->ListMeetings(Context().get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return {response.meetings().begin(), response.meetings().end()};
}

v1::MeetingRecord SchedulingTest::RecordRequest(
    const std::string& cell, const std::string& nominal_date,
    const std::string& start, int minutes,
    const std::vector<std::string>& members,
    const std::vector<v1::AttendanceMark>& marks) {
  v1::MeetingRecord record;
  record.set_cell(cell);
  record.set_nominal_date(nominal_date);
  record.set_kind(v1::MEETING_KIND_REGULAR);
  record.set_form(v1::MEETING_FORM_IN_PERSON);
  record.set_start_time(start);
  auto parsed = ParseLocalDateTime(start, "start");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  record.set_end_time(FormatLocalDateTime(*parsed + minutes));
  record.set_agenda("Kiểm điểm việc thực hiện nghị quyết tháng");
  for (size_t i = 0; i < members.size(); ++i) {
    v1::Attendance* a = record.add_attendance();
    a->set_member(members[i]);
    a->set_mark(i < marks.size() ? marks[i] : v1::ATTENDANCE_MARK_PRESENT);
  }
  return record;
}

grpc::Status SchedulingTest::Record(const v1::MeetingRecord& record,
                                    v1::MeetingRecord* out,
                                    const std::string& request_id) {
  v1::RecordMeetingRequest request;
  *request.mutable_record() = record;
  request.set_request_id(request_id);
  return stub_->RecordMeeting(Context().get(), request, out);
}

}  // namespace chibo::scheduling
