#ifndef CHIBO_COMMON_TESTING_TREE_BUILDER_H_
#define CHIBO_COMMON_TESTING_TREE_BUILDER_H_

#include <memory>
#include <string>
#include <vector>

#include "chibo/registry/v1/registry.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace chibo::testing {

// Builds organisation trees and members through the registry's API, for
// the integration tests of every service. A call that fails fails the
// test (EXPECT) and returns an empty message.
class TreeBuilder {
 public:
  // `code_prefix` starts every code Code() returns ("T" gives "T7-org").
  // With `bearer_token` every call carries it (a registry with token
  // authentication); without, the registry must be insecure-dev.
  TreeBuilder(registry::v1::RegistryService::Stub* registry,
              std::string code_prefix, std::string bearer_token = "");

  // A context with a 20 s deadline.
  static std::unique_ptr<grpc::ClientContext> Context();
  // Context() carrying the builder's token: for other calls of a test.
  std::unique_ptr<grpc::ClientContext> NewContext() const;
  // A code unique within the process: "<prefix><n>-<what>".
  std::string Code(const std::string& what) const;

  // An organisation with a unique external code. A cell without a
  // category is an administrative agency's.
  registry::v1::Organization Organization(
      const std::string& display_name, registry::v1::OrganizationLevel level,
      const std::string& parent, const std::string& valid_from = "",
      registry::v1::CellCategory category =
          registry::v1::CELL_CATEGORY_UNSPECIFIED,
      const std::string& code_kind = "org");

  struct Chain {
    registry::v1::Organization province;
    registry::v1::Organization bloc;
    registry::v1::Organization cell;
  };
  struct ChainOptions {
    std::string province_name = "Tỉnh ủy Lạng Sơn";
    std::string bloc_name = "Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh";
    std::string cell_name = "Chi bộ Sở Tư pháp";
    std::string valid_from;
    registry::v1::CellCategory category =
        registry::v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY;
  };
  // province > bloc > grassroots cell.
  Chain ProvinceBlocCell(const ChainOptions& options);

  registry::v1::Member Member(
      const std::string& cell, const std::string& display_name,
      registry::v1::MemberStatus status = registry::v1::MEMBER_STATUS_FULL,
      const std::string& joined = "");

 private:
  registry::v1::RegistryService::Stub* registry_;
  std::string code_prefix_;
  std::string bearer_token_;
};

}  // namespace chibo::testing

#endif  // CHIBO_COMMON_TESTING_TREE_BUILDER_H_
