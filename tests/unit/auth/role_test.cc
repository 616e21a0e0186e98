#include "common/auth/role.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chibo::auth {
namespace {

using ::testing::HasSubstr;

constexpr Role kAllRoles[] = {Role::kSystemAdmin,   Role::kCommitteeOffice,
                              Role::kCellSecretary, Role::kCadre,
                              Role::kIntegration,   Role::kViewer,
                              Role::kService};

TEST(RoleTest, NamesAreStable) {
  EXPECT_EQ(RoleName(Role::kSystemAdmin), "system_admin");
  EXPECT_EQ(RoleName(Role::kCommitteeOffice), "committee_office");
  EXPECT_EQ(RoleName(Role::kCellSecretary), "cell_secretary");
  EXPECT_EQ(RoleName(Role::kCadre), "cadre");
  EXPECT_EQ(RoleName(Role::kIntegration), "integration");
  EXPECT_EQ(RoleName(Role::kViewer), "viewer");
  EXPECT_EQ(RoleName(Role::kService), "service");
}

TEST(RoleTest, ParseRoundTrips) {
  for (Role role : kAllRoles) {
    absl::StatusOr<Role> parsed = ParseRole(RoleName(role));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, role);
  }
}

TEST(RoleTest, ParseRejectsUnknownNames) {
  for (absl::string_view name :
       {"", "admin", "System_Admin", "VIEWER", " viewer", "viewer ",
        "service\n", "system-admin"}) {
    absl::StatusOr<Role> parsed = ParseRole(name);
    ASSERT_FALSE(parsed.ok()) << name;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("unknown role"));
    EXPECT_THAT(parsed.status().message(),
                HasSubstr("system_admin, committee_office, cell_secretary, "
                          "cadre, integration, viewer, service"));
  }
}

TEST(ScopeTest, OrganizationScopeIsValidForEveryRole) {
  for (Role role : kAllRoles) {
    EXPECT_TRUE(ValidateScope(role, "organizations/12").ok()) << RoleName(role);
    EXPECT_TRUE(ValidateScope(role, "organizations/1").ok());
    EXPECT_TRUE(ValidateScope(role, "organizations/9223372036854775807").ok());
  }
}

TEST(ScopeTest, GlobalScopeOnlyForSystemAdminAndService) {
  EXPECT_TRUE(ValidateScope(Role::kSystemAdmin, "*").ok());
  EXPECT_TRUE(ValidateScope(Role::kService, "*").ok());
  for (Role role : {Role::kCommitteeOffice, Role::kCellSecretary, Role::kCadre,
                    Role::kIntegration, Role::kViewer}) {
    const absl::Status status = ValidateScope(role, "*");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << RoleName(role);
    EXPECT_THAT(status.message(),
                HasSubstr("allowed only for system_admin and service"));
    EXPECT_THAT(status.message(), HasSubstr(RoleName(role)));
  }
}

TEST(ScopeTest, RejectsMalformedScopes) {
  for (absl::string_view scope :
       {"organizations/", "organizations/0", "organizations/012",
        "organizations/-1", "organizations/+1", "organizations/12/",
        "organizations/1a", "organizations/ 1", "Organizations/1",
        "organization/1", "meetings/7", "organizations/12/members/3",
        "organizations/9223372036854775808", "**", " *", "organizations",
        "12"}) {
    const absl::Status status = ValidateScope(Role::kSystemAdmin, scope);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << scope;
    EXPECT_THAT(status.message(), HasSubstr("organizations/{id}")) << scope;
  }
  EXPECT_THAT(ValidateScope(Role::kViewer, "").message(),
              HasSubstr("scope is empty"));
}

}  // namespace
}  // namespace chibo::auth
