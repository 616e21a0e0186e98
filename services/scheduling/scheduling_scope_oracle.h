#ifndef CHIBO_SERVICES_SCHEDULING_SCHEDULING_SCOPE_ORACLE_H_
#define CHIBO_SERVICES_SCHEDULING_SCHEDULING_SCOPE_ORACLE_H_

#include <memory>

#include "common/mysql_pool.h"
#include "common/registry_client.h"
#include "common/tree_view.h"

namespace chibo::scheduling {

// Scope checks for scheduling: organisations and their ancestors come from
// common/'s tree view (TreeScopeOracle: they keep answering while the
// registry is down); scheduling's own resources (meetingRules, meetings,
// postponements, tasks, topics) resolve to their organisation from its own
// tables.
class SchedulingScopeOracle : public TreeScopeOracle {
 public:
  // Over the runtime's tree view (not owned).
  SchedulingScopeOracle(MysqlPool* pool, TreeView* view);
  // With a tree view of its own.
  SchedulingScopeOracle(MysqlPool* pool, RegistryClient* registry);

  // A held meeting ("meetings/7") is dated by the day it started: what its
  // record's attendance and votes name the cell's members of.
  absl::StatusOr<absl::CivilDay> DayOf(absl::string_view resource_name,
                                       absl::Time deadline) override;

 protected:
  absl::StatusOr<std::vector<int64_t>> OwnOrganizationsOf(
      absl::string_view collection, absl::string_view resource_name,
      absl::Time deadline) override;

 private:
  MysqlPool* pool_;
};

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_SCHEDULING_SCOPE_ORACLE_H_
