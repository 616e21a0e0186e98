#include "common/server.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/bad_request.h"
#include "common/log.h"
#include "common/metrics.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "grpcpp/resource_quota.h"

namespace chibo {
namespace {

constexpr int kPollerThreads = 4;

// gRPC lists the services a server hosts only to builder plugins: this one
// copies the list into `*names` when the server is built.
class ServiceListPlugin : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceListPlugin(std::vector<std::string>* names) : names_(names) {}
  std::string name() override { return "chibo_service_list"; }
  void InitServer(grpc::ServerInitializer* initializer) override {
    *names_ = *initializer->GetServiceList();
  }
  void Finish(grpc::ServerInitializer* /*initializer*/) override {}
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}

 private:
  std::vector<std::string>* names_;
};

class ServiceListOption : public grpc::ServerBuilderOption {
 public:
  explicit ServiceListOption(std::vector<std::string>* names) : names_(names) {}
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    plugins->push_back(std::make_unique<ServiceListPlugin>(names_));
  }

 private:
  std::vector<std::string>* names_;
};

// The APIs whose readiness the health service reports: every hosted
// service but gRPC's own (health, reflection).
std::vector<std::string> ReadinessNames(const std::vector<std::string>& all) {
  std::vector<std::string> names;
  for (const std::string& name : all) {
    if (!absl::StartsWith(name, "grpc.")) names.push_back(name);
  }
  return names;
}

}  // namespace

absl::Status WritePortFile(const std::string& path, int port) {
  const std::string temp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << "\n";
    if (!out) {
      return absl::InternalError(absl::StrCat("cannot write ", temp));
    }
  }
  // Rename so a reader never sees a half-written file.
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot rename to ", path));
  }
  return absl::OkStatus();
}

RunningServer::RunningServer(std::unique_ptr<HealthService> health,
                             std::unique_ptr<grpc::Server> server, int port,
                             std::vector<std::string> readiness_names,
                             const ServerOptions& options)
    : health_(std::move(health)),
      server_(std::move(server)),
      port_(port),
      readiness_names_(std::move(readiness_names)),
      grace_(options.shutdown_grace),
      drain_(options.drain),
      end_streams_(options.end_streams) {
  SetReady(true);
}

RunningServer::~RunningServer() { Shutdown(); }

void RunningServer::SetReady(bool ready) {
  std::lock_guard<std::mutex> lock(mu_);
  if (draining_) return;
  for (const std::string& name : readiness_names_) {
    health_->SetStatus(name, ready);
  }
}

void RunningServer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shut_down_) return;
    shut_down_ = true;
    draining_ = true;
    // Probes see NOT_SERVING first, and Kubernetes stops routing here
    // while the port still answers.
    for (const std::string& name : readiness_names_) {
      health_->SetStatus(name, false);
    }
  }
  if (drain_ > absl::ZeroDuration()) {
    Log(LogLevel::kInfo, "draining: readiness NOT_SERVING, still serving",
        {{"drain_ms", absl::ToDoubleMilliseconds(drain_)}});
    absl::SleepFor(drain_);
  }
  // Streams never end by themselves: end them before closing, so only
  // unary calls remain for the grace period.
  if (end_streams_) end_streams_();
  health_->Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace_));
  server_->Wait();
}

absl::StatusOr<std::unique_ptr<RunningServer>> StartServer(
    const ServerOptions& options, const std::vector<grpc::Service*>& services) {
  // Reflection can describe grpc.health.v1 only when its descriptors are
  // linked in; touching one keeps the linker from dropping them.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  // Debian's Abseil is built with Mutex deadlock detection on; gRPC's locks
  // then spend ~5% of a server's CPU on cycle bookkeeping (bench.sh profile).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Our own health service instead of gRPC's (common/health_service.h).
  grpc::EnableDefaultHealthCheckService(false);
  auto health = std::make_unique<HealthService>();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  grpc::ResourceQuota quota("chibo-server");
  // The sync server's pollers need threads of their own besides the ones
  // running handlers; without the headroom a full load sees spurious
  // RESOURCE_EXHAUSTED ("Server Threadpool Exhausted").
  quota.SetMaxThreads(options.max_threads + kPollerThreads);
  builder.SetResourceQuota(quota);
  // Keeping pollers alive avoids creating and destroying a thread per burst
  // (measured by scripts/bench.sh: about 30% more echo calls per CPU).
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, kPollerThreads);
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, options.max_threads);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // Two servers must never silently share a port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  int port = 0;
  builder.AddListeningPort(options.listen_address,
                           options.credentials != nullptr
                               ? options.credentials
                               : grpc::InsecureServerCredentials(),
                           &port);
  // A request that does not parse (invalid UTF-8 in a string field) gets
  // INVALID_ARGUMENT naming the field instead of gRPC's bare INTERNAL.
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(NewBadRequestInterceptorFactory());
  interceptors.push_back(NewRefusalInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(health.get());
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::vector<std::string> hosted;
  builder.SetOption(std::make_unique<ServiceListOption>(&hosted));
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address));
  }
  if (options.check_services) {
    absl::Status checked = options.check_services(hosted);
    if (!checked.ok()) {
      health->Shutdown();
      server->Shutdown();
      server->Wait();
      return checked;
    }
  }
  auto running =
      std::make_unique<RunningServer>(std::move(health), std::move(server),
                                      port, ReadinessNames(hosted), options);
  if (!options.port_file.empty()) {
    absl::Status written = WritePortFile(options.port_file, port);
    if (!written.ok()) return written;  // ~RunningServer stops it.
  }
  Log(LogLevel::kInfo, "serving",
      {{"address", options.listen_address},
       {"port", static_cast<int64_t>(port)},
       {"max_threads", static_cast<int64_t>(options.max_threads)},
       {"tls", options.credentials != nullptr}});
  return running;
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal_number = 0;
  sigwait(&set, &signal_number);
  return signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
}

absl::Status RunServerUntilSignal(const ServerOptions& options,
                                  const std::vector<grpc::Service*>& services) {
  auto server = StartServer(options, services);
  if (!server.ok()) return server.status();
  const std::string signal_name = WaitForTerminationSignal();
  Log(LogLevel::kInfo, "stopping",
      {{"signal", signal_name},
       {"drain_ms", absl::ToDoubleMilliseconds(options.drain)},
       {"grace_ms", absl::ToDoubleMilliseconds(options.shutdown_grace)}});
  (*server)->Shutdown();
  Log(LogLevel::kInfo, "stopped");
  return absl::OkStatus();
}

}  // namespace chibo
