#include "common/metrics.h"

#include <array>
#include <atomic>
#include <exception>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace chibo {
namespace {

// From 1 ms to 10 s: a primary-key read takes well under a millisecond
// here, a deadline is at most 30 s and a database call gives up after 5.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

// What gRPC's sync server answers by itself when no thread is left.
constexpr absl::string_view kThreadpoolExhausted =
    "Server Threadpool Exhausted";

// The families, built once. prometheus-cpp's families are thread-safe, and
// Add() with labels already present returns the existing series.
struct Families {
  explicit Families(prometheus::Registry& r)
      : handled(prometheus::BuildCounter()
                    .Name("chibo_rpc_server_handled_total")
                    .Help("RPCs completed on the server, by method and "
                          "status code.")
                    .Register(r)),
        handling(prometheus::BuildHistogram()
                     .Name("chibo_rpc_server_handling_seconds")
                     .Help("Time from the start of an RPC to its status, "
                           "by method.")
                     .Register(r)),
        in_flight(prometheus::BuildGauge()
                      .Name("chibo_rpc_server_in_flight")
                      .Help("RPCs being served now, by method.")
                      .Register(r)),
        refused(prometheus::BuildCounter()
                    .Name("chibo_rpc_server_refused_total")
                    .Help("RPCs refused before a handler ran: reason "
                          "\"threads\" (the sync server's thread quota) or "
                          "\"streams\" (the cap on open WatchChanges).")
                    .Register(r)),
        pool_connections(prometheus::BuildGauge()
                             .Name("chibo_db_pool_connections")
                             .Help("Database connections of the pool: open "
                                   "(idle or leased) and idle.")
                             .Register(r)),
        pool_max(prometheus::BuildGauge()
                     .Name("chibo_db_pool_max_connections")
                     .Help("Most connections the pool opens (--db_pool_size).")
                     .Register(r)),
        pool_wait(prometheus::BuildHistogram()
                      .Name("chibo_db_pool_wait_seconds")
                      .Help("Time a call waited for a connection (queueing, "
                            "connecting and validating included).")
                      .Register(r)),
        pool_broken(prometheus::BuildCounter()
                        .Name("chibo_db_pool_broken_connections_total")
                        .Help("Connections discarded after a connection-level "
                              "error or a failed validation.")
                        .Register(r)),
        pool_connect_failures(
            prometheus::BuildCounter()
                .Name("chibo_db_pool_connect_failures_total")
                .Help("Attempts to open a database connection that failed.")
                .Register(r)),
        feed_lag_events(prometheus::BuildGauge()
                            .Name("chibo_feed_consumer_lag_events")
                            .Help("Changes of a followed feed not yet applied.")
                            .Register(r)),
        feed_lag_seconds(prometheus::BuildGauge()
                             .Name("chibo_feed_consumer_lag_seconds")
                             .Help("Age of the oldest change of a followed "
                                   "feed not yet applied (0 when caught up).")
                             .Register(r)),
        feed_holds_lease(prometheus::BuildGauge()
                             .Name("chibo_feed_consumer_holds_lease")
                             .Help("1 on the replica that applies the feed.")
                             .Register(r)),
        keys_pruned(prometheus::BuildCounter()
                        .Name("chibo_idempotency_keys_pruned_total")
                        .Help("Expired request_ids deleted.")
                        .Register(r)
                        .Add({})),
        transaction_retries(
            prometheus::BuildCounter()
                .Name("chibo_db_transaction_retries_total")
                .Help("Write transactions the server ran again after the "
                      "database broke them off: reason \"deadlock\" or "
                      "\"lock_wait_timeout\". Each one is a lock conflict "
                      "the client did not see, and a design smell when "
                      "it is frequent.")
                .Register(r)),
        rosters(prometheus::BuildCounter()
                    .Name("chibo_roster_answers_total")
                    .Help("Cell rosters a write or a scope check used, by "
                          "where "
                          "the answer came from: \"memory\" (kept, the "
                          "registry's feed head unmoved since it was asked) "
                          "or \"registry\" (asked now).")
                    .Register(r)),
        group_writes(
            prometheus::BuildCounter()
                .Name("chibo_group_writes_total")
                .Help("Calls written by a GroupWriter (common/group_write.h), "
                      "by how: \"alone\" (nothing else was waiting), "
                      "\"together\" (in one transaction with other calls) "
                      "or \"again_alone\" (their group failed, so each "
                      "was written again in a transaction of its own).")
                .Register(r)),
        group_write_groups(
            prometheus::BuildCounter()
                .Name("chibo_group_write_transactions_total")
                .Help("Transactions a GroupWriter ran for two or more calls "
                      "at once; chibo_group_writes_total{how=\"together\"} "
                      "divided by this is the mean group.")
                .Register(r)
                .Add({})),
        ready(prometheus::BuildGauge()
                  .Name("chibo_ready")
                  .Help("1 while the readiness check passes (database "
                        "reachable, migrations applied, feeds current).")
                  .Register(r)
                  .Add({})) {}

  prometheus::Family<prometheus::Counter>& handled;
  prometheus::Family<prometheus::Histogram>& handling;
  prometheus::Family<prometheus::Gauge>& in_flight;
  prometheus::Family<prometheus::Counter>& refused;
  prometheus::Family<prometheus::Gauge>& pool_connections;
  prometheus::Family<prometheus::Gauge>& pool_max;
  prometheus::Family<prometheus::Histogram>& pool_wait;
  prometheus::Family<prometheus::Counter>& pool_broken;
  prometheus::Family<prometheus::Counter>& pool_connect_failures;
  prometheus::Family<prometheus::Gauge>& feed_lag_events;
  prometheus::Family<prometheus::Gauge>& feed_lag_seconds;
  prometheus::Family<prometheus::Gauge>& feed_holds_lease;
  prometheus::Counter& keys_pruned;
  prometheus::Family<prometheus::Counter>& transaction_retries;
  prometheus::Family<prometheus::Counter>& rosters;
  prometheus::Family<prometheus::Counter>& group_writes;
  prometheus::Counter& group_write_groups;
  prometheus::Gauge& ready;
};

Families& F() {
  static Families* families = new Families(*MetricsRegistry());
  return *families;
}

// One method's series, looked up once per call by name. Counters per code
// are added on first use, so only codes that occurred are exported.
struct MethodSeries {
  prometheus::Gauge* in_flight;
  prometheus::Histogram* handling;
  std::mutex mu;
  absl::flat_hash_map<std::string, prometheus::Counter*> handled;
};

MethodSeries& SeriesFor(absl::string_view method) {
  static std::mutex mu;
  // Looked up by string_view: no allocation on the per-call path.
  static auto* by_method =
      new absl::flat_hash_map<std::string, std::unique_ptr<MethodSeries>>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = by_method->find(method);
  if (it != by_method->end()) return *it->second;
  auto series = std::make_unique<MethodSeries>();
  const prometheus::Labels labels = {{"method", std::string(method)}};
  series->in_flight = &F().in_flight.Add(labels);
  series->handling = &F().handling.Add(labels, LatencyBuckets());
  MethodSeries& out = *series;
  by_method->emplace(std::string(method), std::move(series));
  return out;
}

class RefusalInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit RefusalInterceptor(std::string method)
      : method_(std::move(method)) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
          status.error_message() == kThreadpoolExhausted) {
        RpcRefused(method_, "threads");
      }
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
};

class RefusalInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RefusalInterceptor(
        std::string(absl::StripPrefix(info->method(), "/")));
  }
};

}  // namespace

std::shared_ptr<prometheus::Registry> MetricsRegistry() {
  static auto* registry = new std::shared_ptr<prometheus::Registry>(
      std::make_shared<prometheus::Registry>());
  return *registry;
}

void RpcStarted(absl::string_view method) {
  SeriesFor(method).in_flight->Increment();
}

void RpcFinished(absl::string_view method, absl::string_view code,
                 absl::Duration latency) {
  MethodSeries& series = SeriesFor(method);
  series.in_flight->Decrement();
  series.handling->Observe(absl::ToDoubleSeconds(latency));
  prometheus::Counter* counter;
  {
    std::lock_guard<std::mutex> lock(series.mu);
    auto it = series.handled.find(code);
    if (it == series.handled.end()) {
      it = series.handled
               .emplace(std::string(code),
                        &F().handled.Add({{"method", std::string(method)},
                                          {"code", std::string(code)}}))
               .first;
    }
    counter = it->second;
  }
  counter->Increment();
}

void RpcRefused(absl::string_view method, absl::string_view reason) {
  F().refused
      .Add({{"method", std::string(method)}, {"reason", std::string(reason)}})
      .Increment();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRefusalInterceptorFactory() {
  return std::make_unique<RefusalInterceptorFactory>();
}

PoolMetrics PoolMetricsFor(const std::string& pool) {
  PoolMetrics out;
  out.open = &F().pool_connections.Add({{"pool", pool}, {"state", "open"}});
  out.idle = &F().pool_connections.Add({{"pool", pool}, {"state", "idle"}});
  out.max = &F().pool_max.Add({{"pool", pool}});
  out.wait = &F().pool_wait.Add({{"pool", pool}}, LatencyBuckets());
  out.broken = &F().pool_broken.Add({{"pool", pool}});
  out.connect_failures = &F().pool_connect_failures.Add({{"pool", pool}});
  return out;
}

void RecordFeedLag(const std::string& feed, int64_t events,
                   absl::Duration behind, bool holds_lease) {
  F().feed_lag_events.Add({{"feed", feed}}).Set(static_cast<double>(events));
  F().feed_lag_seconds.Add({{"feed", feed}}).Set(absl::ToDoubleSeconds(behind));
  F().feed_holds_lease.Add({{"feed", feed}}).Set(holds_lease ? 1 : 0);
}

void RecordIdempotencyKeysPruned(int64_t count) {
  F().keys_pruned.Increment(static_cast<double>(count));
}

void RecordTransactionRetry(bool deadlock) {
  F().transaction_retries
      .Add({{"reason", deadlock ? "deadlock" : "lock_wait_timeout"}})
      .Increment();
}

void RecordRosterAnswer(bool from_memory) {
  F().rosters.Add({{"from", from_memory ? "memory" : "registry"}}).Increment();
}

void RecordGroupWrite(int calls, bool together) {
  Families& f = F();
  if (calls == 1) {
    static prometheus::Counter* alone = &f.group_writes.Add({{"how", "alone"}});
    alone->Increment();
    return;
  }
  static prometheus::Counter* in_group =
      &f.group_writes.Add({{"how", "together"}});
  static prometheus::Counter* again =
      &f.group_writes.Add({{"how", "again_alone"}});
  (together ? in_group : again)->Increment(calls);
  if (together) f.group_write_groups.Increment();
}

void RecordReady(bool ready) { F().ready.Set(ready ? 1 : 0); }

MetricsServer::MetricsServer(std::unique_ptr<prometheus::Exposer> exposer,
                             int port)
    : exposer_(std::move(exposer)), port_(port) {}

MetricsServer::~MetricsServer() = default;

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address) {
  F();  // Every family exists (at zero) before the first scrape.
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // One thread is plenty for a scrape every few seconds; a second keeps
    // a slow scraper from blocking another.
    exposer = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
  exposer->RegisterCollectable(MetricsRegistry());
  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty() || ports[0] <= 0) {
    return absl::UnavailableError(
        absl::StrCat("metrics server on ", address, " reports no port"));
  }
  return std::unique_ptr<MetricsServer>(
      new MetricsServer(std::move(exposer), ports[0]));
}

}  // namespace chibo
