// Every RPC of every chibo service, found from the service descriptors,
// against the servers as deployed: no token and forged tokens are
// UNAUTHENTICATED, out-of-scope callers and read-only roles are
// PERMISSION_DENIED with the database unchanged, in-scope callers get
// through. Permissions come from the descriptors, as the servers read them:
// each RPC declares (chibo.auth.v1.permission) in its .proto. A new RPC or
// service fails here until it declares its permission and its server is
// added to SecuredServers.

#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/auth/permissions.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/integration/auth/auth_fixture.h"
#include "tests/integration/auth/matrix_support.h"

namespace chibo::auth {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

class PermissionMatrixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto servers = SecuredServers::Start();
    ASSERT_TRUE(servers.ok()) << servers.status();
    servers_ = *std::move(servers);
  }
  static void TearDownTestSuite() { servers_.reset(); }
  void SetUp() override { ASSERT_NE(servers_, nullptr); }

  static std::unique_ptr<SecuredServers> servers_;
};

std::unique_ptr<SecuredServers> PermissionMatrixTest::servers_;

TEST_F(PermissionMatrixTest, EveryRpcDeclaresAPermissionAndIsServedHere) {
  const std::vector<const MethodDescriptor*> methods = AllMethods();
  ASSERT_GT(methods.size(), 20u);
  for (const MethodDescriptor* method : methods) {
    const Permission* declared = Table().Find(FullName(method));
    EXPECT_NE(declared, nullptr)
        << FullName(method) << " declares no (chibo.auth.v1.permission) in "
        << method->file()->name();
    EXPECT_TRUE(servers_->served().count(method->service()->full_name()))
        << method->service()->full_name()
        << " is not served by SecuredServers, so its RPCs are not proven";
    // The authoriser enforces at call time what the table read.
    const Permission* enforced = FindPermission(FullName(method));
    ASSERT_NE(enforced, nullptr) << FullName(method);
    if (declared == nullptr) continue;
    EXPECT_EQ(enforced->access, declared->access) << FullName(method);
    ASSERT_EQ(enforced->targets.size(), declared->targets.size())
        << FullName(method);
    for (size_t i = 0; i < declared->targets.size(); ++i) {
      EXPECT_EQ(enforced->targets[i].path, declared->targets[i].path);
      EXPECT_EQ(enforced->targets[i].collection,
                declared->targets[i].collection);
      EXPECT_EQ(enforced->targets[i].kind, declared->targets[i].kind);
    }
  }
  // And the table holds exactly the RPCs that exist.
  std::set<std::string> real;
  for (const MethodDescriptor* method : methods) real.insert(FullName(method));
  const std::vector<std::string> declared = Table().Methods();
  EXPECT_EQ(std::set<std::string>(declared.begin(), declared.end()), real);
}

TEST_F(PermissionMatrixTest, EveryServedServicePassesTheStartupCheck) {
  // What ServiceRuntime runs before serving (SecuredServers starts its
  // servers with the same check).
  std::vector<std::string> served(servers_->served().begin(),
                                  servers_->served().end());
  EXPECT_TRUE(CheckServedServices(served).ok());
  served.push_back("chibo.unknown.v1.UnknownService");
  EXPECT_FALSE(CheckServedServices(served).ok());
}

TEST_F(PermissionMatrixTest, NoTokenOrForgedTokenIsUnauthenticated) {
  for (const MethodDescriptor* method : AllMethods()) {
    const Permission* permission = Table().Find(FullName(method));
    if (permission == nullptr) continue;
    auto request = RequestAimedAt(method, *permission, servers_->a());
    const std::string before = Snapshot(*servers_);
    grpc::Status none = Call(PortOf(*servers_, method), method, *request, "");
    EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << FullName(method) << ": " << none.error_message();
    grpc::Status forged = Call(PortOf(*servers_, method), method, *request,
                               servers_->ForgedToken());
    EXPECT_EQ(forged.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << FullName(method) << ": " << forged.error_message();
    EXPECT_TRUE(absl::StrContains(forged.error_message(), "signature"))
        << forged.error_message();
    EXPECT_EQ(Snapshot(*servers_), before) << FullName(method);
  }
}

TEST_F(PermissionMatrixTest, OutOfScopeCallersAreDeniedAndChangeNothing) {
  // An integration system of province A aims every call at province B.
  const std::string token = servers_->Token(
      "integration", servers_->a().by_collection.at("province"));
  for (const MethodDescriptor* method : AllMethods()) {
    const Permission* permission = Table().Find(FullName(method));
    if (permission == nullptr) continue;
    auto request = RequestAimedAt(method, *permission, servers_->b());
    const std::string before = Snapshot(*servers_);
    std::vector<std::string> streamed;
    grpc::Status status =
        Call(PortOf(*servers_, method), method, *request, token, &streamed);
    if (permission->access == Access::kFeed) {
      // The feed names no target: it shows A's changes and hides B's.
      feed::v1::ListChangesResponse page;
      if (!method->server_streaming()) {
        chibo::feed::v1::ListChangesRequest list;
        list.set_page_size(1000);
        status = Call(PortOf(*servers_, method), method, list, token);
      }
      EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    } else if (permission->access == Access::kReference) {
      // Reference data belongs to no organisation: there is no "outside".
      EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << FullName(method) << ": " << status.error_message();
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << FullName(method) << ": " << status.error_message();
      // B's resource names never leak back.
      for (const auto& [collection, name] : servers_->b().by_collection) {
        EXPECT_FALSE(absl::StrContains(status.error_message(), name))
            << status.error_message();
      }
    }
    EXPECT_EQ(Snapshot(*servers_), before) << FullName(method);
  }
}

TEST_F(PermissionMatrixTest, ReadOnlyRolesCannotWrite) {
  const std::string token =
      servers_->Token("viewer", servers_->a().by_collection.at("province"));
  for (const MethodDescriptor* method : AllMethods()) {
    const Permission* permission = Table().Find(FullName(method));
    if (permission == nullptr) continue;
    if (permission->access != Access::kWrite &&
        permission->access != Access::kBulk) {
      continue;
    }
    auto request = RequestAimedAt(method, *permission, servers_->a());
    const std::string before = Snapshot(*servers_);
    grpc::Status status =
        Call(PortOf(*servers_, method), method, *request, token);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << FullName(method) << ": " << status.error_message();
    EXPECT_EQ(Snapshot(*servers_), before) << FullName(method);
  }
}

TEST_F(PermissionMatrixTest, InScopeCallersAreNotRefused) {
  const std::string token = servers_->Token(
      "integration", servers_->a().by_collection.at("province"));
  // Reads first, so that deletions do not remove what later calls name.
  std::vector<const MethodDescriptor*> methods = AllMethods();
  std::stable_sort(methods.begin(), methods.end(),
                   [](const MethodDescriptor* x, const MethodDescriptor* y) {
                     auto rank = [](const MethodDescriptor* m) {
                       if (absl::StartsWith(m->name(), "Delete")) return 2;
                       const Permission* p = Table().Find(FullName(m));
                       return p != nullptr && p->access == Access::kRead ? 0
                                                                         : 1;
                     };
                     return rank(x) < rank(y);
                   });
  for (const MethodDescriptor* method : methods) {
    const Permission* permission = Table().Find(FullName(method));
    if (permission == nullptr) continue;
    auto request = RequestAimedAt(method, *permission, servers_->a());
    if (UnscopedOnly(*permission)) {
      // Even in its own province a scoped caller may not write national
      // data; a system admin may.
      const std::string before = Snapshot(*servers_);
      grpc::Status scoped =
          Call(PortOf(*servers_, method), method, *request, token);
      EXPECT_EQ(scoped.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << FullName(method) << ": " << scoped.error_message();
      EXPECT_EQ(Snapshot(*servers_), before) << FullName(method);
      grpc::Status admin = Call(PortOf(*servers_, method), method, *request,
                                servers_->Token("system_admin", "*"));
      EXPECT_NE(admin.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << FullName(method) << ": " << admin.error_message();
      EXPECT_NE(admin.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << FullName(method) << ": " << admin.error_message();
      continue;
    }
    grpc::Status status =
        Call(PortOf(*servers_, method), method, *request, token);
    EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << FullName(method) << ": " << status.error_message();
    EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << FullName(method) << ": " << status.error_message();
  }
}

TEST_F(PermissionMatrixTest, ScopedFeedShowsOnlyTheCallersSubtree) {
  const std::string token =
      servers_->Token("viewer", servers_->a().by_collection.at("province"));
  const auto* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          "chibo.feed.v1.ChangeFeedService.ListChanges");
  ASSERT_NE(method, nullptr);
  feed::v1::ListChangesRequest request;
  request.set_page_size(1000);
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", servers_->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = feed::v1::ChangeFeedService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  feed::v1::ListChangesResponse response;
  ASSERT_TRUE(stub->ListChanges(&context, request, &response).ok());
  ASSERT_GT(response.changes_size(), 0);
  for (const auto& change : response.changes()) {
    EXPECT_FALSE(servers_->b().organizations.count(change.organization()))
        << change.resource();
    EXPECT_FALSE(change.organization().empty()) << change.resource();
  }
}

}  // namespace
}  // namespace chibo::auth
