#ifndef CHIBO_SERVICES_REGISTRY_STORE_INTERNAL_H_
#define CHIBO_SERVICES_REGISTRY_STORE_INTERNAL_H_

// Row helpers shared by the registry's store files. Everything here runs on
// a connection inside WithConnection and may throw sql::SQLException.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "chibo/registry/v1/registry.pb.h"
#include "common/mysql_pool.h"
#include "common/sql_rows.h"

namespace sql {
class PreparedStatement;
class ResultSet;
}  // namespace sql

namespace chibo::registry {

// What write paths need to know about an organisation.
struct OrgInfo {
  int64_t id = 0;
  v1::OrganizationLevel level = v1::ORGANIZATION_LEVEL_UNSPECIFIED;
  int64_t parent_id = 0;
  int64_t province_id = 0;
  absl::CivilDay valid_from;
  absl::CivilDay valid_to;
  int64_t version = 0;
};

// Reads and row-locks organisation `id`; nullopt when it does not exist.
std::optional<OrgInfo> LockOrganization(DbConnection& db, int64_t id);

// NOT_FOUND "organizations/7 does not exist", prefixed by `field` if given.
absl::Status OrganizationNotFound(int64_t id, absl::string_view field = "");

// Loads the full resource.
absl::Status LoadOrganization(DbConnection& db, int64_t id,
                              v1::Organization* out);

// The column list every organisation SELECT returns, aliased "o".
#define CHIBO_ORG_COLUMNS                                                    \
  "o.id, o.external_code, o.display_name, o.level, o.category, o.parent_id," \
  " o.province_id, o.valid_from, o.valid_to, o.version, o.create_time,"      \
  " o.update_time"

void ReadOrganization(sql::ResultSet& row, v1::Organization* out);

// The ancestry of organisation `id`, `self` as LoadOrganization read it, on
// `as_of`, root first; FAILED_PRECONDITION, naming `field`, when it did not
// exist then.
absl::Status ReadAncestry(DbConnection& db, int64_t id,
                          const v1::Organization& self, absl::CivilDay as_of,
                          absl::string_view field,
                          v1::OrganizationAncestry* out);

// Loads member `id` with the cell and status it has on `today`.
absl::Status LoadMember(DbConnection& db, int64_t id, absl::CivilDay today,
                        v1::Member* out);

// LoadMember for many ids in one statement, appended to `out` in the
// order of `ids`; ids that do not exist are left out.
void LoadMembers(DbConnection& db, const std::vector<int64_t>& ids,
                 absl::CivilDay today,
                 google::protobuf::RepeatedPtrField<v1::Member>* out);

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_STORE_INTERNAL_H_
