#include "services/registry/validation.h"

#include "gtest/gtest.h"

namespace chibo::registry {
namespace {

v1::Organization ValidCell() {
  v1::Organization org;
  org.set_display_name("Chi bộ Khu phố 3");
  org.set_level(v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL);
  org.set_category(v1::CELL_CATEGORY_RESIDENTIAL);
  org.set_parent("organizations/2");
  org.set_external_code("LS-KP3");
  return org;
}

void ExpectInvalid(const absl::Status& s, absl::string_view field) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find(field), std::string::npos) << s;
}

TEST(ValidateNewOrganization, AcceptsAValidCell) {
  EXPECT_TRUE(ValidateNewOrganization(ValidCell()).ok());
}

TEST(ValidateNewOrganization, NamesTheBadField) {
  v1::Organization org = ValidCell();
  org.set_display_name("  ");
  ExpectInvalid(ValidateNewOrganization(org), "organization.display_name");

  org = ValidCell();
  org.set_display_name(std::string(501, 'a'));
  ExpectInvalid(ValidateNewOrganization(org), "organization.display_name");

  org = ValidCell();
  org.set_external_code("bad code!");
  ExpectInvalid(ValidateNewOrganization(org), "organization.external_code");

  org = ValidCell();
  org.clear_level();
  ExpectInvalid(ValidateNewOrganization(org), "organization.level");

  org = ValidCell();
  org.clear_category();
  ExpectInvalid(ValidateNewOrganization(org), "organization.category");

  org = ValidCell();
  org.set_parent("orgs/2");
  ExpectInvalid(ValidateNewOrganization(org), "organization.parent");

  org = ValidCell();
  org.set_valid_from("2025-02-30");
  ExpectInvalid(ValidateNewOrganization(org), "organization.valid_from");

  org = ValidCell();
  org.set_valid_from("2025-02-01");
  org.set_valid_to("2025-01-01");
  ExpectInvalid(ValidateNewOrganization(org), "organization.valid_to");
}

TEST(ValidateUpdateMask, RequiresKnownPaths) {
  google::protobuf::FieldMask mask;
  ExpectInvalid(ValidateUpdateMask(mask, {"display_name"}), "update_mask");
  mask.add_paths("parent");
  ExpectInvalid(ValidateUpdateMask(mask, {"display_name"}), "update_mask");
  mask.Clear();
  mask.add_paths("display_name");
  EXPECT_TRUE(ValidateUpdateMask(mask, {"display_name"}).ok());
}

TEST(ValidateNewMember, ChecksIdentityNumbers) {
  v1::Member m;
  m.set_display_name("Nguyễn Văn An");
  m.set_citizen_id("001203004567");
  m.set_party_card_number("12345678");
  m.set_birth_date("1980-05-17");
  EXPECT_TRUE(ValidateNewMember(m).ok());
  m.set_citizen_id("12345");
  ExpectInvalid(ValidateNewMember(m), "member.citizen_id");
  m.set_citizen_id("");
  m.set_party_card_number("AB12");
  ExpectInvalid(ValidateNewMember(m), "member.party_card_number");
  m.set_party_card_number("");
  m.set_birth_date("2999-01-01");
  ExpectInvalid(ValidateNewMember(m), "member.birth_date");
  m.set_birth_date("");
  m.set_display_name("");
  ExpectInvalid(ValidateNewMember(m), "member.display_name");
}

TEST(ValidateOrganizationRow, RequiresTheExternalCode) {
  v1::OrganizationRow row;
  row.set_display_name("Chi bộ A");
  row.set_level(v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL);
  row.set_category(v1::CELL_CATEGORY_ENTERPRISE);
  ExpectInvalid(ValidateOrganizationRow(row), "external_code");
  row.set_external_code("A1");
  EXPECT_TRUE(ValidateOrganizationRow(row).ok());
}

}  // namespace
}  // namespace chibo::registry
