#ifndef CHIBO_COMMON_SERVER_H_
#define CHIBO_COMMON_SERVER_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/health_service.h"
#include "grpcpp/grpcpp.h"

namespace chibo {

struct ServerOptions {
  // "0.0.0.0:50051"; port 0 picks a free port (see RunningServer::port()).
  std::string listen_address = "0.0.0.0:0";
  // Upper bound on threads serving RPCs (sync API): blocking database calls
  // occupy one each, so this bounds both concurrency and memory.
  int max_threads = 32;
  int max_message_bytes = 8 * 1024 * 1024;
  absl::Duration shutdown_grace = absl::Seconds(10);
  // On Shutdown, how long readiness says NOT_SERVING while the port still
  // takes calls, so that Kubernetes takes the pod out of its endpoints
  // before the listener closes (--shutdown_drain; 0 in tests).
  absl::Duration drain = absl::ZeroDuration();
  // Called when the drain ends, before the listener closes: ends the
  // server's own long streams (WatchChanges), which would otherwise hold
  // the stop until the grace deadline cancels them.
  std::function<void()> end_streams;
  // When set, the bound port is written here once the server listens.
  std::string port_file;
  // TLS; empty means plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // When set, called with the full name of every service the server hosts
  // (gRPC's own health and reflection included) once it is built. An error
  // stops the server before it reports SERVING, and StartServer returns it:
  // ServiceRuntime refuses to start a service with an RPC that declares no
  // permission this way.
  std::function<absl::Status(const std::vector<std::string>&)> check_services;
};

// A started server: health reports SERVING, reflection is on.
class RunningServer {
 public:
  RunningServer(std::unique_ptr<HealthService> health,
                std::unique_ptr<grpc::Server> server, int port,
                std::vector<std::string> readiness_names,
                const ServerOptions& options);
  ~RunningServer();

  int port() const { return port_; }
  grpc::Server* server() { return server_.get(); }
  HealthService& health() { return *health_; }
  // Readiness of every API the server hosts (their names in the health
  // service; "" is liveness and stays SERVING). Ignored once Shutdown began.
  void SetReady(bool ready);
  // The stop, in order: readiness NOT_SERVING while the port keeps taking
  // calls for `drain`; then end_streams and the health service end the
  // open streams (WatchChanges, Health/Watch); then the listener closes and
  // in-flight calls get `shutdown_grace` to complete. Blocks until done.
  void Shutdown();

 private:
  // First: the server uses it until it is destroyed.
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<grpc::Server> server_;
  int port_;
  const std::vector<std::string> readiness_names_;
  const absl::Duration grace_;
  const absl::Duration drain_;
  const std::function<void()> end_streams_;
  std::mutex mu_;
  bool draining_ = false;
  bool shut_down_ = false;
};

// Writes `port` to `path` through a temporary file and a rename, so a
// reader never sees half of it.
absl::Status WritePortFile(const std::string& path, int port);

// Builds and starts a server with health, reflection, explicit message
// limits and SO_REUSEPORT off. The services must outlive the server.
absl::StatusOr<std::unique_ptr<RunningServer>> StartServer(
    const ServerOptions& options, const std::vector<grpc::Service*>& services);

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts
// afterwards, so WaitForTerminationSignal() can take them. Call first in main.
void BlockTerminationSignals();

// Waits for SIGTERM or SIGINT; returns the signal's name.
std::string WaitForTerminationSignal();

// StartServer, wait for a termination signal, then drain and stop.
absl::Status RunServerUntilSignal(const ServerOptions& options,
                                  const std::vector<grpc::Service*>& services);

}  // namespace chibo

#endif  // CHIBO_COMMON_SERVER_H_
