#ifndef CHIBO_TESTS_INTEGRATION_SCHEDULING_SCHEDULING_FIXTURE_H_
#define CHIBO_TESTS_INTEGRATION_SCHEDULING_SCHEDULING_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "chibo/feed/v1/feed.grpc.pb.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "chibo/scheduling/v1/scheduling.grpc.pb.h"
#include "common/testing/expect_status.h"
#include "common/testing/test_db.h"
#include "common/testing/test_service.h"
#include "common/testing/tree_builder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chibo::scheduling {

using chibo::testing::ExpectError;

// A real registry and a real scheduling server (TestServices of their
// definitions, insecure-dev), each on port 0 over its own fresh schema of
// the test MariaDB; scheduling asks the registry over gRPC as in
// production. Each test builds its own part of the tree.
class SchedulingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static std::unique_ptr<grpc::ClientContext> Context();
  static std::string Code(const std::string& prefix);

  struct Tree {
    std::string province;
    std::string bloc;
    std::string cell;
    std::vector<std::string> members;
  };
  // province > bloc > cell (category administrative agency) with `members`
  // full members who joined in 2020.
  Tree MakeTree(int members,
                registry::v1::CellCategory category =
                    registry::v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY);
  std::string MakeCellUnder(const std::string& parent,
                            registry::v1::CellCategory category);
  // Any organisation under `parent` (a committee, a subordinate cell).
  std::string MakeOrganizationUnder(
      const std::string& parent, registry::v1::OrganizationLevel level,
      registry::v1::CellCategory category =
          registry::v1::CELL_CATEGORY_UNSPECIFIED);
  std::string MakeMember(
      const std::string& cell,
      registry::v1::MemberStatus status = registry::v1::MEMBER_STATUS_FULL);

  // A day-N rule set by `organization` for its subtree from `from`.
  v1::MeetingRule MakeDayRule(const std::string& organization, int day,
                              const std::string& from,
                              v1::RuleTarget target = v1::RULE_TARGET_SUBTREE,
                              int category = 0);
  // The cell's meetings over [from, to].
  std::vector<v1::Meeting> Meetings(const std::string& organization,
                                    const std::string& from,
                                    const std::string& to);
  // A record of a meeting held from `start` ("YYYY-MM-DDTHH:MM") for
  // `minutes`, everyone present unless `marks` says otherwise.
  v1::MeetingRecord RecordRequest(
      const std::string& cell, const std::string& nominal_date,
      const std::string& start, int minutes,
      const std::vector<std::string>& members,
      const std::vector<v1::AttendanceMark>& marks = {});
  grpc::Status Record(const v1::MeetingRecord& record, v1::MeetingRecord* out,
                      const std::string& request_id = "");

  // Stops the registry (and brings it back): for outage tests.
  static void StopRegistry();
  static void StartRegistry();

  static registry::v1::RegistryService::Stub& registry() { return *registry_; }
  static v1::SchedulingService::Stub& stub() { return *stub_; }
  // Scheduling's own change feed, served beside it.
  static feed::v1::ChangeFeedService::Stub& feed() { return *feed_; }
  static testing::TestDatabase& db() { return scheduling_->db(); }

  // Last year and next year in Vietnam: records must lie in the past,
  // postponements in the future.
  static int LastYear();
  static int NextYear();

 private:
  static std::unique_ptr<testing::TestService> registry_server_;
  static std::unique_ptr<testing::TestService> scheduling_;
  static std::unique_ptr<testing::TreeBuilder> tree_;
  static std::unique_ptr<registry::v1::RegistryService::Stub> registry_;
  static std::unique_ptr<v1::SchedulingService::Stub> stub_;
  static std::unique_ptr<feed::v1::ChangeFeedService::Stub> feed_;
};

}  // namespace chibo::scheduling

#endif  // CHIBO_TESTS_INTEGRATION_SCHEDULING_SCHEDULING_FIXTURE_H_
