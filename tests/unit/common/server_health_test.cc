// The health service every StartServer hosts: liveness and readiness by
// name, Watch following changes, and the stop ending Watch streams instead
// of leaving them to the grace deadline. Plus the metrics RpcGate records.

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/rpc.h"
#include "common/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace chibo {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

constexpr char kApi[] = "chibo.registry.v1.RegistryService";

class ServerHealthTest : public ::testing::Test {
 protected:
  // `drain` is zero but where the stop itself is tested: a drain also
  // runs when the fixture's server is destroyed.
  void Start(absl::Duration drain = absl::ZeroDuration()) {
    SetMinLogLevel(LogLevel::kWarning);
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.drain = drain;
    // Far longer than the test: only ending the streams lets it stop.
    options.shutdown_grace = absl::Seconds(60);
    options.end_streams = [this] { streams_ended_ = true; };
    auto server = StartServer(options, {&api_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = Health::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  grpc::Status Check(const std::string& service,
                     HealthCheckResponse::ServingStatus* status) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    grpc::Status result = stub_->Check(&context, request, &response);
    *status = response.status();
    return result;
  }

  HealthCheckResponse::ServingStatus StatusOf(const std::string& service) {
    HealthCheckResponse::ServingStatus status = HealthCheckResponse::UNKNOWN;
    EXPECT_TRUE(Check(service, &status).ok());
    return status;
  }

  // Every method answers UNIMPLEMENTED; only its name matters here.
  registry::v1::RegistryService::Service api_;
  std::atomic<bool> streams_ended_{false};
  std::unique_ptr<RunningServer> server_;
  std::unique_ptr<Health::Stub> stub_;
};

TEST_F(ServerHealthTest, LivenessAndReadinessByName) {
  Start();
  EXPECT_EQ(StatusOf(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(StatusOf(kApi), HealthCheckResponse::SERVING);
  HealthCheckResponse::ServingStatus status;
  EXPECT_EQ(Check("chibo.nothing.v1.Nothing", &status).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Check(std::string(201, 'x'), &status).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  server_->SetReady(false);
  EXPECT_EQ(StatusOf(kApi), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(StatusOf(""), HealthCheckResponse::SERVING);
  server_->SetReady(true);
  EXPECT_EQ(StatusOf(kApi), HealthCheckResponse::SERVING);
}

TEST_F(ServerHealthTest, WatchFollowsReadiness) {
  Start();
  grpc::ClientContext context;
  HealthCheckRequest request;
  request.set_service(kApi);
  auto watch = stub_->Watch(&context, request);
  HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  server_->SetReady(false);
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  server_->SetReady(true);
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
  context.TryCancel();
  while (watch->Read(&response)) {
  }
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::CANCELLED);

  // A name not (yet) known: SERVICE_UNKNOWN, as the protocol says.
  grpc::ClientContext unknown_context;
  request.set_service("chibo.nothing.v1.Nothing");
  auto unknown = stub_->Watch(&unknown_context, request);
  ASSERT_TRUE(unknown->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  unknown_context.TryCancel();
  while (unknown->Read(&response)) {
  }
  unknown->Finish();
}

TEST_F(ServerHealthTest, ShutdownDrainsThenEndsWatchStreams) {
  Start(absl::Seconds(2));
  grpc::ClientContext context;
  HealthCheckRequest request;
  request.set_service(kApi);
  auto watch = stub_->Watch(&context, request);
  HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  ASSERT_EQ(response.status(), HealthCheckResponse::SERVING);

  std::thread stopper([this] { server_->Shutdown(); });
  // Readiness goes first, while the port still answers.
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(StatusOf(kApi), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(StatusOf(""), HealthCheckResponse::SERVING);
  // After the drain, the stream ends (it would otherwise hold the stop for
  // the 60 s grace period).
  while (watch->Read(&response)) {
    EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  }
  grpc::Status ended = watch->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE)
      << ended.error_message();
  stopper.join();
  EXPECT_TRUE(streams_ended_);
}

// Counted through RpcGate, read back the way Prometheus reads it.
TEST(RpcMetricsTest, TheGateCountsEveryCallByMethodAndCode) {
  SetMinLogLevel(LogLevel::kWarning);
  InsecureDevAuthorizer authorizer;
  RpcGate gate(&authorizer);
  grpc::ServerContext context;
  registry::v1::GetOrganizationRequest request;
  for (int i = 0; i < 2; ++i) {
    gate.Serve(&context, "test.v1.Metrics/Get", request,
               [](const CallContext&) { return absl::NotFoundError("x"); });
  }
  gate.Serve(&context, "test.v1.Metrics/Get", request,
             [](const CallContext&) { return absl::OkStatus(); });
  const std::string text =
      prometheus::TextSerializer().Serialize(MetricsRegistry()->Collect());
  EXPECT_TRUE(absl::StrContains(
      text,
      "chibo_rpc_server_handled_total{code=\"NOT_FOUND\",method=\"test.v1."
      "Metrics/Get\"} 2\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(text,
                                "chibo_rpc_server_handled_total{code=\"OK\","
                                "method=\"test.v1.Metrics/Get\"} 1\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text,
      "chibo_rpc_server_handling_seconds_count{method=\"test.v1."
      "Metrics/Get\"} 3\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "chibo_rpc_server_in_flight{method=\"test.v1.Metrics/Get\"} 0\n"))
      << text;
}

// A registry whose GetOrganization holds its thread until released.
class BlockingApi final : public registry::v1::RegistryService::Service {
 public:
  grpc::Status GetOrganization(grpc::ServerContext*,
                               const registry::v1::GetOrganizationRequest*,
                               registry::v1::Organization*) override {
    release_.WaitForNotificationWithTimeout(absl::Seconds(20));
    return grpc::Status::OK;
  }
  void Release() { release_.Notify(); }

 private:
  absl::Notification release_;
};

std::optional<double> RefusedForThreads() {
  const std::string text =
      prometheus::TextSerializer().Serialize(MetricsRegistry()->Collect());
  const std::string series =
      "chibo_rpc_server_refused_total{method=\"chibo.registry.v1."
      "RegistryService/GetOrganization\",reason=\"threads\"} ";
  const size_t at = text.find(series);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + series.size()));
}

// gRPC answers by itself when its thread quota is spent; no handler runs,
// yet the refusal is counted.
TEST(RpcMetricsTest, ThreadQuotaRefusalsAreCounted) {
  SetMinLogLevel(LogLevel::kWarning);
  BlockingApi api;
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.max_threads = 2;
  options.shutdown_grace = absl::Seconds(1);
  auto server = StartServer(options, {&api});
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = registry::v1::RegistryService::NewStub(channel);
  constexpr int kCalls = 24;
  std::atomic<int> exhausted{0};
  std::atomic<int> finished{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kCalls; ++i) {
    clients.emplace_back([&] {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
      registry::v1::GetOrganizationRequest request;
      registry::v1::Organization out;
      grpc::Status status = stub->GetOrganization(&context, request, &out);
      if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
          status.error_message() == "Server Threadpool Exhausted") {
        ++exhausted;
      }
      ++finished;
    });
  }
  // Refusals come back at once; the admitted calls wait for the release.
  const absl::Time give_up = absl::Now() + absl::Seconds(15);
  while (exhausted == 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  api.Release();
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(finished, kCalls);
  ASSERT_GT(exhausted, 0) << "the quota of 2 threads never refused a call";
  EXPECT_EQ(RefusedForThreads(), exhausted.load());
}

}  // namespace
}  // namespace chibo
