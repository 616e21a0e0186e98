#include "common/health_service.h"

#include <set>

namespace chibo {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// The longest service name taken, as gRPC's own health service does.
constexpr size_t kMaxServiceName = 200;

grpc::Status ValidateHealthRequest(const HealthCheckRequest& request) {
  if (request.service().size() > kMaxServiceName) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "service: at most 200 characters");
  }
  return grpc::Status::OK;
}

grpc::Status ShuttingDown() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "the server is shutting down; watch another replica");
}

}  // namespace

// One Watch stream: the current status at once, then every change. At most
// one write is in flight; a change that arrives meanwhile replaces any
// earlier one still waiting, so a slow reader gets the latest status.
// Lock order: HealthService::mu_, then mu_.
class HealthService::Watcher
    : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  explicit Watcher(HealthService* service) : service_(service) {}

  // Called with service_->mu_ held.
  void Send(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    if (writing_) {
      pending_ = status;
      has_pending_ = true;
      return;
    }
    WriteLocked(status);
  }

  // Ends the stream once the writes queued so far are out.
  void End() {
    std::lock_guard<std::mutex> lock(mu_);
    ending_ = true;
    if (!writing_) FinishLocked(ShuttingDown());
  }

  void FinishNow(const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    FinishLocked(status);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED,
                                "the health stream could not be written"));
    } else if (has_pending_) {
      has_pending_ = false;
      WriteLocked(pending_);
    } else if (ending_) {
      FinishLocked(ShuttingDown());
    }
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    service_->Forget(this);
    delete this;
  }

 private:
  void WriteLocked(Status status) {
    if (finished_) return;
    response_.set_status(status);
    writing_ = true;
    StartWrite(&response_);
  }
  // gRPC runs OnDone later on its own thread, never inside Finish.
  void FinishLocked(const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  HealthService* const service_;
  std::mutex mu_;
  HealthCheckResponse response_;
  bool writing_ = false;
  bool has_pending_ = false;
  Status pending_ = HealthCheckResponse::UNKNOWN;
  bool ending_ = false;
  bool finished_ = false;
};

HealthService::HealthService() { serving_[""] = true; }

HealthService::~HealthService() {
  // The server is gone by now, but gRPC may still be running the last
  // OnDone of a watcher: wait for it before the map goes.
  std::unique_lock<std::mutex> lock(mu_);
  all_forgotten_.wait(lock, [this] { return watchers_.empty(); });
}

void HealthService::SetStatus(const std::string& service, bool serving) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return;
  auto it = serving_.find(service);
  if (it != serving_.end() && it->second == serving) return;
  serving_[service] = serving;
  const Status status = StatusOfLocked(service);
  for (const auto& [watcher, name] : watchers_) {
    if (name == service) watcher->Send(status);
  }
}

void HealthService::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return;
  shut_down_ = true;
  std::set<std::string> changed;
  for (auto& [name, serving] : serving_) {
    if (serving) changed.insert(name);
    serving = false;
  }
  for (const auto& [watcher, name] : watchers_) {
    if (changed.count(name) > 0) watcher->Send(StatusOfLocked(name));
    watcher->End();
  }
}

HealthService::Status HealthService::StatusOf(
    const std::string& service) const {
  std::lock_guard<std::mutex> lock(mu_);
  return StatusOfLocked(service);
}

HealthService::Status HealthService::StatusOfLocked(
    const std::string& service) const {
  auto it = serving_.find(service);
  if (it == serving_.end()) return HealthCheckResponse::SERVICE_UNKNOWN;
  return it->second ? HealthCheckResponse::SERVING
                    : HealthCheckResponse::NOT_SERVING;
}

void HealthService::Forget(Watcher* watcher) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.erase(watcher);
  if (watchers_.empty()) all_forgotten_.notify_all();
}

grpc::ServerUnaryReactor* HealthService::Check(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request,
    HealthCheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  grpc::Status valid = ValidateHealthRequest(*request);
  if (!valid.ok()) {
    reactor->Finish(valid);
    return reactor;
  }
  const Status status = StatusOf(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        "service: no such service on this server: " + request->service()));
    return reactor;
  }
  response->set_status(status);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* /*context*/,
    const HealthCheckRequest* request) {
  auto* watcher = new Watcher(this);
  grpc::Status valid = ValidateHealthRequest(*request);
  std::lock_guard<std::mutex> lock(mu_);
  // Registered even when finished at once: OnDone forgets it either way.
  watchers_[watcher] = request->service();
  if (!valid.ok()) {
    watcher->FinishNow(valid);
  } else if (shut_down_) {
    watcher->FinishNow(ShuttingDown());
  } else {
    watcher->Send(StatusOfLocked(request->service()));
  }
  return watcher;
}

}  // namespace chibo
