#ifndef CHIBO_COMMON_METRICS_H_
#define CHIBO_COMMON_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/server_interceptor.h"

namespace prometheus {
class Counter;
class Exposer;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace chibo {

// The process's Prometheus metrics. Everything in common/ records into this
// one registry, so a service gets every figure below by linking common/ and
// serving it (MetricsServer, started by ServiceRuntime on --metrics_port).
// Names follow the Prometheus conventions: base units (seconds), `_total`
// on counters, and the label set of the go-grpc-prometheus family
// (method, code) under the chibo_ prefix.
std::shared_ptr<prometheus::Registry> MetricsRegistry();

// Per-RPC figures, recorded by RpcGate for every call of every service:
//   chibo_rpc_server_handled_total{method,code}
//   chibo_rpc_server_handling_seconds{method} (histogram)
//   chibo_rpc_server_in_flight{method}
// `method` is "chibo.registry.v1.RegistryService/GetOrganization", `code`
// the canonical name ("OK", "NOT_FOUND").
void RpcStarted(absl::string_view method);
void RpcFinished(absl::string_view method, absl::string_view code,
                 absl::Duration latency);

// Calls refused before a handler could run them:
//   chibo_rpc_server_refused_total{method,reason}
// reason "threads": gRPC's sync server had no thread left (its own
// RESOURCE_EXHAUSTED "Server Threadpool Exhausted", counted by the
// interceptor below); "streams": the cap on open WatchChanges streams.
void RpcRefused(absl::string_view method, absl::string_view reason);

// Sees every answer a server sends, including those gRPC sends by itself
// when its thread quota is exhausted (no handler, hence no RpcGate, runs
// for those). StartServer installs it on every server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRefusalInterceptorFactory();

// One connection pool's figures (MysqlPool records them when its options
// name it), labelled {pool}:
//   chibo_db_pool_connections{pool,state="open"|"idle"}
//   chibo_db_pool_max_connections{pool}
//   chibo_db_pool_wait_seconds{pool} (histogram: time in Acquire)
//   chibo_db_pool_broken_connections_total{pool}
//   chibo_db_pool_connect_failures_total{pool}
struct PoolMetrics {
  prometheus::Gauge* open = nullptr;
  prometheus::Gauge* idle = nullptr;
  prometheus::Gauge* max = nullptr;
  prometheus::Histogram* wait = nullptr;
  prometheus::Counter* broken = nullptr;
  prometheus::Counter* connect_failures = nullptr;
};
PoolMetrics PoolMetricsFor(const std::string& pool);

// A feed consumer's lag, as FeedConsumer::Lag() reports it:
//   chibo_feed_consumer_lag_events{feed}
//   chibo_feed_consumer_lag_seconds{feed}
//   chibo_feed_consumer_holds_lease{feed} (1 on the replica applying it)
void RecordFeedLag(const std::string& feed, int64_t events,
                   absl::Duration behind, bool holds_lease);

// chibo_idempotency_keys_pruned_total
void RecordIdempotencyKeysPruned(int64_t count);

// chibo_db_transaction_retries_total{reason}: a write transaction run again
// after a deadlock (reason "deadlock") or a lock wait timeout.
void RecordTransactionRetry(bool deadlock);

// chibo_roster_answers_total{from="memory"|"registry"}: a cell roster
// handed out by RosterCache (common/roster_cache.h), kept or asked now.
void RecordRosterAnswer(bool from_memory);

// chibo_group_writes_total{how} and chibo_group_write_transactions_total:
// a GroupWriter (common/group_write.h) wrote `calls` calls, in one
// transaction together, or (their group failed) each again alone. One
// call is "alone".
void RecordGroupWrite(int calls, bool together);

// chibo_ready: 1 while the readiness check passes (common/readiness.h).
void RecordReady(bool ready);

// Serves MetricsRegistry() as /metrics over plain HTTP (prometheus-cpp's
// own small server), on a port separate from gRPC's.
class MetricsServer {
 public:
  // "0.0.0.0:9464"; port 0 picks a free one (see port()).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address);
  ~MetricsServer();

  int port() const { return port_; }

 private:
  MetricsServer(std::unique_ptr<prometheus::Exposer> exposer, int port);

  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_METRICS_H_
