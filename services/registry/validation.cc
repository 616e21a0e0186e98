#include "services/registry/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/dates.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "common/text_fold.h"
#include "services/registry/tree_rules.h"

namespace chibo::registry {
namespace {

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateDisplayName(absl::string_view value,
                                 absl::string_view field, size_t max_chars) {
  if (absl::StripAsciiWhitespace(value).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  if (!IsCleanUtf8(value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be UTF-8 text without control characters"));
  }
  if (Utf8Length(value) > max_chars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", max_chars, " characters"));
  }
  return absl::OkStatus();
}

absl::Status ValidateExternalCode(absl::string_view value,
                                  absl::string_view field) {
  if (value.size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most 64 characters"));
  }
  for (char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_' && c != '.' && c != '/') {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": only letters, digits and - _ . / are allowed"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateOptionalDate(absl::string_view value,
                                  absl::string_view field) {
  if (value.empty()) return absl::OkStatus();
  return ParseDate(value, field).status();
}

absl::Status ValidatePeriod(absl::string_view from, absl::string_view to,
                            absl::string_view to_field) {
  if (from.empty() || to.empty()) return absl::OkStatus();
  // ISO dates order as strings.
  if (to < from) {
    return absl::InvalidArgumentError(
        absl::StrCat(to_field, ": must not be before the start date"));
  }
  return absl::OkStatus();
}

absl::Status ValidateNewOrganization(const v1::Organization& organization) {
  RETURN_IF_ERROR(ValidateDisplayName(organization.display_name(),
                                      "organization.display_name", 500));
  RETURN_IF_ERROR(ValidateExternalCode(organization.external_code(),
                                       "organization.external_code"));
  if (organization.level() == v1::ORGANIZATION_LEVEL_UNSPECIFIED ||
      !v1::OrganizationLevel_IsValid(organization.level())) {
    return absl::InvalidArgumentError("organization.level: is required");
  }
  RETURN_IF_ERROR(CheckCategory(organization.level(), organization.category(),
                                "organization.category"));
  RETURN_IF_ERROR(ParseOptionalResourceId(organization.parent(),
                                          "organizations",
                                          "organization.parent")
                      .status());
  RETURN_IF_ERROR(ValidateOptionalDate(organization.valid_from(),
                                       "organization.valid_from"));
  RETURN_IF_ERROR(
      ValidateOptionalDate(organization.valid_to(), "organization.valid_to"));
  return ValidatePeriod(organization.valid_from(), organization.valid_to(),
                        "organization.valid_to");
}

absl::Status ValidateOrganizationRow(const v1::OrganizationRow& row) {
  if (row.external_code().empty()) {
    return absl::InvalidArgumentError("external_code: is required");
  }
  RETURN_IF_ERROR(ValidateExternalCode(row.external_code(), "external_code"));
  RETURN_IF_ERROR(
      ValidateExternalCode(row.parent_external_code(), "parent_external_code"));
  RETURN_IF_ERROR(ValidateDisplayName(row.display_name(), "display_name", 500));
  if (row.level() == v1::ORGANIZATION_LEVEL_UNSPECIFIED ||
      !v1::OrganizationLevel_IsValid(row.level())) {
    return absl::InvalidArgumentError("level: is required");
  }
  RETURN_IF_ERROR(CheckCategory(row.level(), row.category(), "category"));
  RETURN_IF_ERROR(ValidateOptionalDate(row.valid_from(), "valid_from"));
  RETURN_IF_ERROR(ValidateOptionalDate(row.valid_to(), "valid_to"));
  return ValidatePeriod(row.valid_from(), row.valid_to(), "valid_to");
}

absl::Status ValidateMemberFields(const v1::Member& member,
                                  const google::protobuf::FieldMask& mask) {
  for (const std::string& path : mask.paths()) {
    if (path == "display_name") {
      RETURN_IF_ERROR(ValidateDisplayName(member.display_name(),
                                          "member.display_name", 200));
    } else if (path == "birth_date") {
      ASSIGN_OR_RETURN(absl::CivilDay birth,
                       ParseDateOr(member.birth_date(), "member.birth_date",
                                   TodayInVietnam()));
      if (birth > TodayInVietnam()) {
        return absl::InvalidArgumentError(
            "member.birth_date: must not be in the future");
      }
    } else if (path == "gender") {
      if (!v1::Gender_IsValid(member.gender())) {
        return absl::InvalidArgumentError("member.gender: unknown value");
      }
    } else if (path == "party_card_number") {
      const std::string& card = member.party_card_number();
      if (card.size() > 32 || !AllDigits(card)) {
        return absl::InvalidArgumentError(
            "member.party_card_number: at most 32 digits");
      }
    } else if (path == "citizen_id") {
      const std::string& id = member.citizen_id();
      if (!id.empty() &&
          ((id.size() != 12 && id.size() != 9) || !AllDigits(id))) {
        return absl::InvalidArgumentError(
            "member.citizen_id: must be 12 digits (căn cước) or 9 (CMND)");
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateNewMember(const v1::Member& member) {
  google::protobuf::FieldMask all;
  for (const char* path : {"display_name", "birth_date", "gender",
                           "party_card_number", "citizen_id"}) {
    all.add_paths(path);
  }
  return ValidateMemberFields(member, all);
}

}  // namespace chibo::registry
