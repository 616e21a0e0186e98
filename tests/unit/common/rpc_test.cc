// common/rpc.cc: the status conversions, and RpcGate through a real gRPC
// server on port 0 (a ServerContext only gets a deadline, a peer and
// cancellation from a real call).

#include "common/rpc.h"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "common/log.h"
#include "common/server.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

using registry::v1::CreateOrganizationRequest;
using registry::v1::GetOrganizationRequest;
using registry::v1::Organization;
using registry::v1::RegistryService;

constexpr absl::StatusCode kAllCodes[] = {
    absl::StatusCode::kCancelled,          absl::StatusCode::kUnknown,
    absl::StatusCode::kInvalidArgument,    absl::StatusCode::kDeadlineExceeded,
    absl::StatusCode::kNotFound,           absl::StatusCode::kAlreadyExists,
    absl::StatusCode::kPermissionDenied,   absl::StatusCode::kResourceExhausted,
    absl::StatusCode::kFailedPrecondition, absl::StatusCode::kAborted,
    absl::StatusCode::kOutOfRange,         absl::StatusCode::kUnimplemented,
    absl::StatusCode::kInternal,           absl::StatusCode::kUnavailable,
    absl::StatusCode::kDataLoss,           absl::StatusCode::kUnauthenticated,
};

TEST(StatusConversion, OkIsOkBothWays) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(StatusConversion, EveryCanonicalCodeAndItsMessageSurviveTheRoundTrip) {
  for (absl::StatusCode code : kAllCodes) {
    const std::string message =
        absl::StrCat("member.display_name: lỗi ", static_cast<int>(code));
    const grpc::Status grpc_status = ToGrpcStatus(absl::Status(code, message));
    EXPECT_EQ(static_cast<int>(grpc_status.error_code()),
              static_cast<int>(code));
    EXPECT_EQ(grpc_status.error_message(), message);
    const absl::Status back = FromGrpcStatus(grpc_status);
    EXPECT_EQ(back.code(), code);
    EXPECT_EQ(back.message(), message);
  }
}

TEST(StatusConversion, NamedCodesMatchGrpcs) {
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("x")).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcStatus(absl::AbortedError("x")).error_code(),
            grpc::StatusCode::ABORTED);
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("x")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ToGrpcStatus(absl::UnauthenticatedError("x")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(
      FromGrpcStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow"))
          .code(),
      absl::StatusCode::kDeadlineExceeded);
}

// Admits everyone as a fixed caller, or refuses everyone with `refusal`.
class FakeAuthorizer : public Authorizer {
 public:
  absl::StatusOr<Caller> Admit(
      const grpc::ServerContext&, absl::string_view method,
      const google::protobuf::Message&) const override {
    ++admitted;
    last_method = std::string(method);
    if (!refusal.ok()) return refusal;
    return Caller{"user:lan.nguyen", "viewer", "organizations/12", "", {}, {}};
  }
  absl::Status refusal;
  mutable std::atomic<int> admitted{0};
  mutable std::string last_method;
};

// Two RPCs whose bodies the test supplies, both served through the gate.
class GatedService : public RegistryService::Service {
 public:
  explicit GatedService(const RpcGate* gate) : gate_(gate) {}

  grpc::Status GetOrganization(grpc::ServerContext* context,
                               const GetOrganizationRequest* request,
                               Organization*) override {
    return gate_->Serve(context, "test/GetOrganization", *request, body);
  }
  grpc::Status CreateOrganization(grpc::ServerContext* context,
                                  const CreateOrganizationRequest* request,
                                  Organization*) override {
    return gate_->Serve(context, "test/CreateOrganization", *request, body);
  }

  std::function<absl::Status(const CallContext&)> body;

 private:
  const RpcGate* gate_;
};

constexpr absl::Duration kMaxDeadline = absl::Seconds(3);

class RpcGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetMinLogLevel(LogLevel::kWarning);
    gate_ = std::make_unique<RpcGate>(&authorizer_, kMaxDeadline);
    service_ = std::make_unique<GatedService>(gate_.get());
    service_->body = [this](const CallContext& call) {
      ++bodies_;
      seen_ = call;
      return absl::OkStatus();
    };
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.shutdown_grace = absl::Milliseconds(200);
    auto server = StartServer(options, {service_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = RegistryService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  grpc::Status Get(absl::Duration client_deadline) {
    grpc::ClientContext context;
    if (client_deadline != absl::InfiniteDuration()) {
      context.set_deadline(absl::ToChronoTime(absl::Now() + client_deadline));
    }
    GetOrganizationRequest request;
    request.set_name("organizations/1");
    Organization out;
    return stub_->GetOrganization(&context, request, &out);
  }

  FakeAuthorizer authorizer_;
  std::unique_ptr<RpcGate> gate_;
  std::unique_ptr<GatedService> service_;
  std::unique_ptr<RunningServer> server_;
  std::unique_ptr<RegistryService::Stub> stub_;
  std::atomic<int> bodies_{0};
  CallContext seen_;
};

TEST_F(RpcGateTest, TheBodySeesTheAdmittedCallerAndTheMethod) {
  ASSERT_TRUE(Get(absl::Seconds(2)).ok());
  EXPECT_EQ(bodies_, 1);
  EXPECT_EQ(authorizer_.last_method, "test/GetOrganization");
  EXPECT_EQ(seen_.method, "test/GetOrganization");
  EXPECT_EQ(seen_.caller.subject, "user:lan.nguyen");
  EXPECT_EQ(seen_.caller.scope, "organizations/12");
  EXPECT_EQ(seen_.request_id, "");
}

TEST_F(RpcGateTest, TheRequestIdComesFromTheRequest) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  CreateOrganizationRequest request;
  request.set_request_id("7f9c2ba4-e88f-41d2-a7b5-3e8c1d2f0a6b");
  Organization out;
  ASSERT_TRUE(stub_->CreateOrganization(&context, request, &out).ok());
  EXPECT_EQ(seen_.request_id, "7f9c2ba4-e88f-41d2-a7b5-3e8c1d2f0a6b");
}

TEST_F(RpcGateTest, AShortClientDeadlineIsKept) {
  const absl::Time before = absl::Now();
  ASSERT_TRUE(Get(absl::Milliseconds(1500)).ok());
  // The client's 1.5 s, not the server's 30 s cap; the bounds leave room for
  // a loaded machine (gRPC sends the time left, which the server adds to its
  // own clock when the call arrives).
  EXPECT_GE(seen_.deadline, before + absl::Milliseconds(500));
  EXPECT_LE(seen_.deadline, absl::Now() + absl::Milliseconds(2500));
}

TEST_F(RpcGateTest, ALongClientDeadlineIsCappedByTheServers) {
  const absl::Time before = absl::Now();
  ASSERT_TRUE(Get(absl::Hours(1)).ok());
  EXPECT_GE(seen_.deadline, before + kMaxDeadline - absl::Milliseconds(500));
  EXPECT_LE(seen_.deadline, absl::Now() + kMaxDeadline);
}

TEST_F(RpcGateTest, NoClientDeadlineGetsTheServersCap) {
  const absl::Time before = absl::Now();
  ASSERT_TRUE(Get(absl::InfiniteDuration()).ok());
  EXPECT_GE(seen_.deadline, before + kMaxDeadline - absl::Milliseconds(500));
  EXPECT_LE(seen_.deadline, absl::Now() + kMaxDeadline);
}

TEST_F(RpcGateTest, ARefusedCallNeverRunsTheBody) {
  authorizer_.refusal = absl::PermissionDeniedError(
      "scope: the caller's scope organizations/12 does not include name");
  grpc::Status status = Get(absl::Seconds(2));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(),
            "scope: the caller's scope organizations/12 does not include name");
  EXPECT_EQ(bodies_, 0);

  authorizer_.refusal = absl::UnauthenticatedError("missing credentials");
  status = Get(absl::Seconds(2));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(bodies_, 0);
  EXPECT_EQ(authorizer_.admitted, 2);
}

TEST_F(RpcGateTest, TheBodysStatusReachesTheClientUnchanged) {
  service_->body = [](const CallContext&) {
    return absl::InvalidArgumentError("organization.parent: malformed");
  };
  grpc::Status status = Get(absl::Seconds(2));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "organization.parent: malformed");
}

TEST_F(RpcGateTest, AnExceptionBecomesInternalWithoutItsDetail) {
  service_->body = [](const CallContext&) -> absl::Status {
    throw std::runtime_error(
        "SELECT password FROM users WHERE id = 1: syntax error");
  };
  grpc::Status status = Get(absl::Seconds(2));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_FALSE(absl::StrContains(status.error_message(), "SELECT"));
  EXPECT_FALSE(absl::StrContains(status.error_message(), "password"));
  EXPECT_FALSE(status.error_message().empty());
}

TEST_F(RpcGateTest, ANonStandardExceptionIsCaughtToo) {
  service_->body = [](const CallContext&) -> absl::Status { throw 42; };
  grpc::Status status = Get(absl::Seconds(2));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL)
      << status.error_message();
  EXPECT_FALSE(status.error_message().empty());
}

TEST_F(RpcGateTest, TheAuthorizersExceptionIsCaughtAndTheBodySkipped) {
  class ThrowingAuthorizer : public Authorizer {
   public:
    absl::StatusOr<Caller> Admit(
        const grpc::ServerContext&, absl::string_view,
        const google::protobuf::Message&) const override {
      throw std::logic_error("key set not loaded");
    }
  };
  ThrowingAuthorizer throwing;
  RpcGate gate(&throwing);
  GatedService service(&gate);
  int bodies = 0;
  service.body = [&](const CallContext&) {
    ++bodies;
    return absl::OkStatus();
  };
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.shutdown_grace = absl::Milliseconds(200);
  auto server = StartServer(options, {&service});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = RegistryService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  Organization out;
  grpc::Status status =
      stub->GetOrganization(&context, GetOrganizationRequest(), &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_FALSE(absl::StrContains(status.error_message(), "key set"));
  EXPECT_EQ(bodies, 0);
}

TEST_F(RpcGateTest, TheServerKeepsServingAfterFailures) {
  service_->body = [](const CallContext&) -> absl::Status {
    throw std::runtime_error("boom");
  };
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Get(absl::Seconds(2)).error_code(), grpc::StatusCode::INTERNAL);
  }
  service_->body = [](const CallContext&) { return absl::OkStatus(); };
  EXPECT_TRUE(Get(absl::Seconds(2)).ok());
}

TEST(InsecureDevAuthorizer, AdmitsEveryoneAsAGlobalAdmin) {
  InsecureDevAuthorizer authorizer;
  grpc::ServerContext context;
  auto caller =
      authorizer.Admit(context, "any/Method", GetOrganizationRequest());
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller->role, "system_admin");
  EXPECT_EQ(caller->scope, "*");
}

}  // namespace
}  // namespace chibo
