// Writes decide scope on fresh ancestry (issue 9, item 2): with the scope
// cache production runs (TestServiceOptions::production_scope_cache), a
// write that names an organisation moved out of the caller's scope is
// refused at once after the move is acknowledged, in the registry and in
// scheduling, even though the caller's reads had just cached the old
// ancestry.

#include "absl/strings/str_cat.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "chibo/scheduling/v1/scheduling.grpc.pb.h"
#include "common/testing/tree_builder.h"
#include "gtest/gtest.h"
#include "tests/integration/auth/auth_fixture.h"

namespace chibo::auth {
namespace {

std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
  return context;
}

TEST(MoveScopeTest, WritesAfterAMoveOutOfScopeAreRefusedAtOnce) {
  auto started = SecuredServers::Start(nullptr, {}, true);
  ASSERT_TRUE(started.ok()) << started.status();
  SecuredServers& servers = **started;
  auto registry = registry::v1::RegistryService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", servers.port()),
                          grpc::InsecureChannelCredentials()));
  auto scheduling =
      scheduling::v1::SchedulingService::NewStub(grpc::CreateChannel(
          absl::StrCat(
              "127.0.0.1:",
              servers.PortFor("chibo.scheduling.v1.SchedulingService")),
          grpc::InsecureChannelCredentials()));
  const std::string admin = servers.Token("system_admin", "*");
  const std::string office =
      servers.Token("committee_office", servers.a().bloc);
  const std::string cell = servers.a().by_collection.at("organizations");
  // Moves stay within a province: a second bloc of A, outside the office's.
  testing::TreeBuilder tree(registry.get(), "MOVE-", admin);
  const registry::v1::Organization other_bloc = tree.Organization(
      "Đảng ủy Khối khác", registry::v1::ORGANIZATION_LEVEL_BLOC,
      servers.a().by_collection.at("province"), "2020-01-01");
  ASSERT_FALSE(other_bloc.name().empty());

  for (int round = 0; round < 3; ++round) {
    // The office reads the cell in both services: its ancestry is cached.
    // After a move back (later rounds) a read may still be refused for up
    // to kReadStaleness: only the first round's reads must pass.
    registry::v1::GetOrganizationRequest get;
    get.set_name(cell);
    registry::v1::Organization org;
    grpc::Status read = registry->GetOrganization(As(office).get(), get, &org);
    scheduling::v1::ListMeetingRulesRequest rules;
    rules.set_organization(cell);
    scheduling::v1::ListMeetingRulesResponse listed;
    grpc::Status listed_status =
        scheduling->ListMeetingRules(As(office).get(), rules, &listed);
    if (round == 0) {
      ASSERT_TRUE(read.ok()) << read.error_message();
      ASSERT_TRUE(listed_status.ok()) << listed_status.error_message();
    }

    // The admin moves the cell out of the office's bloc.
    registry::v1::MoveOrganizationRequest move;
    move.set_name(cell);
    move.set_new_parent(other_bloc.name());
    registry::v1::Organization moved;
    grpc::Status status =
        registry->MoveOrganization(As(admin).get(), move, &moved);
    ASSERT_TRUE(status.ok()) << status.error_message();

    // At once, the office's writes naming the cell are refused.
    registry::v1::CreateMemberRequest member;
    member.set_cell(cell);
    member.mutable_member()->set_display_name("Đảng viên mới");
    member.set_status(registry::v1::MEMBER_STATUS_FULL);
    registry::v1::Member created;
    status = registry->CreateMember(As(office).get(), member, &created);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << "round " << round << ": CreateMember " << status.error_message();

    scheduling::v1::CreateMeetingRuleRequest rule;
    rule.mutable_rule()->set_organization(cell);
    rule.mutable_rule()->set_target(scheduling::v1::RULE_TARGET_CELL);
    scheduling::v1::MeetingRuleVersion* version =
        rule.mutable_rule()->add_versions();
    version->set_pattern(scheduling::v1::DAY_PATTERN_DAY_OF_MONTH);
    version->set_day_of_month(3);
    version->set_effective_from("2026-01-01");
    scheduling::v1::MeetingRule made;
    status = scheduling->CreateMeetingRule(As(office).get(), rule, &made);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << "round " << round << ": CreateMeetingRule "
        << status.error_message();

    // And back, for the next round.
    move.set_new_parent(servers.a().bloc);
    status = registry->MoveOrganization(As(admin).get(), move, &moved);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
}

}  // namespace
}  // namespace chibo::auth
