// End to end: what Kubernetes and Prometheus see of the built binaries.
// Readiness follows the database (killed and restarted under a running
// registry) while liveness stays SERVING; SIGTERM drains with readiness
// NOT_SERVING, ends open WatchChanges and Health/Watch streams and exits
// within drain + 2 s; /metrics of both services counts the calls made.
//
// Every wait polls with a generous deadline: the suite runs on a loaded
// two-core machine. The one timed assertion is the exit bound, which is
// what the drain promises.

#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "chibo/feed/v1/feed.grpc.pb.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "common/testing/private_mariadb.h"
#include "common/testing/subprocess.h"
#include "common/testing/test_db.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using testing::Subprocess;

constexpr char kRegistryApi[] = "chibo.registry.v1.RegistryService";
constexpr char kFeedApi[] = "chibo.feed.v1.ChangeFeedService";

std::unique_ptr<grpc::ClientContext> Context(
    absl::Duration timeout = absl::Seconds(10)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

// Polls `done` every 100 ms until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return done();
}

// A service binary on port 0, metrics on a free port, both ports read
// from the files it writes.
struct Service {
  Service(const std::string& binary, const std::string& name,
          const MysqlOptions& db, const std::string& dir,
          const std::vector<std::string>& extra) {
    const std::string port_file = absl::StrCat(dir, "/", name, ".port");
    const std::string metrics_file = absl::StrCat(dir, "/", name, ".metrics");
    log_file = absl::StrCat(dir, "/", name, ".log");
    std::vector<std::string> argv = {binary,
                                     "--port=0",
                                     "--port_file=" + port_file,
                                     "--metrics_port=0",
                                     "--metrics_port_file=" + metrics_file,
                                     "--db_host=" + db.host,
                                     "--db_user=" + db.user,
                                     "--db_password=" + db.password,
                                     "--db_schema=" + db.schema,
                                     "--insecure_dev",
                                     "--db_timeout_ms=2000"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = std::make_unique<Subprocess>(argv, log_file);
    port = testing::WaitForPortFile(port_file, absl::Seconds(30));
    metrics_port = testing::WaitForPortFile(metrics_file, absl::Seconds(5));
    address = absl::StrCat("127.0.0.1:", port);
    channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
    health = Health::NewStub(channel);
  }
  std::string Log() const {
    std::ifstream in(log_file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // The health of `service` ("" is liveness), or nullopt when the call
  // itself fails.
  std::optional<HealthCheckResponse::ServingStatus> Check(
      const std::string& service) {
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    if (!health->Check(Context(absl::Seconds(5)).get(), request, &response)
             .ok()) {
      return std::nullopt;
    }
    return response.status();
  }
  std::string Scrape() const {
    int status = 0;
    return testing::RunCommand(
        {"/usr/bin/curl", "-sf", "--max-time", "10",
         absl::StrCat("http://127.0.0.1:", metrics_port, "/metrics")},
        &status);
  }

  std::string log_file, address;
  int port = 0;
  int metrics_port = 0;
  std::unique_ptr<Subprocess> process;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<Health::Stub> health;
};

// The value of the sample `name{labels}` in a scrape (labels exactly as
// given, in prometheus-cpp's order: sorted by name), or nullopt.
std::optional<double> Sample(const std::string& scrape,
                             const std::string& series) {
  for (absl::string_view line : absl::StrSplit(scrape, '\n')) {
    if (!absl::ConsumePrefix(&line, series)) continue;
    if (!absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return std::nullopt;
}

TEST(ObservabilityEndToEnd, ReadinessFollowsTheDatabaseLivenessStays) {
  const std::string dir = testing::MakeTempDir();
  testing::PrivateMariaDb mariadb(dir);
  ASSERT_TRUE(mariadb.installed());
  ASSERT_TRUE(mariadb.Start());
  ASSERT_TRUE(mariadb.CreateSchema("chibo_registry"));
  Service registry(CHIBO_REGISTRY_BINARY, "registry",
                   mariadb.Options("chibo_registry"), dir,
                   {"--readiness_interval=200ms", "--shutdown_drain=0s"});
  ASSERT_GT(registry.port, 0) << registry.Log();
  const auto serving = HealthCheckResponse::SERVING;
  const auto not_serving = HealthCheckResponse::NOT_SERVING;
  EXPECT_TRUE(
      Eventually([&] { return registry.Check(kRegistryApi) == serving; },
                 absl::Seconds(20)))
      << registry.Log();
  EXPECT_EQ(registry.Check(""), serving);
  EXPECT_EQ(registry.Check(kFeedApi), serving);
  HealthCheckRequest unknown;
  unknown.set_service("chibo.nothing.v1.Nothing");
  HealthCheckResponse answer;
  EXPECT_EQ(
      registry.health->Check(Context().get(), unknown, &answer).error_code(),
      grpc::StatusCode::NOT_FOUND);

  mariadb.Crash();
  EXPECT_TRUE(
      Eventually([&] { return registry.Check(kRegistryApi) == not_serving; },
                 absl::Seconds(20)))
      << registry.Log();
  // Alive, and it says so: Kubernetes must not restart it for this.
  EXPECT_EQ(registry.Check(""), serving);
  EXPECT_EQ(registry.Check(kFeedApi), not_serving);
  EXPECT_TRUE(absl::StrContains(registry.Log(), "\"msg\":\"not ready\""));
  EXPECT_EQ(Sample(registry.Scrape(), "chibo_ready"), 0);

  ASSERT_TRUE(mariadb.Start());
  EXPECT_TRUE(
      Eventually([&] { return registry.Check(kRegistryApi) == serving; },
                 absl::Seconds(30)))
      << registry.Log();
  EXPECT_EQ(registry.Check(""), serving);
  // The same process throughout, and it answers calls again.
  EXPECT_FALSE(registry.process->Wait(absl::ZeroDuration()).has_value());
  auto stub = registry::v1::RegistryService::NewStub(registry.channel);
  registry::v1::ListOrganizationsRequest list;
  registry::v1::ListOrganizationsResponse listed;
  // (A pooled connection from before the crash fails once and is dropped.)
  EXPECT_TRUE(Eventually(
      [&] {
        return stub->ListOrganizations(Context().get(), list, &listed).ok();
      },
      absl::Seconds(20)));
}

TEST(ObservabilityEndToEnd, SigtermDrainsThenEndsStreamsAndExits) {
  auto db = testing::TestDatabase::Create({}, /*apply_migrations=*/false);
  ASSERT_TRUE(db.ok()) << db.status();
  const std::string dir = testing::MakeTempDir();
  const absl::Duration drain = absl::Seconds(3);
  // A grace period far longer than the bound: only ending the streams can
  // keep the exit within drain + 2 s.
  Service registry(CHIBO_REGISTRY_BINARY, "registry", (*db)->options(), dir,
                   {"--shutdown_drain=3s", "--shutdown_grace_seconds=30"});
  ASSERT_GT(registry.port, 0) << registry.Log();
  auto stub = registry::v1::RegistryService::NewStub(registry.channel);
  registry::v1::CreateOrganizationRequest create;
  create.mutable_organization()->set_display_name("Tỉnh ủy Lạng Sơn");
  create.mutable_organization()->set_level(
      registry::v1::ORGANIZATION_LEVEL_PROVINCE);
  create.mutable_organization()->set_valid_from("2020-01-01");
  registry::v1::Organization province;
  ASSERT_TRUE(
      stub->CreateOrganization(Context().get(), create, &province).ok());

  // A WatchChanges stream, open once its first change arrives.
  auto feed = feed::v1::ChangeFeedService::NewStub(registry.channel);
  grpc::ClientContext watch_context;
  feed::v1::WatchChangesRequest watch;
  auto changes = feed->WatchChanges(&watch_context, watch);
  feed::v1::WatchChangesResponse change;
  ASSERT_TRUE(changes->Read(&change));
  std::atomic<bool> changes_ended{false};
  grpc::Status changes_status;
  std::thread changes_reader([&] {
    while (changes->Read(&change)) {
    }
    changes_status = changes->Finish();
    changes_ended = true;
  });

  // A Health/Watch stream on the readiness name, open once SERVING arrives.
  grpc::ClientContext health_context;
  HealthCheckRequest health_request;
  health_request.set_service(kRegistryApi);
  auto health = registry.health->Watch(&health_context, health_request);
  HealthCheckResponse first;
  ASSERT_TRUE(health->Read(&first));
  EXPECT_EQ(first.status(), HealthCheckResponse::SERVING);
  std::atomic<bool> health_ended{false};
  std::vector<HealthCheckResponse::ServingStatus> health_seen;
  grpc::Status health_status;
  std::thread health_reader([&] {
    HealthCheckResponse next;
    while (health->Read(&next)) health_seen.push_back(next.status());
    health_status = health->Finish();
    health_ended = true;
  });

  registry.process->Signal(SIGTERM);
  const absl::Time signalled = absl::Now();
  // During the drain: readiness NOT_SERVING, liveness SERVING, and the
  // port still serves calls.
  EXPECT_TRUE(Eventually(
      [&] {
        return registry.Check(kRegistryApi) == HealthCheckResponse::NOT_SERVING;
      },
      drain))
      << registry.Log();
  EXPECT_LT(absl::Now() - signalled, drain);
  EXPECT_EQ(registry.Check(""), HealthCheckResponse::SERVING);
  registry::v1::GetOrganizationRequest get;
  get.set_name(province.name());
  registry::v1::Organization read;
  EXPECT_TRUE(stub->GetOrganization(Context().get(), get, &read).ok());
  EXPECT_FALSE(changes_ended);
  EXPECT_FALSE(health_ended);

  std::optional<int> code = registry.process->Wait(drain + absl::Seconds(2) -
                                                   (absl::Now() - signalled));
  ASSERT_TRUE(code.has_value())
      << "still running " << (absl::Now() - signalled) << " after SIGTERM\n"
      << registry.Log();
  EXPECT_EQ(*code, 0) << registry.Log();
  changes_reader.join();
  health_reader.join();
  EXPECT_EQ(changes_status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << changes_status.error_message();
  EXPECT_TRUE(
      absl::StrContains(changes_status.error_message(), "shutting down"))
      << changes_status.error_message();
  ASSERT_FALSE(health_seen.empty());
  EXPECT_EQ(health_seen.back(), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(health_status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << health_status.error_message();
}

TEST(ObservabilityEndToEnd, MetricsCountTheCallsOfBothServices) {
  auto registry_db =
      testing::TestDatabase::Create({}, /*apply_migrations=*/false);
  ASSERT_TRUE(registry_db.ok()) << registry_db.status();
  auto scheduling_db =
      testing::TestDatabase::Create({}, /*apply_migrations=*/false);
  ASSERT_TRUE(scheduling_db.ok()) << scheduling_db.status();
  const std::string dir = testing::MakeTempDir();
  Service registry(CHIBO_REGISTRY_BINARY, "registry", (*registry_db)->options(),
                   dir, {"--shutdown_drain=0s"});
  ASSERT_GT(registry.port, 0) << registry.Log();
  ASSERT_GT(registry.metrics_port, 0) << registry.Log();
  Service scheduling(
      CHIBO_SCHEDULING_BINARY, "scheduling", (*scheduling_db)->options(), dir,
      {"--shutdown_drain=0s", "--registry_address=" + registry.address});
  ASSERT_GT(scheduling.port, 0) << scheduling.Log();
  ASSERT_GT(scheduling.metrics_port, 0) << scheduling.Log();

  // One call each that succeeds, and one the registry refuses.
  const std::string list_changes =
      "chibo.feed.v1.ChangeFeedService/ListChanges";
  for (Service* service : {&registry, &scheduling}) {
    auto feed = feed::v1::ChangeFeedService::NewStub(service->channel);
    feed::v1::ListChangesRequest request;
    feed::v1::ListChangesResponse response;
    ASSERT_TRUE(feed->ListChanges(Context().get(), request, &response).ok());
  }
  auto stub = registry::v1::RegistryService::NewStub(registry.channel);
  registry::v1::GetOrganizationRequest get;
  get.set_name("organizations/999999");
  registry::v1::Organization missing;
  ASSERT_EQ(stub->GetOrganization(Context().get(), get, &missing).error_code(),
            grpc::StatusCode::NOT_FOUND);

  const std::string handled_ok =
      absl::StrCat("chibo_rpc_server_handled_total{code=\"OK\",method=\"",
                   list_changes, "\"}");
  for (Service* service : {&registry, &scheduling}) {
    std::string scrape;
    EXPECT_TRUE(Eventually(
        [&] {
          scrape = service->Scrape();
          return Sample(scrape, handled_ok).value_or(0) >= 1;
        },
        absl::Seconds(20)))
        << "handled_total, scrape:\n"
        << scrape;
    EXPECT_GE(
        Sample(scrape, absl::StrCat("chibo_rpc_server_handling_seconds_count{"
                                    "method=\"",
                                    list_changes, "\"}"))
            .value_or(0),
        1)
        << "handling_seconds_count, scrape:\n"
        << scrape;
    // Scheduling's feed consumer calls the registry's ListChanges every
    // second: one may be in flight at any scrape.
    const std::string in_flight = absl::StrCat(
        "chibo_rpc_server_in_flight{method=\"", list_changes, "\"}");
    EXPECT_TRUE(
        Eventually([&] { return Sample(service->Scrape(), in_flight) == 0; },
                   absl::Seconds(20)))
        << in_flight;
    EXPECT_GE(Sample(scrape,
                     "chibo_db_pool_connections{pool=\"main\",state="
                     "\"open\"}")
                  .value_or(0),
              1)
        << "pool open, scrape:\n"
        << scrape;
    EXPECT_TRUE(Sample(scrape, "chibo_db_pool_max_connections{pool=\"main\"}"))
        << "pool max, scrape:\n"
        << scrape;
    EXPECT_TRUE(Sample(scrape, "chibo_idempotency_keys_pruned_total"))
        << "keys_pruned, scrape:\n"
        << scrape;
    EXPECT_TRUE(Eventually(
        [&] { return Sample(service->Scrape(), "chibo_ready") == 1; },
        absl::Seconds(20)))
        << "chibo_ready";
  }
  const std::string registry_scrape = registry.Scrape();
  EXPECT_EQ(Sample(registry_scrape,
                   "chibo_rpc_server_handled_total{code=\"NOT_FOUND\",method="
                   "\"chibo.registry.v1.RegistryService/GetOrganization\"}"),
            1)
      << "NOT_FOUND count, scrape:\n"
      << registry_scrape;
  // Scheduling follows the registry's feed: its lag is published.
  std::string scrape;
  EXPECT_TRUE(Eventually(
      [&] {
        scrape = scheduling.Scrape();
        return Sample(scrape,
                      "chibo_feed_consumer_lag_events{feed=\"registry\"}")
            .has_value();
      },
      absl::Seconds(20)))
      << "feed lag, scrape:\n"
      << scrape;
}

}  // namespace
}  // namespace chibo
