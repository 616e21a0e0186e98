#ifndef CHIBO_SERVICES_REGISTRY_ORGANIZATION_WRITES_H_
#define CHIBO_SERVICES_REGISTRY_ORGANIZATION_WRITES_H_

// The organisation writes as steps inside a caller's transaction, so that
// the single-resource RPCs and the bulk upsert share one implementation.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "chibo/registry/v1/registry.pb.h"
#include "common/mysql_pool.h"
#include "common/rpc.h"
#include "google/protobuf/field_mask.pb.h"

namespace chibo::registry {

// `organization` has passed ValidateNewOrganization.
absl::Status CreateOrganizationTx(DbConnection& db, const CallContext& call,
                                  const v1::Organization& organization,
                                  v1::Organization* out);

// `mask` has passed ValidateUpdateMask.
absl::Status UpdateOrganizationTx(DbConnection& db, const CallContext& call,
                                  int64_t id, const v1::Organization& fields,
                                  const google::protobuf::FieldMask& mask,
                                  v1::Organization* out);

absl::Status MoveOrganizationTx(DbConnection& db, const CallContext& call,
                                int64_t id, int64_t new_parent_id,
                                absl::CivilDay effective,
                                const std::string& etag, v1::Organization* out);

// The organisation with this external code, or 0.
int64_t FindOrganizationByCode(DbConnection& db, const std::string& code);

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_ORGANIZATION_WRITES_H_
