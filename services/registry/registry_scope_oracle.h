#ifndef CHIBO_SERVICES_REGISTRY_REGISTRY_SCOPE_ORACLE_H_
#define CHIBO_SERVICES_REGISTRY_REGISTRY_SCOPE_ORACLE_H_

#include "common/auth/scope_oracle.h"
#include "common/change_follower.h"
#include "common/mysql_pool.h"

namespace chibo::registry {

// Scope checks answered from the registry's own tables.
class RegistryScopeOracle : public auth::ScopeOracle {
 public:
  explicit RegistryScopeOracle(MysqlPool* pool) : pool_(pool) {}

  absl::StatusOr<std::vector<int64_t>> OrganizationsOf(
      absl::string_view resource_name, absl::Time deadline) override;
  absl::StatusOr<std::optional<int64_t>> OrganizationByCode(
      absl::string_view code, absl::Time deadline) override;
  absl::StatusOr<std::vector<int64_t>> AncestorsOf(
      int64_t id, absl::Time deadline) override;

 private:
  MysqlPool* pool_;
};

// The registry's own outbox, read directly: where its tree changes appear.
ChangeFollower::Source LocalTreeChanges(MysqlPool& pool);

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_REGISTRY_SCOPE_ORACLE_H_
