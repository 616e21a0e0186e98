// End to end: the built chibo-registry binary on port 0, called through the
// generated client and through buf curl (health, reflection), stopped with
// SIGTERM; and a database crash and restart under it.

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "common/testing/private_mariadb.h"
#include "common/testing/subprocess.h"
#include "common/testing/test_db.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace chibo::registry {
namespace {

using testing::Subprocess;

std::string Buf() {
  const char* env = std::getenv("CHIBO_BUF");
  return env != nullptr ? env : CHIBO_DEFAULT_BUF;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return context;
}

// Starts chibo-registry against `options` (socket, user, schema) and waits
// for it to listen.
struct RunningRegistry {
  RunningRegistry(const MysqlOptions& options, const std::string& dir,
                  const std::vector<std::string>& extra = {}) {
    port_file = dir + "/registry.port";
    log_file = dir + "/registry.log";
    std::vector<std::string> argv = {CHIBO_REGISTRY_BINARY,
                                     "--port=0",
                                     "--port_file=" + port_file,
                                     "--db_host=" + options.host,
                                     "--db_user=" + options.user,
                                     "--db_password=" + options.password,
                                     "--db_schema=" + options.schema,
                                     "--insecure_dev",
                                     "--shutdown_grace_seconds=2",
                                     "--db_timeout_ms=2000",
                                     "--shutdown_drain=1s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<Subprocess>(argv, log_file);
    port = testing::WaitForPortFile(port_file, absl::Seconds(30));
    address = absl::StrCat("127.0.0.1:", port);
    stub = v1::RegistryService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }
  std::string Log() const {
    std::ifstream in(log_file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string port_file, log_file, address;
  int port = 0;
  std::unique_ptr<Subprocess> process;
  std::unique_ptr<v1::RegistryService::Stub> stub;
};

v1::Organization Create(v1::RegistryService::Stub& stub,
                        const std::string& display_name,
                        v1::OrganizationLevel level, const std::string& parent,
                        const std::string& valid_from,
                        const std::string& request_id = "") {
  v1::CreateOrganizationRequest request;
  request.mutable_organization()->set_display_name(display_name);
  request.mutable_organization()->set_level(level);
  request.mutable_organization()->set_parent(parent);
  request.mutable_organization()->set_valid_from(valid_from);
  if (level == v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL) {
    request.mutable_organization()->set_category(v1::CELL_CATEGORY_RESIDENTIAL);
  }
  request.set_request_id(request_id);
  v1::Organization out;
  grpc::Status status = stub.CreateOrganization(Context().get(), request, &out);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return out;
}

TEST(RegistryEndToEnd, ServesTreeHistoryRetriesAndStopsCleanly) {
  auto db = testing::TestDatabase::Create({}, /*apply_migrations=*/false);
  ASSERT_TRUE(db.ok()) << db.status();
  const std::string dir = testing::MakeTempDir();
  RunningRegistry registry((*db)->options(), dir);
  ASSERT_GT(registry.port, 0) << registry.Log();

  // Health and reflection, the way an admin reaches them.
  int exit_status = 0;
  const std::string base = absl::StrCat("http://", registry.address);
  std::string health = testing::RunCommand(
      {Buf(), "curl", "--protocol", "grpc", "--http2-prior-knowledge",
       base + "/grpc.health.v1.Health/Check"},
      &exit_status);
  EXPECT_EQ(exit_status, 0);
  EXPECT_TRUE(absl::StrContains(health, "SERVING")) << health;
  std::string methods =
      testing::RunCommand({Buf(), "curl", "--protocol", "grpc",
                           "--http2-prior-knowledge", "--list-methods", base},
                          &exit_status);
  EXPECT_EQ(exit_status, 0);
  EXPECT_TRUE(absl::StrContains(
      methods, "chibo.registry.v1.RegistryService/MoveOrganization"))
      << methods;
  EXPECT_TRUE(absl::StrContains(methods,
                                "chibo.feed.v1.ChangeFeedService/ListChanges"));

  // A four-level tree, then the 2025 merger moves the commune committee.
  auto& stub = *registry.stub;
  v1::Organization province =
      Create(stub, "Tỉnh ủy Lạng Sơn", v1::ORGANIZATION_LEVEL_PROVINCE, "",
             "2020-01-01");
  v1::Organization district =
      Create(stub, "Huyện ủy Văn Lãng", v1::ORGANIZATION_LEVEL_DISTRICT,
             province.name(), "2020-01-01");
  v1::Organization committee = Create(
      stub, "Đảng bộ xã Tân Thanh", v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE,
      district.name(), "2020-01-01");
  v1::Organization cell = Create(stub, "Chi bộ thôn Bản Cáu",
                                 v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL,
                                 committee.name(), "2020-01-01");
  ASSERT_TRUE(cell.is_cell());

  v1::MoveOrganizationRequest move;
  move.set_name(committee.name());
  move.set_new_parent(province.name());
  move.set_effective_date("2025-07-01");
  v1::Organization moved;
  ASSERT_TRUE(stub.MoveOrganization(Context().get(), move, &moved).ok());

  v1::GetOrganizationAncestryRequest ancestry;
  ancestry.set_name(cell.name());
  ancestry.set_as_of_date("2025-06-30");
  v1::OrganizationAncestry before;
  ASSERT_TRUE(
      stub.GetOrganizationAncestry(Context().get(), ancestry, &before).ok());
  ASSERT_EQ(before.path_size(), 4);
  EXPECT_EQ(before.path(1).name(), district.name());
  v1::ListParentHistoryRequest history;
  history.set_name(committee.name());
  v1::ListParentHistoryResponse periods;
  ASSERT_TRUE(stub.ListParentHistory(Context().get(), history, &periods).ok());
  ASSERT_EQ(periods.periods_size(), 2);
  EXPECT_EQ(periods.periods(1).parent(), province.name());
  EXPECT_EQ(periods.periods(1).valid_from(), "2025-07-01");

  // A provincial system retries a create whose reply it lost.
  v1::Organization first = Create(stub, "Chi bộ thôn Nà Pàn",
                                  v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL,
                                  committee.name(), "2020-01-01", "sync-42");
  v1::Organization retried = Create(stub, "Chi bộ thôn Nà Pàn",
                                    v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL,
                                    committee.name(), "2020-01-01", "sync-42");
  EXPECT_EQ(first.name(), retried.name());
  v1::ListOrganizationsRequest children;
  children.set_parent(committee.name());
  v1::ListOrganizationsResponse listed;
  ASSERT_TRUE(stub.ListOrganizations(Context().get(), children, &listed).ok());
  EXPECT_EQ(listed.organizations_size(), 2);

  // SIGTERM: NOT_SERVING, drain, exit 0.
  registry.process->Signal(SIGTERM);
  std::optional<int> code = registry.process->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.has_value()) << "did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << registry.Log();
  EXPECT_TRUE(absl::StrContains(registry.Log(), "\"msg\":\"stopped\""));
}

TEST(RegistryEndToEnd, BadFlagsExitWithAClearMessage) {
  const std::string dir = testing::MakeTempDir();
  Subprocess process({CHIBO_REGISTRY_BINARY, "--port=70000"}, dir + "/out.log");
  std::optional<int> code = process.Wait(absl::Seconds(10));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  std::ifstream in(dir + "/out.log");
  std::string log(std::istreambuf_iterator<char>(in), {});
  EXPECT_TRUE(absl::StrContains(log, "--port")) << log;
}

TEST(RegistryEndToEnd, RefusesToStartWithoutKeys) {
  auto db = testing::TestDatabase::Create({}, /*apply_migrations=*/false);
  ASSERT_TRUE(db.ok()) << db.status();
  const std::string dir = testing::MakeTempDir();
  const MysqlOptions& options = (*db)->options();
  Subprocess process(
      {CHIBO_REGISTRY_BINARY, "--port=0", "--db_host=" + options.host,
       "--db_user=" + options.user, "--db_password=" + options.password,
       "--db_schema=" + options.schema},
      dir + "/out.log");
  std::optional<int> code = process.Wait(absl::Seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  std::ifstream in(dir + "/out.log");
  std::string log(std::istreambuf_iterator<char>(in), {});
  EXPECT_TRUE(absl::StrContains(log, "no authentication configured")) << log;
}

TEST(RegistryEndToEnd, SurvivesADatabaseCrashAndRecoversByItself) {
  const std::string dir = testing::MakeTempDir();
  // Its own MariaDB, so that killing it disturbs no other test.
  testing::PrivateMariaDb mariadb(dir);
  ASSERT_TRUE(mariadb.installed());
  ASSERT_TRUE(mariadb.Start());
  ASSERT_TRUE(mariadb.CreateSchema("chibo_registry"));
  RunningRegistry registry(mariadb.Options("chibo_registry"), dir);
  ASSERT_GT(registry.port, 0) << registry.Log();
  auto& stub = *registry.stub;

  // Acknowledged before the crash...
  v1::Organization province =
      Create(stub, "Tỉnh ủy Lạng Sơn", v1::ORGANIZATION_LEVEL_PROVINCE, "",
             "2020-01-01");
  mariadb.Crash();

  v1::GetOrganizationRequest get;
  get.set_name(province.name());
  v1::Organization out;
  const absl::Time start = absl::Now();
  grpc::Status down = stub.GetOrganization(Context().get(), get, &out);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE)
      << down.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));

  ASSERT_TRUE(mariadb.Start());
  // ...and still there afterwards, served without restarting the service.
  grpc::Status up;
  for (int attempt = 0; attempt < 50; ++attempt) {
    up = stub.GetOrganization(Context().get(), get, &out);
    if (up.ok()) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(up.ok()) << up.error_message();
  EXPECT_EQ(out.display_name(), "Tỉnh ủy Lạng Sơn");
}

}  // namespace
}  // namespace chibo::registry
