// chibo-datagen at a CI size against a registry and a scheduling server
// (in process, real MariaDB, scheduling asking this registry): the first
// run loads organisations, members, holidays, rules, topics and records;
// a second run with the same seed changes nothing, so neither feed moves.

#include <memory>

#include "chibo/feed/v1/feed.grpc.pb.h"
#include "common/testing/test_service.h"
#include "gtest/gtest.h"
#include "services/registry/registry_definition.h"
#include "services/scheduling/scheduling_definition.h"
#include "tools/datagen/datagen.h"

namespace chibo::datagen {
namespace {

int64_t Head(testing::TestService& service) {
  auto feed = feed::v1::ChangeFeedService::NewStub(service.channel());
  grpc::ClientContext context;
  feed::v1::ListChangesRequest request;
  request.set_page_size(1);
  feed::v1::ListChangesResponse page;
  EXPECT_TRUE(feed->ListChanges(&context, request, &page).ok());
  return page.head_sequence();
}

TEST(DatagenSmokeTest, SecondRunWithTheSameSeedChangesNothing) {
  auto registry = testing::TestService::Start(registry::RegistryDefinition());
  ASSERT_TRUE(registry.ok()) << registry.status();
  testing::TestServiceOptions options;
  options.peer_ports["registry"] = (*registry)->port();
  auto scheduling = testing::TestService::Start(
      scheduling::SchedulingDefinition(), std::move(options));
  ASSERT_TRUE(scheduling.ok()) << scheduling.status();

  DatagenOptions run;
  run.registry_address = absl::StrCat("127.0.0.1:", (*registry)->port());
  run.scheduling_address = absl::StrCat("127.0.0.1:", (*scheduling)->port());
  run.seed = 7;
  run.scale = 0.003;
  run.threads = 4;
  absl::StatusOr<DatagenReport> first = RunDatagen(run);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->errors.empty()) << first->ToJson();
  EXPECT_EQ(first->cells, 9) << first->ToJson();
  EXPECT_GT(first->organizations.created, first->cells);
  EXPECT_GT(first->members.created, 8 * first->cells);
  EXPECT_EQ(first->rules_created, 3);
  EXPECT_GT(first->calendars_set, 0);
  EXPECT_GE(first->topics_created, 4);
  EXPECT_GT(first->records, 9 * first->cells);
  const int64_t registry_head = Head(**registry);
  const int64_t scheduling_head = Head(**scheduling);

  absl::StatusOr<DatagenReport> second = RunDatagen(run);
  ASSERT_TRUE(second.ok()) << second.status();
  // The bulk calls carry the first run's request_ids, so they answer with
  // the stored results; what proves that nothing changed is the feeds.
  EXPECT_TRUE(second->errors.empty()) << second->ToJson();
  EXPECT_EQ(second->rules_created + second->topics_created, 0)
      << second->ToJson();
  EXPECT_EQ(Head(**registry), registry_head);
  EXPECT_EQ(Head(**scheduling), scheduling_head);
}

}  // namespace
}  // namespace chibo::datagen
