#ifndef CHIBO_SERVICES_REGISTRY_ORGANIZATION_LABELS_H_
#define CHIBO_SERVICES_REGISTRY_ORGANIZATION_LABELS_H_

// The dated history of organisations' display names and codes
// (organization_labels, migration 0004), kept by the write paths in their
// own transaction and read by past-dated listings.

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "chibo/registry/v1/registry.pb.h"
#include "common/mysql_pool.h"

namespace chibo::registry {

// The first period of a new organisation, from `valid_from`.
void OpenLabels(DbConnection& db, int64_t id, absl::CivilDay valid_from,
                const std::string& display_name,
                const std::string& external_code);

// Records a changed name or code from `today`. The caller holds the
// organisation's row lock. A latest period that starts today or later is
// corrected in place; an older one is closed the day before.
void ChangeLabels(DbConnection& db, int64_t id, absl::CivilDay today,
                  const std::string& display_name,
                  const std::string& external_code);

// Sets each organisation of `out` whose id lies in [first, last] to its
// name and code on `day` (one range read). An organisation with no period
// covering `day` keeps what it has (today's).
void LabelsOn(DbConnection& db, const std::string& day,
              v1::ListOrganizationsResponse* out);

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_ORGANIZATION_LABELS_H_
