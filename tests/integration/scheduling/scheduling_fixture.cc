#include "tests/integration/scheduling/scheduling_fixture.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "common/log.h"
#include "services/scheduling/proto_codec.h"

namespace chibo {
const std::vector<Migration>& RegistryMigrations();
const std::vector<Migration>& SchedulingMigrations();
}  // namespace chibo

namespace chibo::scheduling {

std::unique_ptr<testing::TestDatabase> SchedulingTest::registry_db_;
std::unique_ptr<testing::TestDatabase> SchedulingTest::scheduling_db_;
std::unique_ptr<InsecureDevAuthorizer> SchedulingTest::authorizer_;
std::unique_ptr<RpcGate> SchedulingTest::gate_;
std::unique_ptr<registry::RegistryStore> SchedulingTest::registry_store_;
std::unique_ptr<registry::RegistryServiceImpl>
    SchedulingTest::registry_service_;
std::unique_ptr<RunningServer> SchedulingTest::registry_server_;
int SchedulingTest::registry_port_ = 0;
std::unique_ptr<RegistryClient> SchedulingTest::client_;
std::unique_ptr<SchedulingStore> SchedulingTest::store_;
std::unique_ptr<OrgDirectory> SchedulingTest::directory_;
std::unique_ptr<SchedulingServiceImpl> SchedulingTest::service_;
std::unique_ptr<RunningServer> SchedulingTest::server_;
std::unique_ptr<registry::v1::RegistryService::Stub> SchedulingTest::registry_;
std::unique_ptr<v1::SchedulingService::Stub> SchedulingTest::stub_;

void SchedulingTest::SetUpTestSuite() {
  SetMinLogLevel(LogLevel::kWarning);
  auto registry_db = testing::TestDatabase::Create(RegistryMigrations());
  ASSERT_TRUE(registry_db.ok()) << registry_db.status();
  registry_db_ = *std::move(registry_db);
  auto scheduling_db = testing::TestDatabase::Create(SchedulingMigrations());
  ASSERT_TRUE(scheduling_db.ok()) << scheduling_db.status();
  scheduling_db_ = *std::move(scheduling_db);
  authorizer_ = std::make_unique<InsecureDevAuthorizer>();
  gate_ = std::make_unique<RpcGate>(authorizer_.get());
  registry_store_ =
      std::make_unique<registry::RegistryStore>(&registry_db_->pool());
  registry_service_ = std::make_unique<registry::RegistryServiceImpl>(
      registry_store_.get(), gate_.get());
  StartRegistry();
  ASSERT_NE(registry_server_, nullptr);

  RegistryClient::Options client_options;
  client_options.open_circuit_for = absl::Milliseconds(500);
  client_ = std::make_unique<RegistryClient>(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", registry_port_),
                          grpc::InsecureChannelCredentials()),
      nullptr, client_options);
  store_ = std::make_unique<SchedulingStore>(&scheduling_db_->pool());
  directory_ =
      std::make_unique<OrgDirectory>(&scheduling_db_->pool(), client_.get());
  service_ = std::make_unique<SchedulingServiceImpl>(
      store_.get(), directory_.get(), gate_.get());
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.shutdown_grace = absl::Seconds(1);
  auto server = StartServer(options, {service_.get()});
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  registry_ = registry::v1::RegistryService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", registry_port_),
                          grpc::InsecureChannelCredentials()));
  stub_ = v1::SchedulingService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                          grpc::InsecureChannelCredentials()));
}

void SchedulingTest::TearDownTestSuite() {
  stub_.reset();
  registry_.reset();
  server_.reset();
  service_.reset();
  directory_.reset();
  store_.reset();
  client_.reset();
  registry_server_.reset();
  registry_service_.reset();
  registry_store_.reset();
  scheduling_db_.reset();
  registry_db_.reset();
}

void SchedulingTest::SetUp() {
  ASSERT_NE(server_, nullptr) << "the suite's servers did not start";
}

void SchedulingTest::StopRegistry() { registry_server_.reset(); }

void SchedulingTest::StartRegistry() {
  ServerOptions options;
  options.listen_address = absl::StrCat("127.0.0.1:", registry_port_);
  options.shutdown_grace = absl::Milliseconds(200);
  auto server = StartServer(options, {registry_service_.get()});
  ASSERT_TRUE(server.ok()) << server.status();
  registry_server_ = *std::move(server);
  registry_port_ = registry_server_->port();
}

std::unique_ptr<grpc::ClientContext> SchedulingTest::Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  return context;
}

std::string SchedulingTest::Code(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return absl::StrCat("S", counter.fetch_add(1), "-", prefix);
}

int SchedulingTest::LastYear() {
  return static_cast<int>(TodayInVietnam().year()) - 1;
}

int SchedulingTest::NextYear() {
  return static_cast<int>(TodayInVietnam().year()) + 1;
}

SchedulingTest::Tree SchedulingTest::MakeTree(
    int members, registry::v1::CellCategory category) {
  Tree tree;
  auto create = [&](const std::string& name, registry::v1::OrganizationLevel l,
                    const std::string& parent,
                    registry::v1::CellCategory c) -> std::string {
    registry::v1::CreateOrganizationRequest request;
    request.mutable_organization()->set_display_name(name);
    request.mutable_organization()->set_level(l);
    request.mutable_organization()->set_parent(parent);
    request.mutable_organization()->set_category(c);
    request.mutable_organization()->set_valid_from("2020-01-01");
    request.mutable_organization()->set_external_code(Code("org"));
    registry::v1::Organization org;
    grpc::Status status =
        registry_->CreateOrganization(Context().get(), request, &org);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return org.name();
  };
  tree.province = create("Tỉnh ủy", registry::v1::ORGANIZATION_LEVEL_PROVINCE,
                         "", registry::v1::CELL_CATEGORY_UNSPECIFIED);
  tree.bloc = create("Đảng ủy Khối", registry::v1::ORGANIZATION_LEVEL_BLOC,
                     tree.province, registry::v1::CELL_CATEGORY_UNSPECIFIED);
  tree.cell = MakeCellUnder(tree.bloc, category);
  for (int i = 0; i < members; ++i)
    tree.members.push_back(MakeMember(tree.cell));
  return tree;
}

std::string SchedulingTest::MakeCellUnder(const std::string& parent,
                                          registry::v1::CellCategory category) {
  registry::v1::CreateOrganizationRequest request;
  request.mutable_organization()->set_display_name("Chi bộ Sở Tư pháp");
  request.mutable_organization()->set_level(
      registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL);
  request.mutable_organization()->set_parent(parent);
  request.mutable_organization()->set_category(category);
  request.mutable_organization()->set_valid_from("2020-01-01");
  request.mutable_organization()->set_external_code(Code("cell"));
  registry::v1::Organization org;
  grpc::Status status =
      registry_->CreateOrganization(Context().get(), request, &org);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return org.name();
}

std::string SchedulingTest::MakeMember(const std::string& cell,
                                       registry::v1::MemberStatus status) {
  registry::v1::CreateMemberRequest request;
  request.mutable_member()->set_display_name("Nguyễn Văn An");
  request.set_cell(cell);
  request.set_status(status);
  request.set_joined_date("2020-01-01");
  registry::v1::Member member;
  grpc::Status result =
      registry_->CreateMember(Context().get(), request, &member);
  EXPECT_TRUE(result.ok()) << result.error_message();
  return member.name();
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
