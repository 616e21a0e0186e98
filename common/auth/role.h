#ifndef CHIBO_COMMON_AUTH_ROLE_H_
#define CHIBO_COMMON_AUTH_ROLE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chibo::auth {

// The roles of the security model (ARCHITECTURE.md). A role is always paired
// with a scope: the organisation subtree it applies to.
enum class Role {
  kSystemAdmin,      // "system_admin": the whole registry.
  kCommitteeOffice,  // "committee_office": a committee's subtree.
  kCellSecretary,    // "cell_secretary": one cell (chi bộ).
  kCadre,            // "cadre": own assignments.
  kIntegration,      // "integration": an external system, subtree read/write.
  kViewer,           // "viewer": read-only.
  kService,          // "service": another chibo service calling in.
};

// The scope meaning "the whole registry".
inline constexpr absl::string_view kGlobalScope = "*";

// "system_admin" for kSystemAdmin, etc.
absl::string_view RoleName(Role role);

// Inverse of RoleName (exact, case-sensitive). INVALID_ARGUMENT naming the
// input and the accepted names otherwise.
absl::StatusOr<Role> ParseRole(absl::string_view name);

// A scope is an organisation resource name "organizations/{id}" ({id} a
// positive decimal integer without leading zeros) or kGlobalScope, which only
// kSystemAdmin and kService may hold. INVALID_ARGUMENT otherwise.
absl::Status ValidateScope(Role role, absl::string_view scope);

}  // namespace chibo::auth

#endif  // CHIBO_COMMON_AUTH_ROLE_H_
