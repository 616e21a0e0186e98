#ifndef CHIBO_SERVICES_SCHEDULING_ORG_DIRECTORY_H_
#define CHIBO_SERVICES_SCHEDULING_ORG_DIRECTORY_H_

#include <cstdint>
#include <string>
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

  // The members of `cell` on `day` with their status then: always the
  // registry's current answer (UNAVAILABLE while it is down).
  absl::StatusOr<std::vector<registry::v1::CellMember>> Members(
      const CallContext& call, int64_t cell, absl::CivilDay day);

 private:
  absl::Status Remember(const CallContext& call,
                        const std::vector<OrgInfo>& organizations);
  absl::StatusOr<std::vector<OrgInfo>> Recall(const CallContext& call,
                                              int64_t id, bool subtree);

  MysqlPool* pool_;
  RegistryClient* registry_;
};

// "organizations/7" -> 7 (0 when malformed; names come from the registry).
int64_t OrgId(const std::string& name);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_ORG_DIRECTORY_H_
