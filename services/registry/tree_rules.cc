#include "services/registry/tree_rules.h"

#include <initializer_list>

#include "absl/strings/str_cat.h"

namespace chibo::registry {

using v1::CellCategory;
using v1::OrganizationLevel;

namespace {

bool OneOf(OrganizationLevel level,
           std::initializer_list<OrganizationLevel> levels) {
  for (OrganizationLevel l : levels) {
    if (l == level) return true;
  }
  return false;
}

// Superior committees that may directly hold a grassroots organisation.
constexpr std::initializer_list<OrganizationLevel> kSuperiorCommittees = {
    v1::ORGANIZATION_LEVEL_PROVINCE, v1::ORGANIZATION_LEVEL_BLOC,
    v1::ORGANIZATION_LEVEL_COMMUNE, v1::ORGANIZATION_LEVEL_DISTRICT};

}  // namespace

bool IsCell(OrganizationLevel level) {
  return level == v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL ||
         level == v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL;
}

bool HasCommittee(OrganizationLevel level) {
  return OneOf(level, kSuperiorCommittees) ||
         level == v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE;
}

absl::string_view LevelLabel(OrganizationLevel level) {
  switch (level) {
    case v1::ORGANIZATION_LEVEL_PROVINCE:
      return "tỉnh ủy (province)";
    case v1::ORGANIZATION_LEVEL_BLOC:
      return "đảng ủy khối (bloc)";
    case v1::ORGANIZATION_LEVEL_COMMUNE:
      return "đảng ủy xã/phường (commune/ward)";
    case v1::ORGANIZATION_LEVEL_DISTRICT:
      return "huyện ủy (district)";
    case v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE:
      return "đảng bộ cơ sở (grassroots committee)";
    case v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL:
      return "chi bộ cơ sở (grassroots cell)";
    case v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL:
      return "chi bộ trực thuộc (subordinate cell)";
    case v1::ORGANIZATION_LEVEL_PARTY_GROUP:
      return "tổ đảng (party group)";
    default:
      return "unspecified level";
  }
}

absl::Status CheckPlacement(OrganizationLevel child, OrganizationLevel parent,
                            absl::string_view parent_name) {
  const bool root = parent == v1::ORGANIZATION_LEVEL_UNSPECIFIED;
  bool allowed = false;
  absl::string_view rule;
  switch (child) {
    case v1::ORGANIZATION_LEVEL_PROVINCE:
      allowed = root;
      rule = "is the root of a tree and has no parent";
      break;
    case v1::ORGANIZATION_LEVEL_BLOC:
    case v1::ORGANIZATION_LEVEL_DISTRICT:
      allowed = parent == v1::ORGANIZATION_LEVEL_PROVINCE;
      rule = "must be under a province";
      break;
    case v1::ORGANIZATION_LEVEL_COMMUNE:
      allowed = OneOf(parent, {v1::ORGANIZATION_LEVEL_PROVINCE,
                               v1::ORGANIZATION_LEVEL_DISTRICT});
      rule = "must be under a province or a (legacy) district";
      break;
    case v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE:
    case v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL:
      allowed = OneOf(parent, kSuperiorCommittees);
      rule = "must be under a province, bloc, commune/ward or district";
      break;
    case v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL:
      allowed = parent == v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE;
      rule = "must be under a grassroots committee";
      break;
    case v1::ORGANIZATION_LEVEL_PARTY_GROUP:
      allowed = IsCell(parent);
      rule = "must be under a cell";
      break;
    default:
      return absl::InvalidArgumentError("level: is required");
  }
  if (allowed) return absl::OkStatus();
  if (root) {
    return absl::FailedPreconditionError(
        absl::StrCat("parent: a ", LevelLabel(child), " ", rule));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("parent: a ", LevelLabel(child), " ", rule, ", but ",
                   parent_name, " is a ", LevelLabel(parent)));
}

absl::Status CheckCategory(OrganizationLevel level, CellCategory category,
                           absl::string_view field) {
  if (!v1::CellCategory_IsValid(category)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": unknown value"));
  }
  const bool has = category != v1::CELL_CATEGORY_UNSPECIFIED;
  if (IsCell(level) && !has) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": is required for a cell (loại hình chi bộ)"));
  }
  if (!IsCell(level) && has) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": only cells have a category"));
  }
  return absl::OkStatus();
}

}  // namespace chibo::registry
