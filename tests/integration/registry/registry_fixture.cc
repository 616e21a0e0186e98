#include "tests/integration/registry/registry_fixture.h"

#include "services/registry/registry_definition.h"

namespace chibo::registry {

std::unique_ptr<testing::TestService> RegistryTest::server_;
std::unique_ptr<testing::TreeBuilder> RegistryTest::tree_;
std::unique_ptr<v1::RegistryService::Stub> RegistryTest::stub_;
std::unique_ptr<feed::v1::ChangeFeedService::Stub> RegistryTest::feed_stub_;

void RegistryTest::SetUpTestSuite() {
  auto server = testing::TestService::Start(RegistryDefinition());
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  stub_ = v1::RegistryService::NewStub(server_->channel());
  feed_stub_ = feed::v1::ChangeFeedService::NewStub(server_->channel());
  tree_ = std::make_unique<testing::TreeBuilder>(stub_.get(), "T");
}

void RegistryTest::TearDownTestSuite() {
  tree_.reset();
  stub_.reset();
  feed_stub_.reset();
  server_.reset();
}

void RegistryTest::SetUp() {
  ASSERT_NE(stub_, nullptr) << "the test server did not start";
}

std::unique_ptr<grpc::ClientContext> RegistryTest::Context() {
  return testing::TreeBuilder::Context();
}

std::string RegistryTest::Code(const std::string& prefix) {
  return tree_->Code(prefix);
}

v1::Organization RegistryTest::MakeOrg(const std::string& display_name,
                                       v1::OrganizationLevel level,
                                       const std::string& parent,
                                       const std::string& valid_from,
                                       v1::CellCategory category) {
  return tree_->Organization(display_name, level, parent, valid_from, category);
}

v1::Organization RegistryTest::MakeCell(const std::string& valid_from) {
  testing::TreeBuilder::ChainOptions options;
  options.valid_from = valid_from;
  return tree_->ProvinceBlocCell(options).cell;
}

v1::Member RegistryTest::MakeMember(const std::string& cell,
                                    const std::string& name,
                                    v1::MemberStatus status,
                                    const std::string& joined) {
  return tree_->Member(cell, name, status, joined);
}

}  // namespace chibo::registry
