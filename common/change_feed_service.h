#ifndef CHIBO_COMMON_CHANGE_FEED_SERVICE_H_
#define CHIBO_COMMON_CHANGE_FEED_SERVICE_H_

#include <atomic>
#include <functional>

#include "absl/synchronization/notification.h"
#include "chibo/feed/v1/feed.grpc.pb.h"
#include "common/mysql_pool.h"
#include "common/rpc.h"

namespace chibo {

// Serves a service's outbox as chibo.feed.v1.ChangeFeedService. Every
// service process hosts one, over its own schema.
class ChangeFeedService final
    : public chibo::feed::v1::ChangeFeedService::Service {
 public:
  // Decides whether `caller` may see a change of organisation `id` (0: a
  // change not tied to an organisation). Supplied by the authorisation
  // layer; the default lets every admitted caller see everything.
  using VisibilityCheck = std::function<bool(const Caller&, int64_t)>;

  ChangeFeedService(MysqlPool* pool, const RpcGate* gate,
                    VisibilityCheck visible = nullptr, int max_watchers = 8,
                    absl::Duration poll_interval = absl::Milliseconds(250));

  grpc::Status ListChanges(
      grpc::ServerContext* context,
      const chibo::feed::v1::ListChangesRequest* request,
      chibo::feed::v1::ListChangesResponse* response) override;

  // Holds one server thread per stream, so streams are capped at
  // `max_watchers` (RESOURCE_EXHAUSTED beyond) to keep threads for unary
  // calls.
  grpc::Status WatchChanges(
      grpc::ServerContext* context,
      const chibo::feed::v1::WatchChangesRequest* request,
      grpc::ServerWriter<chibo::feed::v1::WatchChangesResponse>* writer)
      override;

  // Ends every open WatchChanges stream within a poll interval (UNAVAILABLE:
  // resume on another replica from the last sequence received) and refuses
  // new ones. For the server's stop (ServerOptions::end_streams).
  void EndStreams() {
    if (!ending_.HasBeenNotified()) ending_.Notify();
  }

 private:
  absl::Status ReadChanges(const CallContext& call, int64_t after,
                           absl::string_view subject, int limit,
                           chibo::feed::v1::ListChangesResponse* out);

  MysqlPool* pool_;
  const RpcGate* gate_;
  VisibilityCheck visible_;
  const int max_watchers_;
  const absl::Duration poll_interval_;
  std::atomic<int> watchers_{0};
  absl::Notification ending_;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_CHANGE_FEED_SERVICE_H_
