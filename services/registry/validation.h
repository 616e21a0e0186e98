#ifndef CHIBO_SERVICES_REGISTRY_VALIDATION_H_
#define CHIBO_SERVICES_REGISTRY_VALIDATION_H_

#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "chibo/registry/v1/registry.pb.h"
#include "common/update_mask.h"
#include "google/protobuf/field_mask.pb.h"

namespace chibo::registry {

// Request-shape checks that need no database: each error names the field
// and the rule. State checks (does the parent exist?) live in the store.

absl::Status ValidateDisplayName(absl::string_view value,
                                 absl::string_view field, size_t max_chars);
absl::Status ValidateExternalCode(absl::string_view value,
                                  absl::string_view field);
absl::Status ValidateOptionalDate(absl::string_view value,
                                  absl::string_view field);
// valid_from <= valid_to when both are set.
absl::Status ValidatePeriod(absl::string_view from, absl::string_view to,
                            absl::string_view to_field);

absl::Status ValidateNewOrganization(const v1::Organization& organization);
absl::Status ValidateOrganizationRow(const v1::OrganizationRow& row);
absl::Status ValidateNewMember(const v1::Member& member);

// Checks the fields of `member` named in `mask`.
absl::Status ValidateMemberFields(const v1::Member& member,
                                  const google::protobuf::FieldMask& mask);

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_VALIDATION_H_
