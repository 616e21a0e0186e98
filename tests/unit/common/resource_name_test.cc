#include "common/resource_name.h"

#include "gtest/gtest.h"

namespace chibo {
namespace {

TEST(ResourceName, ParsesPositiveIds) {
  EXPECT_EQ(*ParseResourceId("organizations/42", "organizations", "name"), 42);
  EXPECT_EQ(ResourceName("members", 7), "members/7");
}

TEST(ResourceName, RejectsEverythingElseNamingTheField) {
  for (const char* bad :
       {"", "organizations/", "organizations/0", "organizations/-1",
        "organizations/+1", "organizations/01", "members/1",
        "organizations/1/x", "organizations/99999999999999999999",
        "organizations/1 "}) {
    auto id = ParseResourceId(bad, "organizations", "parent");
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(id.status().message().rfind("parent:", 0), 0u) << bad;
  }
}

TEST(ResourceName, OptionalAllowsEmpty) {
  EXPECT_EQ(*ParseOptionalResourceId("", "organizations", "parent"), 0);
}

}  // namespace
}  // namespace chibo
