// Permissions declared in the contract: read from the descriptors, deny by
// default. The services here are test-only (permission_test_services.proto);
// the real contracts are proven by tests/integration/auth.

#include "common/auth/permissions.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/jwt.h"
#include "common/auth/key_set.h"
#include "common/auth/token_authorizer.h"
#include "common/log.h"
#include "common/rpc.h"
#include "common/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/auth/permission_test_services.grpc.pb.h"

namespace chibo::auth {
namespace {

using authtest::v1::DeclaredService;
using authtest::v1::InvalidService;
using authtest::v1::PingRequest;
using authtest::v1::PingResponse;
using authtest::v1::UndeclaredService;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDeclaredPing[] = "chibo.authtest.v1.DeclaredService/Ping";
constexpr char kForgotten[] = "chibo.authtest.v1.UndeclaredService/Forgotten";
constexpr char kDeclared[] = "chibo.authtest.v1.UndeclaredService/Declared";

const google::protobuf::ServiceDescriptor* Service(const std::string& name) {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      absl::StrCat("chibo.authtest.v1.", name));
}

TEST(PermissionTableTest, ReadsEveryDeclarationFromTheDescriptor) {
  // Touch the generated code so the linker keeps the descriptors.
  (void)PingRequest::descriptor();
  absl::StatusOr<PermissionTable> table =
      PermissionTable::FromServices({Service("DeclaredService")});
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(
      table->Methods(),
      ElementsAre(kDeclaredPing, "chibo.authtest.v1.DeclaredService/Watch"));
  const Permission* ping = table->Find(kDeclaredPing);
  ASSERT_NE(ping, nullptr);
  EXPECT_EQ(ping->access, Access::kWrite);
  ASSERT_EQ(ping->targets.size(), 2u);
  EXPECT_EQ(ping->targets[0].path, "name");
  EXPECT_EQ(ping->targets[0].collection, "members");
  EXPECT_EQ(ping->targets[0].kind, TargetKind::kResourceName);
  EXPECT_EQ(ping->targets[1].path, "rows.external_code");
  EXPECT_EQ(ping->targets[1].collection, "organizations");
  EXPECT_EQ(ping->targets[1].kind, TargetKind::kExternalCode);
  const Permission* watch =
      table->Find("chibo.authtest.v1.DeclaredService/Watch");
  ASSERT_NE(watch, nullptr);
  EXPECT_EQ(watch->access, Access::kFeed);
  EXPECT_TRUE(watch->targets.empty());
  EXPECT_EQ(table->Find("chibo.authtest.v1.DeclaredService/Other"), nullptr);
}

TEST(PermissionTableTest, AnRpcWithoutTheOptionFailsTheTableNamingIt) {
  absl::StatusOr<PermissionTable> table =
      PermissionTable::FromServices({Service("UndeclaredService")});
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(table.status().message(), HasSubstr(kForgotten));
  EXPECT_THAT(table.status().message(), HasSubstr("declares no permission"));
  EXPECT_THAT(table.status().message(),
              HasSubstr("tests/unit/auth/permission_test_services.proto"));
  // The method that declares one is not blamed.
  EXPECT_THAT(table.status().message(), Not(HasSubstr(kDeclared)));
}

TEST(PermissionTableTest, InvalidDeclarationsAreRefusedNamingMethodAndField) {
  const auto* service = Service("InvalidService");
  ASSERT_NE(service, nullptr);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Unspecified", "access 0 is not one of"},
      {"NoSuchField", "chibo.authtest.v1.Row has no field \"parent\""},
      {"NotAString", "chibo.authtest.v1.PingRequest.number is not a string"},
      {"NotAMessage", "chibo.authtest.v1.PingRequest.name is not a message"},
      {"NoCollection", "target \"name\" has no collection"},
      {"FeedWithTarget", "a feed or reference RPC names no target"},
  };
  ASSERT_EQ(service->method_count(), static_cast<int>(cases.size()));
  for (const auto& [method, why] : cases) {
    const auto* descriptor = service->FindMethodByName(method);
    ASSERT_NE(descriptor, nullptr) << method;
    absl::StatusOr<Permission> permission = DeclaredPermission(*descriptor);
    ASSERT_FALSE(permission.ok()) << method;
    EXPECT_THAT(permission.status().message(),
                HasSubstr(absl::StrCat("chibo.authtest.v1.InvalidService/",
                                       method, ": ")));
    EXPECT_THAT(permission.status().message(), HasSubstr(why));
    EXPECT_EQ(FindPermission(
                  absl::StrCat("chibo.authtest.v1.InvalidService/", method)),
              nullptr)
        << method;
  }
  // The table lists every offender at once.
  absl::StatusOr<PermissionTable> table =
      PermissionTable::FromServices({service});
  ASSERT_FALSE(table.ok());
  for (const auto& [method, why] : cases) {
    EXPECT_THAT(table.status().message(), HasSubstr(method));
  }
}

TEST(PermissionTableTest, ServiceNamesSkipGrpcInfrastructureOnly) {
  absl::StatusOr<PermissionTable> table = PermissionTable::FromServiceNames(
      {"chibo.authtest.v1.DeclaredService", "grpc.health.v1.Health",
       "grpc.reflection.v1alpha.ServerReflection"});
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->Methods().size(), 2u);

  absl::StatusOr<PermissionTable> unknown =
      PermissionTable::FromServiceNames({"chibo.nothing.v1.NothingService"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(),
              HasSubstr("chibo.nothing.v1.NothingService is served but no "
                        "descriptor of it is linked"));

  EXPECT_FALSE(CheckServedServices({"chibo.authtest.v1.DeclaredService",
                                    "chibo.authtest.v1.UndeclaredService"})
                   .ok());
  EXPECT_TRUE(CheckServedServices({"chibo.authtest.v1.DeclaredService",
                                   "grpc.health.v1.Health"})
                  .ok());
}

TEST(FindPermissionTest, UnknownOrUndeclaredMethodsHaveNone) {
  EXPECT_EQ(FindPermission(kForgotten), nullptr);
  EXPECT_EQ(FindPermission("chibo.nothing.v1.NothingService/Get"), nullptr);
  EXPECT_EQ(FindPermission("chibo.authtest.v1.DeclaredService/Nothing"),
            nullptr);
  EXPECT_EQ(FindPermission("chibo.authtest.v1.DeclaredService.Ping"), nullptr);
  EXPECT_EQ(FindPermission("/chibo.authtest.v1.DeclaredService/Ping"), nullptr);
  EXPECT_EQ(FindPermission(""), nullptr);
  const Permission* ping = FindPermission(kDeclaredPing);
  ASSERT_NE(ping, nullptr);
  EXPECT_EQ(ping->access, Access::kWrite);
  EXPECT_EQ(ping->targets.size(), 2u);
  // Read once and kept.
  EXPECT_EQ(FindPermission(kDeclaredPing), ping);
  EXPECT_NE(FindPermission(kDeclared), nullptr);
}

// Refuses nothing by scope: every caller in these tests is a system admin.
class NoTreeOracle : public ScopeOracle {
 public:
  absl::StatusOr<std::vector<int64_t>> OrganizationsOf(absl::string_view,
                                                       absl::Time) override {
    return absl::UnimplementedError("no tree in this test");
  }
  absl::StatusOr<std::optional<int64_t>> OrganizationByCode(
      absl::string_view, absl::Time) override {
    return absl::UnimplementedError("no tree in this test");
  }
  absl::StatusOr<std::vector<int64_t>> AncestorsOf(int64_t,
                                                   absl::Time) override {
    return absl::UnimplementedError("no tree in this test");
  }
};

// Both RPCs go through the gate, as every chibo handler does.
class UndeclaredImpl final : public UndeclaredService::Service {
 public:
  explicit UndeclaredImpl(const RpcGate* gate) : gate_(gate) {}
  grpc::Status Declared(grpc::ServerContext* context,
                        const PingRequest* request, PingResponse*) override {
    return gate_->Serve(context, kDeclared, *request,
                        [](const CallContext&) { return absl::OkStatus(); });
  }
  grpc::Status Forgotten(grpc::ServerContext* context,
                         const PingRequest* request, PingResponse*) override {
    return gate_->Serve(context, kForgotten, *request,
                        [](const CallContext&) { return absl::OkStatus(); });
  }

 private:
  const RpcGate* gate_;
};

class DeclaredImpl final : public DeclaredService::Service {};

class UndeclaredServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetMinLogLevel(LogLevel::kWarning);
    Key key = GenerateKey("test-key");
    key.signing = true;
    absl::StatusOr<KeySet> keys = KeySet::Create({key});
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *std::move(keys);
    authorizer_ = std::make_unique<TokenAuthorizer>(keys_, &oracle_);
    gate_ = std::make_unique<RpcGate>(authorizer_.get());
    service_ = std::make_unique<UndeclaredImpl>(gate_.get());
  }

  ServerOptions Options() const {
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.shutdown_grace = absl::Milliseconds(100);
    return options;
  }

  std::string AdminToken() const {
    Claims claims;
    claims.subject = "test:admin";
    claims.role = "system_admin";
    claims.scope = "*";
    claims.issued_at = absl::ToUnixSeconds(absl::Now());
    claims.expires_at = claims.issued_at + 3600;
    return *SignJwt(claims, keys_);
  }

  KeySet keys_;
  NoTreeOracle oracle_;
  std::unique_ptr<TokenAuthorizer> authorizer_;
  std::unique_ptr<RpcGate> gate_;
  std::unique_ptr<UndeclaredImpl> service_;
};

TEST_F(UndeclaredServerTest, AServiceWithAnUndeclaredRpcRefusesToStart) {
  ServerOptions options = Options();
  options.check_services = CheckServedServices;
  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      StartServer(options, {service_.get()});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr(kForgotten));
  EXPECT_THAT(server.status().message(), HasSubstr("declares no permission"));
}

TEST_F(UndeclaredServerTest, AServiceDeclaringEveryRpcStarts) {
  DeclaredImpl declared;
  ServerOptions options = Options();
  options.check_services = CheckServedServices;
  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      StartServer(options, {&declared});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_GT((*server)->port(), 0);
}

TEST_F(UndeclaredServerTest, AnUndeclaredRpcIsRefusedAtCallTimeToo) {
  // Served without the startup check, the call is still denied: the
  // authoriser finds no permission and refuses even a system admin.
  absl::StatusOr<std::unique_ptr<RunningServer>> server =
      StartServer(Options(), {service_.get()});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = UndeclaredService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials()));
  const std::string token = AdminToken();
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    PingResponse response;
    grpc::Status status = stub->Forgotten(&context, PingRequest(), &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(),
                HasSubstr(absl::StrCat(kForgotten,
                                       " has no declared "
                                       "permission")));
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    PingResponse response;
    grpc::Status status = stub->Declared(&context, PingRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
}

}  // namespace
}  // namespace chibo::auth
