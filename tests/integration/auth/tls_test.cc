// TLS and mutual TLS with certificates made by openssl in the test.

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "common/auth/tls_config.h"
#include "common/testing/certificates.h"
#include "common/testing/subprocess.h"
#include "gtest/gtest.h"
#include "tests/integration/auth/auth_fixture.h"

namespace chibo::auth {
namespace {

std::string Read(const std::string& path) { return *ReadFile(path); }

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::MakeTempDir());
    ASSERT_TRUE(testing::MakeTestCertificates(*dir_));
    TlsFiles files{*dir_ + "/server.pem", *dir_ + "/server.key",
                   *dir_ + "/ca.pem"};
    std::map<std::string, CertificateIdentity> identities = {
        {"scheduling.chibo", {"service:scheduling", "service", "*"}}};
    auto servers = SecuredServers::Start(&files, identities);
    ASSERT_TRUE(servers.ok()) << servers.status();
    servers_ = servers->release();
  }
  static void TearDownTestSuite() {
    delete servers_;
    delete dir_;
  }

  // A client presenting `client` ("" for none) and trusting the test CA.
  std::unique_ptr<registry::v1::RegistryService::Stub> Client(
      const std::string& client) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = Read(*dir_ + "/ca.pem");
    if (!client.empty()) {
      options.pem_private_key = Read(*dir_ + "/" + client + ".key");
      options.pem_cert_chain = Read(*dir_ + "/" + client + ".pem");
    }
    return registry::v1::RegistryService::NewStub(
        grpc::CreateChannel(absl::StrCat("localhost:", servers_->port()),
                            grpc::SslCredentials(options)));
  }

  grpc::Status Get(registry::v1::RegistryService::Stub& stub,
                   const std::string& token) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    registry::v1::GetOrganizationRequest request;
    request.set_name(servers_->a().by_collection.at("organizations"));
    registry::v1::Organization out;
    return stub.GetOrganization(&context, request, &out);
  }

  static std::string* dir_;
  static SecuredServers* servers_;
};

std::string* TlsTest::dir_ = nullptr;
SecuredServers* TlsTest::servers_ = nullptr;

TEST_F(TlsTest, MappedClientCertificateIsAnIdentity) {
  auto stub = Client("scheduling");
  grpc::Status status = Get(*stub, "");
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(TlsTest, UnmappedCertificateIsUnauthenticated) {
  auto stub = Client("stranger");
  EXPECT_EQ(Get(*stub, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TlsTest, TokensStillWorkOverTlsWithoutAClientCertificate) {
  auto stub = Client("");
  EXPECT_EQ(Get(*stub, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Get(*stub, servers_->Token("system_admin", "*")).ok());
}

TEST_F(TlsTest, PlaintextClientsCannotTalkToATlsServer) {
  auto stub = registry::v1::RegistryService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", servers_->port()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
  registry::v1::GetOrganizationRequest request;
  request.set_name("organizations/1");
  registry::v1::Organization out;
  EXPECT_EQ(stub->GetOrganization(&context, request, &out).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace chibo::auth
