#include "common/auth/role.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace chibo::auth {
namespace {

struct RoleEntry {
  Role role;
  absl::string_view name;
};

constexpr RoleEntry kRoles[] = {
    {Role::kSystemAdmin, "system_admin"},
    {Role::kCommitteeOffice, "committee_office"},
    {Role::kCellSecretary, "cell_secretary"},
    {Role::kCadre, "cadre"},
    {Role::kIntegration, "integration"},
    {Role::kViewer, "viewer"},
    {Role::kService, "service"},
};

constexpr absl::string_view kOrganizationsPrefix = "organizations/";

bool IsOrganizationName(absl::string_view scope) {
  if (!absl::ConsumePrefix(&scope, kOrganizationsPrefix)) return false;
  if (scope.empty() || scope.front() == '0') return false;
  for (char c : scope) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  int64_t id = 0;
  return absl::SimpleAtoi(scope, &id) && id > 0;
}

}  // namespace

absl::string_view RoleName(Role role) {
  for (const RoleEntry& entry : kRoles) {
    if (entry.role == role) return entry.name;
  }
  return "unknown";
}

absl::StatusOr<Role> ParseRole(absl::string_view name) {
  std::string accepted;
  for (const RoleEntry& entry : kRoles) {
    if (entry.name == name) return entry.role;
    absl::StrAppend(&accepted, accepted.empty() ? "" : ", ", entry.name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown role \"", absl::CHexEscape(name),
                   "\"; expected one of ", accepted));
}

absl::Status ValidateScope(Role role, absl::string_view scope) {
  if (scope == kGlobalScope) {
    if (role == Role::kSystemAdmin || role == Role::kService) {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat("scope \"*\" is allowed only for system_admin and "
                     "service, not for ",
                     RoleName(role)));
  }
  if (scope.empty()) {
    return absl::InvalidArgumentError(
        "scope is empty; expected \"organizations/{id}\" or \"*\"");
  }
  if (!IsOrganizationName(scope)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scope \"", absl::CHexEscape(scope),
        "\" is not \"organizations/{id}\" (positive integer id) or \"*\""));
  }
  return absl::OkStatus();
}

}  // namespace chibo::auth
