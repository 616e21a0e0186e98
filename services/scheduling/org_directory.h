#ifndef CHIBO_SERVICES_SCHEDULING_ORG_DIRECTORY_H_
#define CHIBO_SERVICES_SCHEDULING_ORG_DIRECTORY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "chibo/registry/v1/registry.pb.h"
#include "common/mysql_pool.h"
#include "common/registry_client.h"
#include "common/rpc.h"
#include "common/tree_view.h"

namespace chibo::scheduling {

using ::chibo::OrgId;
using ::chibo::OrgInfo;

// What scheduling asks about organisations and members. The tree itself
// (Get, GetCell, CellsUnder: answered from known_organizations while the
// registry is down) is common/'s TreeView; the members of a cell and the
// assignee rule are scheduling's, and always the registry's current answer.
class OrgDirectory {
 public:
  // Over the runtime's tree view (not owned).
  explicit OrgDirectory(TreeView* view) : view_(view) {}
  // With a tree view of its own.
  OrgDirectory(MysqlPool* pool, RegistryClient* registry)
      : owned_(std::make_unique<TreeView>(pool, registry)),
        view_(owned_.get()) {}

  absl::StatusOr<OrgInfo> Get(const CallContext& call, int64_t id,
                              absl::string_view field) {
    return view_->Get(call, id, field);
  }
  absl::StatusOr<OrgInfo> GetCell(const CallContext& call, int64_t id,
                                  absl::string_view field) {
    return view_->GetCell(call, id, field);
  }
  absl::StatusOr<std::vector<OrgInfo>> CellsUnder(const CallContext& call,
                                                  int64_t id,
                                                  absl::string_view field) {
    return view_->CellsUnder(call, id, field);
  }

  absl::StatusOr<TreeView::CellPage> CellsPage(
      const CallContext& call, int64_t id, absl::string_view field,
      int64_t after_id, const std::string& inner, int limit) {
    return view_->CellsPage(call, id, field, after_id, inner, limit);
  }
  // The members of `cell` on `day` with their status then, by member id:
  // always the registry's current answer (UNAVAILABLE while it is down).
  using MemberMap = std::map<int64_t, registry::v1::CellMember>;
  absl::StatusOr<MemberMap> Members(const CallContext& call, int64_t cell,
                                    absl::CivilDay day);

  // GetCell and Members(cell, day) together, from one registry call (or
  // the roster admission fetched): what a write about a cell's meeting
  // asks first.
  struct CellAndMembers {
    OrgInfo cell;
    MemberMap members;
  };
  absl::StatusOr<CellAndMembers> GetCellAndMembers(const CallContext& call,
                                                   int64_t cell,
                                                   absl::string_view field,
                                                   absl::CivilDay day);

  // A task's assignee: a member of `cell_id` in `members` (as of `day`) or
  // a party group (tổ đảng) directly under the cell. INVALID_ARGUMENT names
  // `field`.
  absl::Status CheckAssignee(const CallContext& call, int64_t cell_id,
                             const std::string& assignee,
                             const std::string& field, const MemberMap& members,
                             absl::CivilDay day);

 private:
  std::unique_ptr<TreeView> owned_;
  TreeView* view_;
};

// The member id `name` (in request field `field`), which must be in
// `members` of `cell_id` on `day`; INVALID_ARGUMENT otherwise.
absl::StatusOr<int64_t> CellMemberId(const std::string& name,
                                     const std::string& field,
                                     const OrgDirectory::MemberMap& members,
                                     int64_t cell_id, absl::CivilDay day);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_ORG_DIRECTORY_H_
