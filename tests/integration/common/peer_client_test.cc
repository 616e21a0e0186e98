// PeerClient against a fake peer on port 0: a change feed implemented here
// that can refuse, hang, or answer, and records what each call carried.

#include "common/peer_client.h"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "chibo/feed/v1/feed.grpc.pb.h"
#include "common/auth/jwt.h"
#include "common/auth/key_set.h"
#include "common/auth/service_identity.h"
#include "common/auth/tls_config.h"
#include "common/log.h"
#include "common/peer_flags.h"
#include "common/server.h"
#include "common/testing/certificates.h"
#include "common/testing/subprocess.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, registry_address);
ABSL_DECLARE_FLAG(std::string, evaluation_tls_ca_file);

namespace chibo {
namespace {

using feed::v1::ChangeFeedService;
using feed::v1::ListChangesRequest;
using feed::v1::ListChangesResponse;

// What the fake peer saw of the last call.
struct Seen {
  std::string authorization;
  std::string request_id;
  std::string client_common_name;
  absl::Duration deadline_left;
};

class FakePeer : public ChangeFeedService::Service {
 public:
  grpc::Status ListChanges(grpc::ServerContext* context,
                           const ListChangesRequest* request,
                           ListChangesResponse* response) override {
    const int n = ++calls_;
    Record(*context);
    if (hang_) {
      while (!context->IsCancelled()) absl::SleepFor(absl::Milliseconds(5));
      return grpc::Status(grpc::StatusCode::CANCELLED, "gave up");
    }
    if (n <= refuse_first_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting");
    }
    if (request->after_sequence() < 0) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "after_sequence: must not be negative");
    }
    response->set_last_sequence(request->after_sequence() + 1);
    return grpc::Status::OK;
  }

  int calls() const { return calls_; }
  void Reset(int refuse_first, bool hang) {
    calls_ = 0;
    refuse_first_ = refuse_first;
    hang_ = hang;
  }
  Seen seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  void Record(const grpc::ServerContext& context) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_ = Seen();
    auto header = [&](const char* name) {
      auto it = context.client_metadata().find(name);
      return it == context.client_metadata().end()
                 ? std::string()
                 : std::string(it->second.data(), it->second.size());
    };
    seen_.authorization = header("authorization");
    seen_.request_id = header("x-request-id");
    seen_.deadline_left = absl::FromChrono(context.deadline()) - absl::Now();
    auto auth = context.auth_context();
    if (auth != nullptr) {
      for (const auto& value : auth->FindPropertyValues("x509_common_name")) {
        seen_.client_common_name = std::string(value.data(), value.size());
      }
    }
  }

  std::atomic<int> calls_{0};
  std::atomic<int> refuse_first_{0};
  std::atomic<bool> hang_{false};
  std::mutex mu_;
  Seen seen_;
};

CallContext UserCall(absl::Duration timeout) {
  CallContext call;
  call.caller.subject = "user:lan.nguyen";
  call.caller.role = "committee_office";
  call.caller.scope = "organizations/7";
  call.method = "chibo.test.v1/Test";
  call.request_id = "req-42";
  call.deadline = absl::Now() + timeout;
  return call;
}

PeerClientOptions FastOptions() {
  PeerClientOptions options;
  options.attempts = 3;
  options.backoff = absl::Milliseconds(10);
  options.attempt_timeout = absl::Milliseconds(400);
  options.open_circuit_for = absl::Milliseconds(300);
  return options;
}

class PeerClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { SetMinLogLevel(LogLevel::kError); }

  void SetUp() override {
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.shutdown_grace = absl::Milliseconds(100);
    auto server = StartServer(options, {&peer_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::shared_ptr<grpc::Channel> Channel() {
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                               grpc::InsecureChannelCredentials());
  }

  static absl::Status List(const PeerClient& client, const CallContext& call,
                           int64_t after = 0) {
    auto stub = ChangeFeedService::NewStub(client.channel());
    ListChangesRequest request;
    request.set_after_sequence(after);
    ListChangesResponse response;
    return client.Call(call, stub.get(), &ChangeFeedService::Stub::ListChanges,
                       request, &response);
  }

  FakePeer peer_;
  std::unique_ptr<RunningServer> server_;
};

TEST_F(PeerClientTest, AnswersWhenThePeerAnswers) {
  PeerClient client("registry", Channel(), nullptr, FastOptions());
  EXPECT_TRUE(List(client, UserCall(absl::Seconds(5))).ok());
  EXPECT_EQ(peer_.calls(), 1);
}

TEST_F(PeerClientTest, RetriesUnavailable) {
  peer_.Reset(/*refuse_first=*/2, /*hang=*/false);
  PeerClient client("registry", Channel(), nullptr, FastOptions());
  absl::Status status = List(client, UserCall(absl::Seconds(5)));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(peer_.calls(), 3);
  EXPECT_FALSE(client.CircuitOpen());
}

TEST_F(PeerClientTest, GivesUpAfterTheAttemptsAndOpensTheCircuit) {
  peer_.Reset(/*refuse_first=*/1000, /*hang=*/false);
  PeerClient client("registry", Channel(), nullptr, FastOptions());
  absl::Status status = List(client, UserCall(absl::Seconds(5)));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "registry unavailable"))
      << status;
  EXPECT_EQ(peer_.calls(), 3);
  EXPECT_TRUE(client.CircuitOpen());

  // While open: UNAVAILABLE at once, the peer is not asked.
  const absl::Time start = absl::Now();
  status = List(client, UserCall(absl::Seconds(5)));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(50));
  EXPECT_EQ(peer_.calls(), 3);

  // Once it has passed, the next call tries again and closes it.
  peer_.Reset(/*refuse_first=*/0, /*hang=*/false);
  absl::SleepFor(absl::Milliseconds(350));
  EXPECT_FALSE(client.CircuitOpen());
  status = List(client, UserCall(absl::Seconds(5)));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(peer_.calls(), 1);
}

TEST_F(PeerClientTest, APeerThatIsDownGivesUnavailableFast) {
  const int port = server_->port();
  server_.reset();
  PeerClientOptions options = FastOptions();
  options.open_circuit_for = absl::Seconds(30);
  PeerClient client("registry",
                    grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                        grpc::InsecureChannelCredentials()),
                    nullptr, options);
  absl::Time start = absl::Now();
  absl::Status status = List(client, UserCall(absl::Seconds(10)));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  // The circuit is open: the next callers do not wait at all.
  for (int i = 0; i < 5; ++i) {
    start = absl::Now();
    status = List(client, UserCall(absl::Seconds(10)));
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(20));
  }
}

TEST_F(PeerClientTest, AHangingPeerGivesDeadlineExceededWithinTheCallers) {
  peer_.Reset(/*refuse_first=*/0, /*hang=*/true);
  PeerClient client("registry", Channel(), nullptr, FastOptions());
  const absl::Time start = absl::Now();
  const CallContext call = UserCall(absl::Seconds(10));
  absl::Status status = List(client, call);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "registry did not answer"))
      << status;
  // One attempt's timeout, long before the caller's deadline; not retried
  // (a hung peer would not answer the next attempt either).
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_LT(absl::Now(), call.deadline);
  EXPECT_EQ(peer_.calls(), 1);
  // And the circuit is open, so the next caller does not wait either.
  EXPECT_TRUE(client.CircuitOpen());
  const absl::Time again = absl::Now();
  EXPECT_EQ(List(client, UserCall(absl::Seconds(10))).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - again, absl::Milliseconds(50));
}

TEST_F(PeerClientTest, AShortCallerDeadlineLeavesTimeForAFallback) {
  peer_.Reset(/*refuse_first=*/0, /*hang=*/true);
  PeerClientOptions options = FastOptions();
  options.attempt_timeout = absl::Seconds(5);
  PeerClient client("registry", Channel(), nullptr, options);
  const CallContext call = UserCall(absl::Milliseconds(500));
  absl::Status status = List(client, call);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  // A share of the caller's time: some is left for its fallback.
  EXPECT_LT(absl::Now(), call.deadline);
  // The caller's short deadline is not the peer's fault: nothing opens.
  EXPECT_FALSE(client.CircuitOpen());
}

TEST_F(PeerClientTest, ThePeersOwnAnswersPassThroughUnretried) {
  PeerClient client("registry", Channel(), nullptr, FastOptions());
  absl::Status status = List(client, UserCall(absl::Seconds(5)), -1);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message(), "after_sequence: must not be negative");
  EXPECT_EQ(peer_.calls(), 1);
  EXPECT_FALSE(client.CircuitOpen());
}

TEST_F(PeerClientTest, ADeadlineAlreadyPassedAsksNobody) {
  PeerClient client("registry", Channel(), nullptr, FastOptions());
  absl::Status status = List(client, UserCall(-absl::Seconds(1)));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_EQ(peer_.calls(), 0);
  EXPECT_FALSE(client.CircuitOpen());
}

TEST_F(PeerClientTest, CallsCarryTheServiceIdentityOnBehalfOfTheCaller) {
  auth::Key key = auth::GenerateKey("k1");
  key.signing = true;
  auto keys = auth::KeySet::Create({key});
  ASSERT_TRUE(keys.ok()) << keys.status();
  auth::ServiceIdentity identity("scheduling", *keys);
  PeerClient client("registry", Channel(), &identity, FastOptions());
  ASSERT_TRUE(List(client, UserCall(absl::Seconds(5))).ok());
  Seen seen = peer_.seen();
  ASSERT_TRUE(absl::StartsWith(seen.authorization, "Bearer "))
      << seen.authorization;
  auto claims =
      auth::VerifyJwt(seen.authorization.substr(7), *keys, absl::Now());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "service:scheduling");
  EXPECT_EQ(claims->role, "service");
  EXPECT_EQ(claims->on_behalf_of, "user:lan.nguyen");
  EXPECT_EQ(seen.request_id, "req-42");
  // The attempt's deadline, inside the caller's 5 s.
  EXPECT_GT(seen.deadline_left, absl::ZeroDuration());
  EXPECT_LE(seen.deadline_left, absl::Milliseconds(400));

  // Work the service does by itself runs as itself.
  ASSERT_TRUE(List(client, client.BackgroundCall(absl::Seconds(5))).ok());
  claims =
      auth::VerifyJwt(peer_.seen().authorization.substr(7), *keys, absl::Now());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->on_behalf_of, "service:scheduling");
}

TEST_F(PeerClientTest, WithoutAnIdentityCallsCarryNoToken) {
  PeerClient client("registry", Channel(), nullptr, FastOptions());
  ASSERT_TRUE(List(client, UserCall(absl::Seconds(5))).ok());
  EXPECT_EQ(peer_.seen().authorization, "");
  EXPECT_EQ(peer_.seen().request_id, "req-42");
}

// The same fake peer served over TLS with the test certificates.
class PeerTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetMinLogLevel(LogLevel::kError);
    dir_ = new std::string(testing::MakeTempDir());
    ASSERT_TRUE(testing::MakeTestCertificates(*dir_));
    peer_ = new FakePeer();
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.shutdown_grace = absl::Milliseconds(100);
    auto credentials = auth::MakeServerCredentials(
        {*dir_ + "/server.pem", *dir_ + "/server.key", *dir_ + "/ca.pem"});
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    options.credentials = *credentials;
    auto server = StartServer(options, {peer_});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete peer_;
    delete dir_;
  }

  PeerConfig Config(const std::string& host) {
    PeerConfig config;
    config.name = "registry";
    config.address = absl::StrCat(host, ":", server_->port());
    config.tls.ca_file = *dir_ + "/ca.pem";
    return config;
  }

  absl::Status ListOver(const PeerConfig& config) {
    auto channel = MakePeerChannel(config);
    if (!channel.ok()) return channel.status();
    PeerClientOptions options = FastOptions();
    options.attempt_timeout = absl::Seconds(3);
    PeerClient client("registry", *channel, nullptr, options);
    auto stub = ChangeFeedService::NewStub(client.channel());
    ListChangesRequest request;
    ListChangesResponse response;
    return client.Call(UserCall(absl::Seconds(5)), stub.get(),
                       &ChangeFeedService::Stub::ListChanges, request,
                       &response);
  }

  static std::string* dir_;
  static FakePeer* peer_;
  static RunningServer* server_;
};

std::string* PeerTlsTest::dir_ = nullptr;
FakePeer* PeerTlsTest::peer_ = nullptr;
RunningServer* PeerTlsTest::server_ = nullptr;

TEST_F(PeerTlsTest, TlsWithTheCaOfThePeer) {
  absl::Status status = ListOver(Config("localhost"));
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(peer_->seen().client_common_name, "");
}

TEST_F(PeerTlsTest, MutualTlsPresentsOurCertificate) {
  PeerConfig config = Config("localhost");
  config.tls.cert_file = *dir_ + "/scheduling.pem";
  config.tls.key_file = *dir_ + "/scheduling.key";
  absl::Status status = ListOver(config);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(peer_->seen().client_common_name, "scheduling.chibo");
}

TEST_F(PeerTlsTest, TheServerNameIsVerified) {
  PeerConfig config = Config("127.0.0.1");
  config.tls.server_name = "localhost";
  absl::Status status = ListOver(config);
  EXPECT_TRUE(status.ok()) << status;
  config.tls.server_name = "registry.elsewhere.example";
  EXPECT_EQ(ListOver(config).code(), absl::StatusCode::kUnavailable);
}

TEST_F(PeerTlsTest, PlaintextToATlsPeerIsUnavailable) {
  PeerConfig config = Config("127.0.0.1");
  config.tls = PeerTls();
  EXPECT_EQ(ListOver(config).code(), absl::StatusCode::kUnavailable);
}

TEST_F(PeerTlsTest, AnotherCaIsNotTrusted) {
  const std::string other = testing::MakeTempDir();
  ASSERT_TRUE(testing::MakeTestCertificates(other));
  PeerConfig config = Config("localhost");
  config.tls.ca_file = other + "/ca.pem";
  EXPECT_EQ(ListOver(config).code(), absl::StatusCode::kUnavailable);
}

TEST(PeerChannelTest, BadConfigurationNamesTheFlag) {
  PeerConfig config;
  config.name = "supervision";
  auto channel = MakePeerChannel(config);
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StrContains(channel.status().message(), "--supervision_address"));

  config.address = "127.0.0.1:1";
  config.tls.cert_file = "/nonexistent/cert.pem";
  config.tls.key_file = "/nonexistent/key.pem";
  channel = MakePeerChannel(config);
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(channel.status().message(),
                                "--supervision_tls_ca_file"));

  config.tls.ca_file = "/nonexistent/ca.pem";
  config.tls.key_file = "";
  channel = MakePeerChannel(config);
  EXPECT_TRUE(absl::StrContains(channel.status().message(),
                                "--supervision_tls_key_file"))
      << channel.status();

  config.tls.key_file = "/nonexistent/key.pem";
  channel = MakePeerChannel(config);
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(channel.status().message(),
                                "--supervision_tls_ca_file: cannot read"))
      << channel.status();

  config.tls = PeerTls();
  EXPECT_TRUE(MakePeerChannel(config).ok());
}

TEST(PeerFlagsTest, EachKnownPeerHasItsFlags) {
  EXPECT_EQ(KnownPeers(),
            (std::vector<std::string>{"registry", "scheduling", "supervision",
                                      "evaluation"}));
  absl::SetFlag(&FLAGS_registry_address, "registry.chibo:50051");
  absl::SetFlag(&FLAGS_evaluation_tls_ca_file, "/etc/chibo/ca.pem");
  auto registry = PeerConfigFromFlags("registry");
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->name, "registry");
  EXPECT_EQ(registry->address, "registry.chibo:50051");
  EXPECT_EQ(registry->tls.ca_file, "");
  auto evaluation = PeerConfigFromFlags("evaluation");
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  EXPECT_EQ(evaluation->tls.ca_file, "/etc/chibo/ca.pem");
  auto unknown = PeerConfigFromFlags("billing");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(unknown.status().message(), "billing"));
}

}  // namespace
}  // namespace chibo
