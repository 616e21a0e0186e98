#include "tests/integration/registry/registry_fixture.h"

#include <atomic>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"

namespace chibo {
const std::vector<Migration>& RegistryMigrations();
}

namespace chibo::registry {

std::unique_ptr<testing::TestDatabase> RegistryTest::db_;
std::unique_ptr<InsecureDevAuthorizer> RegistryTest::authorizer_;
std::unique_ptr<RpcGate> RegistryTest::gate_;
std::unique_ptr<RegistryStore> RegistryTest::store_;
std::unique_ptr<RegistryServiceImpl> RegistryTest::service_;
std::unique_ptr<chibo::ChangeFeedService> RegistryTest::feed_service_;
std::unique_ptr<RunningServer> RegistryTest::server_;
std::unique_ptr<v1::RegistryService::Stub> RegistryTest::stub_;
std::unique_ptr<feed::v1::ChangeFeedService::Stub> RegistryTest::feed_stub_;

void RegistryTest::SetUpTestSuite() {
  SetMinLogLevel(LogLevel::kWarning);  // keep the access log out of test output
  auto db = testing::TestDatabase::Create(RegistryMigrations());
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = *std::move(db);
  authorizer_ = std::make_unique<InsecureDevAuthorizer>();
  gate_ = std::make_unique<RpcGate>(authorizer_.get());
  store_ = std::make_unique<RegistryStore>(&db_->pool());
  service_ = std::make_unique<RegistryServiceImpl>(store_.get(), gate_.get());
  feed_service_ = std::make_unique<chibo::ChangeFeedService>(
      &db_->pool(), gate_.get(), nullptr, 4, absl::Milliseconds(50));
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.shutdown_grace = absl::Seconds(1);
  auto server = StartServer(options, {service_.get(), feed_service_.get()});
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                          grpc::InsecureChannelCredentials());
  stub_ = v1::RegistryService::NewStub(channel);
  feed_stub_ = feed::v1::ChangeFeedService::NewStub(channel);
}

void RegistryTest::TearDownTestSuite() {
  stub_.reset();
  feed_stub_.reset();
  server_.reset();
  feed_service_.reset();
  service_.reset();
  store_.reset();
  db_.reset();
}

void RegistryTest::SetUp() {
  ASSERT_NE(stub_, nullptr) << "the test server did not start";
}

std::unique_ptr<grpc::ClientContext> RegistryTest::Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  return context;
}

std::string RegistryTest::Code(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return absl::StrCat("T", counter++, "-", prefix);
}

v1::Organization RegistryTest::MakeOrg(const std::string& display_name,
                                       v1::OrganizationLevel level,
                                       const std::string& parent,
                                       const std::string& valid_from,
                                       v1::CellCategory category) {
  v1::CreateOrganizationRequest request;
  v1::Organization* org = request.mutable_organization();
  org->set_display_name(display_name);
  org->set_level(level);
  org->set_parent(parent);
  org->set_valid_from(valid_from);
  org->set_external_code(Code("org"));
  if (category == v1::CELL_CATEGORY_UNSPECIFIED &&
      (level == v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL ||
       level == v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL)) {
    category = v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY;
  }
  org->set_category(category);
  v1::Organization created;
  grpc::Status status =
      stub().CreateOrganization(Context().get(), request, &created);
  EXPECT_TRUE(status.ok()) << display_name << ": " << status.error_message();
  return created;
}

v1::Organization RegistryTest::MakeCell(const std::string& valid_from) {
  v1::Organization province = MakeOrg(
      "Tỉnh ủy Lạng Sơn", v1::ORGANIZATION_LEVEL_PROVINCE, "", valid_from);
  v1::Organization bloc =
      MakeOrg("Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh",
              v1::ORGANIZATION_LEVEL_BLOC, province.name(), valid_from);
  return MakeOrg("Chi bộ Sở Tư pháp", v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
                 bloc.name(), valid_from);
}

v1::Member RegistryTest::MakeMember(const std::string& cell,
                                    const std::string& name,
                                    v1::MemberStatus status,
                                    const std::string& joined) {
  v1::CreateMemberRequest request;
  request.mutable_member()->set_display_name(name);
  request.set_cell(cell);
  request.set_status(status);
  request.set_joined_date(joined);
  v1::Member created;
  grpc::Status result = stub().CreateMember(Context().get(), request, &created);
  EXPECT_TRUE(result.ok()) << name << ": " << result.error_message();
  return created;
}

}  // namespace chibo::registry
