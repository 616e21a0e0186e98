// A service calling another carries its own identity, the end user as
// on-behalf-of (into the callee's audit trail) and the caller's deadline.

#include "common/auth/service_identity.h"

#include "absl/time/clock.h"
#include "chibo/feed/v1/feed.grpc.pb.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/auth/auth_fixture.h"

namespace chibo::auth {
namespace {

TEST(ServiceIdentityTest, DownstreamWritesRecordTheEndUser) {
  auto servers = SecuredServers::Start();
  ASSERT_TRUE(servers.ok()) << servers.status();
  ServiceIdentity scheduling("scheduling", (*servers)->keys());

  CallContext upstream;
  upstream.caller = {
      "user:lan.nguyen", "committee_office", "organizations/1", "", {}, {}};
  upstream.deadline = absl::Now() + absl::Seconds(7);
  upstream.request_id = "req-77";
  auto context = scheduling.ContextFor(upstream);
  ASSERT_TRUE(context.ok()) << context.status();
  const absl::Duration left =
      absl::FromChrono((*context)->deadline()) - absl::Now();
  EXPECT_LE(left, absl::Seconds(7));
  EXPECT_GT(left, absl::Seconds(5));

  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*servers)->port()),
                          grpc::InsecureChannelCredentials());
  auto registry = registry::v1::RegistryService::NewStub(channel);
  registry::v1::UpdateOrganizationRequest update;
  update.mutable_organization()->set_name(
      (*servers)->a().by_collection.at("organizations"));
  update.mutable_organization()->set_display_name("Chi bộ Công ty (mới)");
  update.mutable_update_mask()->add_paths("display_name");
  registry::v1::Organization out;
  grpc::Status status =
      registry->UpdateOrganization(context->get(), update, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();

  auto feed = feed::v1::ChangeFeedService::NewStub(channel);
  grpc::ClientContext admin;
  admin.AddMetadata("authorization",
                    "Bearer " + (*servers)->Token("system_admin", "*"));
  feed::v1::ListChangesRequest request;
  request.set_subject("service:scheduling");
  feed::v1::ListChangesResponse changes;
  ASSERT_TRUE(feed->ListChanges(&admin, request, &changes).ok());
  ASSERT_EQ(changes.changes_size(), 1);
  EXPECT_EQ(changes.changes(0).role(), "service");
  EXPECT_EQ(changes.changes(0).on_behalf_of(), "user:lan.nguyen");
  EXPECT_EQ(changes.changes(0).action(), "updated");
}

}  // namespace
}  // namespace chibo::auth
