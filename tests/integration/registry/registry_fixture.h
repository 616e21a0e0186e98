#ifndef CHIBO_TESTS_INTEGRATION_REGISTRY_REGISTRY_FIXTURE_H_
#define CHIBO_TESTS_INTEGRATION_REGISTRY_REGISTRY_FIXTURE_H_

#include <memory>
#include <string>

#include "chibo/feed/v1/feed.grpc.pb.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "common/testing/expect_status.h"
#include "common/testing/test_db.h"
#include "common/testing/test_service.h"
#include "common/testing/tree_builder.h"
#include "gtest/gtest.h"
#include "services/registry/store.h"  // for the store-level tests

namespace chibo::registry {

// A real registry server on port 0 over a fresh schema of the test MariaDB
// (a TestService of RegistryDefinition, insecure-dev), shared by the tests
// of a suite; each test builds its own part of the tree
// with unique codes.
class RegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static std::unique_ptr<grpc::ClientContext> Context();
  // A code unique within the suite: "T7-<prefix>".
  static std::string Code(const std::string& prefix);

  // Creates an organisation and fails the test if that fails.
  v1::Organization MakeOrg(
      const std::string& display_name, v1::OrganizationLevel level,
      const std::string& parent, const std::string& valid_from = "",
      v1::CellCategory category = v1::CELL_CATEGORY_UNSPECIFIED);
  // A province > bloc > grassroots cell chain; returns the cell.
  v1::Organization MakeCell(const std::string& valid_from = "");
  v1::Member MakeMember(const std::string& cell, const std::string& name,
                        v1::MemberStatus status = v1::MEMBER_STATUS_FULL,
                        const std::string& joined = "");

  static v1::RegistryService::Stub& stub() { return *stub_; }
  static feed::v1::ChangeFeedService::Stub& feed() { return *feed_stub_; }
  static testing::TestDatabase& db() { return server_->db(); }
  // For tests that talk to the server below the generated stubs.
  static int port() { return server_->port(); }

 private:
  static std::unique_ptr<testing::TestService> server_;
  static std::unique_ptr<testing::TreeBuilder> tree_;
  static std::unique_ptr<v1::RegistryService::Stub> stub_;
  static std::unique_ptr<feed::v1::ChangeFeedService::Stub> feed_stub_;
};

using chibo::testing::ExpectError;

}  // namespace chibo::registry

#endif  // CHIBO_TESTS_INTEGRATION_REGISTRY_REGISTRY_FIXTURE_H_
