#ifndef CHIBO_SERVICES_REGISTRY_TREE_RULES_H_
#define CHIBO_SERVICES_REGISTRY_TREE_RULES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "chibo/registry/v1/registry.pb.h"

namespace chibo::registry {

using ::chibo::registry::v1::CellCategory;
using ::chibo::registry::v1::OrganizationLevel;

// Chi bộ cơ sở and chi bộ trực thuộc: the organisations that hold members
// and meet.
bool IsCell(OrganizationLevel level);

// Levels that have a committee of their own and so can have cadres.
bool HasCommittee(OrganizationLevel level);

// The Vietnamese name of a level, for messages: "chi bộ trực thuộc".
absl::string_view LevelLabel(OrganizationLevel level);

// May an organisation of level `child` sit under one of level `parent`?
// `parent` is UNSPECIFIED for "no parent" (a province root). Returns
// FAILED_PRECONDITION explaining the rule otherwise; `parent_name` names
// the parent resource in that message.
absl::Status CheckPlacement(OrganizationLevel child, OrganizationLevel parent,
                            absl::string_view parent_name);

// Cells need a category; other levels must not have one.
absl::Status CheckCategory(OrganizationLevel level, CellCategory category,
                           absl::string_view field);

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_TREE_RULES_H_
