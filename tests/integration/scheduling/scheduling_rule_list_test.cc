// ListMeetingRules through the real scheduling and registry servers:
// what an organisation set, in order, paged, with bad input named.

#include <set>

#include "absl/strings/str_cat.h"
#include "tests/integration/scheduling/scheduling_fixture.h"

namespace chibo::scheduling {
namespace {

class ListRulesTest : public SchedulingTest {
 protected:
  grpc::Status List(const std::string& organization, int page_size,
                    const std::string& token,
                    v1::ListMeetingRulesResponse* out) {
    v1::ListMeetingRulesRequest request;
    request.set_organization(organization);
    request.set_page_size(page_size);
    request.set_page_token(token);
    return stub().ListMeetingRules(Context().get(), request, out);
  }
};

TEST_F(ListRulesTest, ListsTheRulesAnOrganisationSetWithTheirVersions) {
  Tree tree = MakeTree(0);
  const v1::MeetingRule subtree = MakeDayRule(tree.bloc, 5, "2020-01-01");
  const v1::MeetingRule category =
      MakeDayRule(tree.bloc, 10, "2021-01-01", v1::RULE_TARGET_CATEGORY,
                  registry::v1::CELL_CATEGORY_ENTERPRISE);
  const v1::MeetingRule own =
      MakeDayRule(tree.cell, 20, "2022-01-01", v1::RULE_TARGET_CELL);

  v1::ListMeetingRulesResponse bloc;
  ASSERT_TRUE(List(tree.bloc, 0, "", &bloc).ok());
  ASSERT_EQ(bloc.rules_size(), 2);
  EXPECT_EQ(bloc.next_page_token(), "");
  EXPECT_EQ(bloc.rules(0).name(), subtree.name());
  EXPECT_EQ(bloc.rules(0).organization(), tree.bloc);
  EXPECT_EQ(bloc.rules(0).target(), v1::RULE_TARGET_SUBTREE);
  ASSERT_EQ(bloc.rules(0).versions_size(), 1);
  EXPECT_EQ(bloc.rules(0).versions(0).day_of_month(), 5);
  EXPECT_EQ(bloc.rules(0).versions(0).effective_from(), "2020-01-01");
  EXPECT_EQ(bloc.rules(0).etag(), subtree.etag());
  EXPECT_EQ(bloc.rules(1).name(), category.name());
  EXPECT_EQ(bloc.rules(1).target(), v1::RULE_TARGET_CATEGORY);
  EXPECT_EQ(bloc.rules(1).category(), registry::v1::CELL_CATEGORY_ENTERPRISE);

  // The cell's own rule is listed under the cell, not under its committee;
  // the province set none.
  v1::ListMeetingRulesResponse cell;
  ASSERT_TRUE(List(tree.cell, 0, "", &cell).ok());
  ASSERT_EQ(cell.rules_size(), 1);
  EXPECT_EQ(cell.rules(0).name(), own.name());
  v1::ListMeetingRulesResponse province;
  ASSERT_TRUE(List(tree.province, 0, "", &province).ok());
  EXPECT_EQ(province.rules_size(), 0);

  // A revision shows in the list as a second version with a new etag.
  v1::ReviseMeetingRuleRequest revise;
  revise.set_name(subtree.name());
  revise.set_etag(subtree.etag());
  revise.mutable_version()->set_pattern(v1::DAY_PATTERN_DAY_OF_MONTH);
  revise.mutable_version()->set_day_of_month(7);
  revise.mutable_version()->set_effective_from("2024-01-01");
  v1::MeetingRule revised;
  ASSERT_TRUE(stub().ReviseMeetingRule(Context().get(), revise, &revised).ok());
  bloc.Clear();
  ASSERT_TRUE(List(tree.bloc, 0, "", &bloc).ok());
  ASSERT_EQ(bloc.rules_size(), 2);
  ASSERT_EQ(bloc.rules(0).versions_size(), 2);
  EXPECT_EQ(bloc.rules(0).versions(0).effective_to(), "2023-12-31");
  EXPECT_EQ(bloc.rules(0).versions(1).day_of_month(), 7);
  EXPECT_EQ(bloc.rules(0).etag(), revised.etag());
  EXPECT_NE(bloc.rules(0).etag(), subtree.etag());
}

TEST_F(ListRulesTest, PagesThroughEveryRuleOnce) {
  Tree tree = MakeTree(0);
  std::vector<std::string> made;
  for (int day = 1; day <= 5; ++day) {
    made.push_back(
        MakeDayRule(tree.bloc, day, absl::StrCat("202", day - 1, "-01-01"))
            .name());
  }
  std::vector<std::string> seen;
  std::string token;
  for (int page = 0; page < 10; ++page) {
    v1::ListMeetingRulesResponse response;
    ASSERT_TRUE(List(tree.bloc, 2, token, &response).ok());
    EXPECT_LE(response.rules_size(), 2);
    for (const auto& rule : response.rules()) seen.push_back(rule.name());
    token = response.next_page_token();
    if (token.empty()) break;
  }
  EXPECT_EQ(seen, made);

  // A token is bound to its organisation; garbage is refused.
  v1::ListMeetingRulesResponse first;
  ASSERT_TRUE(List(tree.bloc, 2, "", &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());
  v1::ListMeetingRulesResponse out;
  ExpectError(List(tree.cell, 2, first.next_page_token(), &out),
              grpc::StatusCode::INVALID_ARGUMENT, "page_token");
  ExpectError(List(tree.bloc, 2, "not-a-token", &out),
              grpc::StatusCode::INVALID_ARGUMENT, "page_token");
  ExpectError(List(tree.bloc, -1, "", &out), grpc::StatusCode::INVALID_ARGUMENT,
              "page_size");
}

TEST_F(ListRulesTest, BadOrganisationNamesTheField) {
  v1::ListMeetingRulesResponse out;
  ExpectError(List("", 0, "", &out), grpc::StatusCode::INVALID_ARGUMENT,
              "organization: is required");
  for (const char* bad :
       {"meetingRules/1", "organizations/abc", "organizations/0", "12"}) {
    ExpectError(List(bad, 0, "", &out), grpc::StatusCode::INVALID_ARGUMENT,
                "organization: must be organizations/{id}");
  }
}

TEST_F(ListRulesTest, ListsFromSchedulingsOwnTablesWhileTheRegistryIsDown) {
  Tree tree = MakeTree(0);
  const v1::MeetingRule rule = MakeDayRule(tree.bloc, 15, "2020-01-01");
  StopRegistry();
  v1::ListMeetingRulesResponse listed;
  grpc::Status status = List(tree.bloc, 0, "", &listed);
  StartRegistry();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(listed.rules_size(), 1);
  EXPECT_EQ(listed.rules(0).name(), rule.name());
}

}  // namespace
}  // namespace chibo::scheduling
