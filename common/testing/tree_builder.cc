#include "common/testing/tree_builder.h"

#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace chibo::testing {

namespace v1 = ::chibo::registry::v1;

TreeBuilder::TreeBuilder(v1::RegistryService::Stub* registry,
                         std::string code_prefix, std::string bearer_token)
    : registry_(registry),
      code_prefix_(std::move(code_prefix)),
      bearer_token_(std::move(bearer_token)) {}

std::unique_ptr<grpc::ClientContext> TreeBuilder::Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  return context;
}

std::unique_ptr<grpc::ClientContext> TreeBuilder::NewContext() const {
  std::unique_ptr<grpc::ClientContext> context = Context();
  if (!bearer_token_.empty()) {
    context->AddMetadata("authorization", "Bearer " + bearer_token_);
  }
  return context;
}

std::string TreeBuilder::Code(const std::string& what) const {
  static std::atomic<int> counter{0};
  return absl::StrCat(code_prefix_, counter.fetch_add(1), "-", what);
}

v1::Organization TreeBuilder::Organization(const std::string& display_name,
                                           v1::OrganizationLevel level,
                                           const std::string& parent,
                                           const std::string& valid_from,
                                           v1::CellCategory category,
                                           const std::string& code_kind) {
  v1::CreateOrganizationRequest request;
  v1::Organization* org = request.mutable_organization();
  org->set_display_name(display_name);
  org->set_level(level);
  org->set_parent(parent);
  org->set_valid_from(valid_from);
  org->set_external_code(Code(code_kind));
  if (category == v1::CELL_CATEGORY_UNSPECIFIED &&
      (level == v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL ||
       level == v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL)) {
    category = v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY;
  }
  org->set_category(category);
  v1::Organization created;
  grpc::Status status =
      registry_->CreateOrganization(NewContext().get(), request, &created);
  EXPECT_TRUE(status.ok()) << display_name << ": " << status.error_message();
  return created;
}

TreeBuilder::Chain TreeBuilder::ProvinceBlocCell(const ChainOptions& options) {
  Chain chain;
  chain.province =
      Organization(options.province_name, v1::ORGANIZATION_LEVEL_PROVINCE, "",
                   options.valid_from);
  chain.bloc = Organization(options.bloc_name, v1::ORGANIZATION_LEVEL_BLOC,
                            chain.province.name(), options.valid_from);
  chain.cell = Organization(
      options.cell_name, v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
      chain.bloc.name(), options.valid_from, options.category, "cell");
  return chain;
}

v1::Member TreeBuilder::Member(const std::string& cell,
                               const std::string& display_name,
                               v1::MemberStatus status,
                               const std::string& joined) {
  v1::CreateMemberRequest request;
  request.mutable_member()->set_display_name(display_name);
  request.set_cell(cell);
  request.set_status(status);
  request.set_joined_date(joined);
  v1::Member created;
  grpc::Status result =
      registry_->CreateMember(NewContext().get(), request, &created);
  EXPECT_TRUE(result.ok()) << display_name << ": " << result.error_message();
  return created;
}

}  // namespace chibo::testing
