#ifndef CHIBO_SERVICES_SCHEDULING_ORG_DIRECTORY_H_
#define CHIBO_SERVICES_SCHEDULING_ORG_DIRECTORY_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "chibo/registry/v1/registry.pb.h"
#include "common/mysql_pool.h"
#include "common/registry_client.h"
#include "common/rpc.h"

namespace chibo::scheduling {

// An organisation as scheduling needs it.
struct OrgInfo {
  int64_t id = 0;
  bool is_cell = false;
  int category = 0;
  std::string display_name;
  // Itself first, the province root last (the order ApplicableRules takes).
  std::vector<int64_t> ancestors;
};

// The organisation tree, asked of the registry and remembered in
// known_organizations, so that reads of scheduling's own data (schedules,
// reports, scope checks) keep working while the registry is down. Writes
// that must see the registry's current answer (attendance against the
// members of a cell) ask it directly and fail with UNAVAILABLE instead.
class OrgDirectory {
 public:
  OrgDirectory(MysqlPool* pool, RegistryClient* registry)
      : pool_(pool), registry_(registry) {}

  // NOT_FOUND "organizations/7 does not exist" (prefixed by `field`).
  absl::StatusOr<OrgInfo> Get(const CallContext& call, int64_t id,
                              absl::string_view field);

  // Get, then FAILED_PRECONDITION unless it is a cell.
  absl::StatusOr<OrgInfo> GetCell(const CallContext& call, int64_t id,
                                  absl::string_view field);

  // Every cell in the subtree of `id` (itself if it is a cell), by id.
  absl::StatusOr<std::vector<OrgInfo>> CellsUnder(const CallContext& call,
                                                  int64_t id,
                                                  absl::string_view field);

  // The members of `cell` on `day` with their status then, by member id:
  // always the registry's current answer (UNAVAILABLE while it is down).
  using MemberMap = std::map<int64_t, registry::v1::CellMember>;
  absl::StatusOr<MemberMap> Members(const CallContext& call, int64_t cell,
                                    absl::CivilDay day);

  // A task's assignee: a member of `cell_id` in `members` (as of `day`) or
  // a party group (tổ đảng) directly under the cell. INVALID_ARGUMENT names
  // `field`.
  absl::Status CheckAssignee(const CallContext& call, int64_t cell_id,
                             const std::string& assignee,
                             const std::string& field, const MemberMap& members,
                             absl::CivilDay day);

 private:
  absl::Status Remember(const CallContext& call,
                        const std::vector<OrgInfo>& organizations);
  absl::StatusOr<std::vector<OrgInfo>> Recall(const CallContext& call,
                                              int64_t id, bool subtree);

  MysqlPool* pool_;
  RegistryClient* registry_;
  std::mutex mu_;
  // id -> what was last written to known_organizations for it.
  std::unordered_map<int64_t, std::string> remembered_;
};

// "organizations/7" -> 7 (0 when malformed; names come from the registry).
int64_t OrgId(const std::string& name);

// The member id `name` (in request field `field`), which must be in
// `members` of `cell_id` on `day`; INVALID_ARGUMENT otherwise.
absl::StatusOr<int64_t> CellMemberId(const std::string& name,
                                     const std::string& field,
                                     const OrgDirectory::MemberMap& members,
                                     int64_t cell_id, absl::CivilDay day);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_ORG_DIRECTORY_H_
