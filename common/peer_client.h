#ifndef CHIBO_COMMON_PEER_CLIENT_H_
#define CHIBO_COMMON_PEER_CLIENT_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/service_identity.h"
#include "common/rpc.h"
#include "grpcpp/grpcpp.h"

namespace chibo {

// How this service reaches one peer (another chibo service).
struct PeerTls {
  // PEM roots that sign the peer's certificate; empty: plaintext (the
  // bearer token still carries the identity).
  std::string ca_file;
  // Our own certificate chain and key, presented to the peer (mTLS).
  // Both or neither; they need ca_file.
  std::string cert_file;
  std::string key_file;
  // The name checked against the peer's certificate instead of the host in
  // the address (e.g. a Kubernetes Service name behind an IP).
  std::string server_name;
};

struct PeerConfig {
  std::string name;     // "registry": names the peer in errors and flags
  std::string address;  // host:port
  PeerTls tls;
};

// A channel to the peer: plaintext, TLS, or mTLS as `config` says. It
// connects lazily, so the peer may start after us. INVALID_ARGUMENT names
// the flag (--<peer>_tls_...) that is wrong.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakePeerChannel(
    const PeerConfig& config);

struct PeerClientOptions {
  // Attempts of a call the peer answers UNAVAILABLE (connection refused,
  // peer restarting), with jittered exponential backoff between them.
  int attempts = 3;
  absl::Duration backoff = absl::Milliseconds(50);
  // The most one attempt may take. An attempt also gets at most
  // `attempt_share` of the time left on the caller's deadline, so a peer
  // that hangs gives DEADLINE_EXCEEDED while the caller still has time to
  // answer from a fallback (a cache, a stored copy).
  absl::Duration attempt_timeout = absl::Seconds(2);
  double attempt_share = 0.8;
  // After the peer failed (UNAVAILABLE on every attempt, or silent for a
  // whole attempt_timeout), calls fail at once with UNAVAILABLE for this
  // long instead of each waiting out its deadline: a circuit breaker.
  absl::Duration open_circuit_for = absl::Seconds(3);
};

// The one way a chibo service calls another. Every call:
// - runs as this service's own identity on behalf of the original caller
//   (common/auth/service_identity), or carries no token when `identity`
//   is null (--insecure_dev);
// - gets per-attempt deadlines inside the caller's deadline;
// - is retried on UNAVAILABLE with backoff, then returned as UNAVAILABLE
//   "<peer> unavailable: ...";
// - fails fast with UNAVAILABLE while the circuit is open;
// - gives DEADLINE_EXCEEDED when the peer does not answer in time: "<peer>
//   did not answer within ..." (a hung peer: opens the circuit, not
//   retried, since a hung peer will not answer the next attempt either) or
//   "... before the call's deadline" (the caller's own short deadline:
//   opens nothing);
// - passes the peer's other answers (NOT_FOUND, INVALID_ARGUMENT, ...)
//   through unchanged.
// Typed wrappers (RegistryClient, ...) hold one and add the peer's methods.
// Thread-safe.
class PeerClient {
 public:
  using Options = PeerClientOptions;
  // One attempt: sends the call with `context` (deadline and identity set).
  using Attempt = std::function<grpc::Status(grpc::ClientContext* context)>;

  PeerClient(std::string name, std::shared_ptr<grpc::Channel> channel,
             const auth::ServiceIdentity* identity,
             Options options = Options());

  const std::string& name() const { return name_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  // Runs `attempt` under the rules above, on behalf of `call`.
  absl::Status Invoke(const CallContext& call, const Attempt& attempt) const;

  // Invoke for a unary method of a generated stub:
  //   peer.Call(call, stub.get(), &Stub::GetOrganization, request, &out);
  template <typename Stub, typename Request, typename Response>
  absl::Status Call(const CallContext& call, Stub* stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                 const Request&, Response*),
                    const Request& request, Response* response) const {
    return Invoke(call, [&](grpc::ClientContext* context) {
      return (stub->*method)(context, request, response);
    });
  }

  // A call context for work the service does by itself (cache refreshes,
  // following a feed): the service's own subject and a deadline `timeout`
  // from now.
  CallContext BackgroundCall(absl::Duration timeout) const;

  // Whether calls fail fast now.
  bool CircuitOpen() const;

 private:
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> ContextFor(
      const CallContext& attempt_call) const;
  void OpenCircuit(const grpc::Status& why) const;

  const std::string name_;
  std::shared_ptr<grpc::Channel> channel_;
  const auth::ServiceIdentity* identity_;
  const Options options_;
  mutable std::mutex mu_;
  mutable absl::Time circuit_open_until_ = absl::InfinitePast();
};

}  // namespace chibo

#endif  // CHIBO_COMMON_PEER_CLIENT_H_
