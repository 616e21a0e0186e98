#ifndef CHIBO_SERVICES_REGISTRY_STORE_H_
#define CHIBO_SERVICES_REGISTRY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "chibo/registry/v1/registry.pb.h"
#include "common/mysql_pool.h"
#include "common/rpc.h"

namespace chibo::registry {

// Filters of ListOrganizations, already parsed.
struct OrganizationFilter {
  int64_t parent_id = 0;
  int64_t ancestor_id = 0;
  std::string level_set;  // "6,7" for FIND_IN_SET; empty: any level
  std::string folded_query;
  std::string exact_query;
  absl::CivilDay as_of;
  int64_t after_id = 0;
  int limit = 50;
};

struct MemberFilter {
  int64_t cell_id = 0;
  int64_t ancestor_id = 0;
  std::string folded_query;
  std::string exact_query;
  absl::CivilDay today;
  int64_t after_id = 0;
  // A subtree listing without a query goes cell by cell: the page goes on
  // after member after_id of this cell.
  int64_t after_cell_id = 0;
  int limit = 50;

  // Listed cell by cell (then by member id), not by member id alone.
  bool ByCell() const {
    return ancestor_id != 0 && cell_id == 0 && folded_query.empty() &&
           exact_query.empty();
  }
};

// The MySQL side of the registry: prepared statements only, rows <-> proto.
// Each write runs in one transaction together with its outbox event; state
// rules (does the parent exist, may this level sit there) are checked inside
// that transaction.
class RegistryStore {
 public:
  explicit RegistryStore(MysqlPool* pool) : pool_(pool) {}

  // Organisations.
  absl::Status GetOrganization(const CallContext& call, int64_t id,
                               v1::Organization* out);
  absl::Status ListOrganizations(const CallContext& call,
                                 const OrganizationFilter& filter,
                                 v1::ListOrganizationsResponse* out,
                                 bool* more);
  absl::Status CreateOrganization(const CallContext& call,
                                  const v1::CreateOrganizationRequest& request,
                                  v1::Organization* out);
  absl::Status UpdateOrganization(const CallContext& call,
                                  const v1::UpdateOrganizationRequest& request,
                                  int64_t id, v1::Organization* out);
  absl::Status DeleteOrganization(const CallContext& call, int64_t id,
                                  const std::string& etag);
  absl::Status MoveOrganization(const CallContext& call,
                                const v1::MoveOrganizationRequest& request,
                                int64_t id, int64_t new_parent_id,
                                absl::CivilDay effective,
                                v1::Organization* out);
  absl::Status GetAncestry(const CallContext& call, int64_t id,
                           absl::CivilDay as_of, v1::OrganizationAncestry* out);
  absl::Status ListParentHistory(const CallContext& call, int64_t id,
                                 v1::ListParentHistoryResponse* out);
  absl::Status BulkUpsertOrganizations(
      const CallContext& call,
      const v1::BulkUpsertOrganizationsRequest& request,
      v1::BulkUpsertOrganizationsResponse* out);

  // Members.
  // Upserts `request.rows()` (see BulkUpsertMembersRequest); each row's cell
  // and each existing member's current cell must lie in the subtree of
  // `root_id` (0: anywhere).
  absl::Status BulkUpsertMembers(const CallContext& call,
                                 const v1::BulkUpsertMembersRequest& request,
                                 int64_t root_id,
                                 v1::BulkUpsertMembersResponse* out);
  absl::Status GetMember(const CallContext& call, int64_t id, v1::Member* out);
  // Where a page of ListMembers ended: whether there is more, and after
  // which member (and, ByCell, in which cell) the next page goes on.
  struct MemberPageEnd {
    bool more = false;
    int64_t cell = 0;
    int64_t member = 0;
  };
  absl::Status ListMembers(const CallContext& call, const MemberFilter& filter,
                           v1::ListMembersResponse* out, MemberPageEnd* end);
  absl::Status CreateMember(const CallContext& call,
                            const v1::CreateMemberRequest& request,
                            int64_t cell_id, absl::CivilDay joined,
                            v1::Member* out);
  absl::Status UpdateMember(const CallContext& call,
                            const v1::UpdateMemberRequest& request, int64_t id,
                            v1::Member* out);
  absl::Status DeleteMember(const CallContext& call, int64_t id,
                            const std::string& etag);
  absl::Status ChangeMemberStatus(const CallContext& call,
                                  const v1::ChangeMemberStatusRequest& request,
                                  int64_t id, absl::CivilDay effective,
                                  v1::Member* out);
  absl::Status ListMemberStatuses(const CallContext& call, int64_t id,
                                  v1::ListMemberStatusesResponse* out);
  absl::Status TransferMember(const CallContext& call,
                              const v1::TransferMemberRequest& request,
                              int64_t id, int64_t to_cell_id,
                              absl::CivilDay effective, v1::Member* out);
  absl::Status ListMemberships(const CallContext& call, int64_t id,
                               v1::ListMembershipsResponse* out);
  // With `ancestry_day`, also the cell's ancestry on that day.
  absl::Status ListCellMembers(const CallContext& call, int64_t cell_id,
                               absl::CivilDay as_of,
                               std::optional<absl::CivilDay> ancestry_day,
                               const std::string& status_set, int64_t after_id,
                               int limit, v1::ListCellMembersResponse* out,
                               bool* more);

  // Positions and cadres.
  absl::Status CreatePosition(const CallContext& call,
                              const v1::CreatePositionRequest& request,
                              v1::Position* out);
  absl::Status ListPositions(const CallContext& call, int64_t organization_id,
                             std::optional<absl::CivilDay> as_of,
                             int64_t after_id, int limit,
                             v1::ListPositionsResponse* out, bool* more);
  absl::Status UpdatePosition(const CallContext& call,
                              const v1::UpdatePositionRequest& request,
                              int64_t id, v1::Position* out);
  absl::Status DeletePosition(const CallContext& call, int64_t id,
                              const std::string& etag);
  absl::Status CreateCadre(const CallContext& call,
                           const v1::CreateCadreRequest& request,
                           v1::Cadre* out);
  absl::Status ListCadres(const CallContext& call, int64_t committee_id,
                          std::optional<absl::CivilDay> as_of, int64_t after_id,
                          int limit, v1::ListCadresResponse* out, bool* more);
  absl::Status DeleteCadre(const CallContext& call, int64_t id,
                           const std::string& etag);

 private:
  MysqlPool* pool_;
};

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_STORE_H_
