#include "common/peer_client.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/tls_config.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace chibo {
namespace {

// Both directions; the server side sets the same limit (common/server.h).
constexpr int kMaxMessageBytes = 8 * 1024 * 1024;

absl::StatusOr<std::string> ReadPeerFile(const PeerConfig& config,
                                         absl::string_view what,
                                         const std::string& path) {
  auto content = auth::ReadFile(path);
  if (!content.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", config.name, "_tls_", what, ": cannot read ", path));
  }
  return *std::move(content);
}

// A random duration in [d/2, d]: replicas retrying together spread out.
absl::Duration Jittered(absl::Duration d) {
  thread_local std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> factor(0.5, 1.0);
  return d * factor(random);
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakePeerChannel(
    const PeerConfig& config) {
  if (config.address.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", config.name, "_address is required"));
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  const PeerTls& tls = config.tls;
  if (tls.ca_file.empty()) {
    if (!tls.cert_file.empty() || !tls.key_file.empty() ||
        !tls.server_name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", config.name, "_tls_cert_file, --", config.name,
          "_tls_key_file and --", config.name, "_tls_server_name need --",
          config.name, "_tls_ca_file (TLS to the peer)"));
    }
    return grpc::CreateCustomChannel(config.address,
                                     grpc::InsecureChannelCredentials(), args);
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", config.name, "_tls_cert_file and --", config.name,
                     "_tls_key_file go together"));
  }
  grpc::SslCredentialsOptions options;
  ASSIGN_OR_RETURN(options.pem_root_certs,
                   ReadPeerFile(config, "ca_file", tls.ca_file));
  if (!tls.cert_file.empty()) {
    ASSIGN_OR_RETURN(options.pem_cert_chain,
                     ReadPeerFile(config, "cert_file", tls.cert_file));
    ASSIGN_OR_RETURN(options.pem_private_key,
                     ReadPeerFile(config, "key_file", tls.key_file));
  }
  if (!tls.server_name.empty()) {
    args.SetSslTargetNameOverride(tls.server_name);
  }
  return grpc::CreateCustomChannel(config.address,
                                   grpc::SslCredentials(options), args);
}

PeerClient::PeerClient(std::string name, std::shared_ptr<grpc::Channel> channel,
                       const auth::ServiceIdentity* identity, Options options)
    : name_(std::move(name)),
      channel_(std::move(channel)),
      identity_(identity),
      options_(options) {}

CallContext PeerClient::BackgroundCall(absl::Duration timeout) const {
  CallContext call;
  call.caller.subject =
      identity_ != nullptr ? identity_->subject() : "service:unnamed";
  call.caller.role = "service";
  call.caller.scope = "*";
  call.method = "background";
  call.deadline = absl::Now() + timeout;
  return call;
}

bool PeerClient::CircuitOpen() const {
  std::lock_guard<std::mutex> lock(mu_);
  return absl::Now() < circuit_open_until_;
}

void PeerClient::OpenCircuit(const grpc::Status& why) const {
  bool was_closed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = absl::Now();
    was_closed = now >= circuit_open_until_;
    circuit_open_until_ = now + options_.open_circuit_for;
  }
  if (was_closed) {
    Log(LogLevel::kWarning, "peer failed; failing its calls fast for a while",
        {{"peer", name_},
         {"error", why.error_message()},
         {"open_for", absl::FormatDuration(options_.open_circuit_for)}});
  }
}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> PeerClient::ContextFor(
    const CallContext& attempt_call) const {
  if (identity_ != nullptr) return identity_->ContextFor(attempt_call);
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(attempt_call.deadline));
  if (!attempt_call.request_id.empty()) {
    context->AddMetadata("x-request-id", attempt_call.request_id);
  }
  return context;
}

absl::Status PeerClient::Invoke(const CallContext& call,
                                const Attempt& attempt) const {
  if (CircuitOpen()) {
    return absl::UnavailableError(
        absl::StrCat(name_, " unavailable: it failed moments ago; retry soon"));
  }
  grpc::Status status;
  bool attempted = false;
  absl::Duration backoff = options_.backoff;
  for (int n = 1; n <= options_.attempts; ++n) {
    const absl::Time now = absl::Now();
    if (now >= call.deadline) break;
    // A slice of the caller's deadline: a hung peer leaves the caller time
    // for its fallback, and never outlives the caller.
    const absl::Duration budget =
        std::min(options_.attempt_timeout,
                 (call.deadline - now) * options_.attempt_share);
    CallContext attempt_call = call;
    attempt_call.deadline = now + budget;
    ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> context,
                     ContextFor(attempt_call));
    status = attempt(context.get());
    attempted = true;
    if (status.ok()) return absl::OkStatus();
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      if (budget >= options_.attempt_timeout) {
        OpenCircuit(status);
        return absl::DeadlineExceededError(
            absl::StrCat(name_, " did not answer within ",
                         absl::FormatDuration(options_.attempt_timeout)));
      }
      return absl::DeadlineExceededError(
          absl::StrCat(name_, " did not answer before the call's deadline"));
    }
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) {
      return FromGrpcStatus(status);
    }
    if (n < options_.attempts) {
      const absl::Duration pause = Jittered(backoff);
      if (absl::Now() + pause >= call.deadline) break;
      absl::SleepFor(pause);
      backoff *= 2;
    }
  }
  if (!attempted) {
    return absl::DeadlineExceededError(absl::StrCat(
        "the call's deadline passed before ", name_, " could be asked"));
  }
  OpenCircuit(status);
  return absl::UnavailableError(
      absl::StrCat(name_, " unavailable: ", status.error_message()));
}

}  // namespace chibo
