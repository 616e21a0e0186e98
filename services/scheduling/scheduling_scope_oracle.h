#ifndef CHIBO_SERVICES_SCHEDULING_SCHEDULING_SCOPE_ORACLE_H_
#define CHIBO_SERVICES_SCHEDULING_SCHEDULING_SCOPE_ORACLE_H_

#include "common/auth/scope_oracle.h"
#include "common/change_follower.h"
#include "common/mysql_pool.h"
#include "common/registry_client.h"
#include "services/scheduling/org_directory.h"

namespace chibo::scheduling {

// Scope checks for scheduling: its own resources (meetingRules, meetings,
// postponements, tasks, topics) resolve to their organisation from its own
// tables; organisations and their ancestors come from the registry through
// the OrgDirectory (so they keep answering while the registry is down).
class SchedulingScopeOracle : public auth::ScopeOracle {
 public:
  SchedulingScopeOracle(MysqlPool* pool, RegistryClient* registry);

  absl::StatusOr<std::vector<int64_t>> OrganizationsOf(
      absl::string_view resource_name, absl::Time deadline) override;
  absl::StatusOr<std::optional<int64_t>> OrganizationByCode(
      absl::string_view code, absl::Time deadline) override;
  absl::StatusOr<std::vector<int64_t>> AncestorsOf(
      int64_t id, absl::Time deadline) override;

 private:
  CallContext Background(absl::Time deadline) const;

  MysqlPool* pool_;
  RegistryClient* registry_;
  OrgDirectory directory_;
};

// The registry's change feed, where moves and deletions of organisations
// appear (to invalidate cached ancestors).
ChangeFollower::Source RegistryTreeChanges(RegistryClient* registry);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_SCHEDULING_SCOPE_ORACLE_H_
