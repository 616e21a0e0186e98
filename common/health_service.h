#ifndef CHIBO_COMMON_HEALTH_SERVICE_H_
#define CHIBO_COMMON_HEALTH_SERVICE_H_

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace chibo {

// grpc.health.v1.Health, served by every chibo server in place of gRPC's
// default one, for one reason: gRPC 1.51's default service never ends a
// Watch stream by itself. Its Shutdown() only writes NOT_SERVING, so every
// open Watch holds Server::Shutdown until the grace deadline cancels it.
// Here Shutdown() writes NOT_SERVING and then ends every Watch.
//
// What the names mean (Kubernetes probes use Check):
//   ""                 liveness: SERVING while the process can serve at all;
//   each API's name    readiness ("chibo.registry.v1.RegistryService"):
//                      SERVING while its dependencies are (common/
//                      readiness.h), NOT_SERVING from the start of a drain.
// A name never set answers NOT_FOUND to Check and SERVICE_UNKNOWN to Watch.
//
// Callback API: a Watch holds no server thread, and Check answers even
// when every sync thread is busy with database calls.
class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;

  HealthService();  // "" is SERVING from the start.
  ~HealthService() override;

  // Ignored after Shutdown().
  void SetStatus(const std::string& service, bool serving);
  // All names NOT_SERVING for good; every Watch gets that, then ends with
  // UNAVAILABLE, and new Watch calls end at once.
  void Shutdown();
  Status StatusOf(const std::string& service) const;

  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request,
      grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  class Watcher;

  Status StatusOfLocked(const std::string& service) const;
  // Called by a Watcher once gRPC is done with it.
  void Forget(Watcher* watcher);

  mutable std::mutex mu_;
  std::map<std::string, bool> serving_;
  std::map<Watcher*, std::string> watchers_;
  bool shut_down_ = false;
  std::condition_variable all_forgotten_;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_HEALTH_SERVICE_H_
