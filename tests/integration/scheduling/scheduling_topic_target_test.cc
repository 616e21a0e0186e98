// Mandated topics with explicit targets (seed 001: the bloc's
// administrative agencies and public service units, not its enterprises).

#include <string>

#include "absl/strings/str_format.h"
#include "tests/integration/scheduling/scheduling_fixture.h"

namespace chibo::scheduling {
namespace {

using registry::v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY;
using registry::v1::CELL_CATEGORY_ENTERPRISE;
using registry::v1::CELL_CATEGORY_PUBLIC_SERVICE_UNIT;

class TopicTargetTest : public SchedulingTest {};

TEST_F(TopicTargetTest, PlanCompletionCountsOnlyTheTargetedCells) {
  Tree tree = MakeTree(1);  // tree.cell: an administrative agency
  const std::string unit =
      MakeCellUnder(tree.bloc, CELL_CATEGORY_PUBLIC_SERVICE_UNIT);
  const std::string enterprise =
      MakeCellUnder(tree.bloc, CELL_CATEGORY_ENTERPRISE);
  const int y = LastYear();
  MakeDayRule(tree.bloc, 10, absl::StrFormat("%04d-01-01", y));

  v1::CreateTopicRequest mandate;
  mandate.mutable_topic()->set_organization(tree.bloc);
  mandate.mutable_topic()->set_year(y);
  mandate.mutable_topic()->set_title("Tự soi, tự sửa");
  mandate.mutable_topic()->set_planned_month(10);
  mandate.mutable_topic()->add_target_categories(
      CELL_CATEGORY_ADMINISTRATIVE_AGENCY);
  mandate.mutable_topic()->add_target_categories(
      CELL_CATEGORY_PUBLIC_SERVICE_UNIT);
  v1::Topic topic;
  ASSERT_TRUE(stub().CreateTopic(Context().get(), mandate, &topic).ok());
  ASSERT_EQ(topic.target_categories_size(), 2);

  // The enterprise cell's plan does not hold it; the agency's does.
  auto plan_size = [&](const std::string& cell) {
    v1::ListTopicsRequest list;
    list.set_organization(cell);
    list.set_year(y);
    v1::ListTopicsResponse topics;
    EXPECT_TRUE(stub().ListTopics(Context().get(), list, &topics).ok());
    return topics.topics_size();
  };
  EXPECT_EQ(plan_size(tree.cell), 1);
  EXPECT_EQ(plan_size(enterprise), 0);

  // The agency holds it in October.
  const std::vector<v1::Meeting> october =
      Meetings(tree.cell, absl::StrFormat("%04d-10-01", y),
               absl::StrFormat("%04d-10-31", y));
  ASSERT_EQ(october.size(), 1u);
  v1::MeetingRecord record =
      RecordRequest(tree.cell, october[0].nominal_date(),
                    october[0].scheduled_date() + "T14:00", 130, tree.members);
  record.set_kind(v1::MEETING_KIND_COMBINED);
  record.add_topics(topic.name());
  v1::MeetingRecord out;
  grpc::Status status = Record(record, &out);
  ASSERT_TRUE(status.ok()) << status.error_message();

  v1::GetPlanCompletionRequest request;
  request.set_organization(tree.bloc);
  request.set_year(y);
  v1::PlanCompletion plan;
  ASSERT_TRUE(stub().GetPlanCompletion(Context().get(), request, &plan).ok());
  EXPECT_EQ(plan.cells(), 3);
  ASSERT_EQ(plan.mandated_size(), 1);
  EXPECT_EQ(plan.mandated(0).cells(), 2);  // not the enterprise
  EXPECT_EQ(plan.mandated(0).cells_held(), 1);
  EXPECT_DOUBLE_EQ(plan.mandated(0).completion_rate(), 0.5);
  EXPECT_EQ(plan.topics_planned(), 2);
  EXPECT_EQ(plan.topics_held(), 1);

  // An unknown category, and targets on a cell's own topic.
  v1::CreateTopicRequest unknown = mandate;
  unknown.mutable_topic()->set_target_categories(1, 9);
  ExpectError(stub().CreateTopic(Context().get(), unknown, &topic),
              grpc::StatusCode::INVALID_ARGUMENT,
              "topic.target_categories[1]: 9 is not a cell category");
  v1::CreateTopicRequest own = mandate;
  own.mutable_topic()->set_organization(tree.cell);
  ExpectError(stub().CreateTopic(Context().get(), own, &topic),
              grpc::StatusCode::INVALID_ARGUMENT,
              "topic.target_categories[0]: only a committee's");
}

}  // namespace
}  // namespace chibo::scheduling
