// Who may backfill a postponement (issue 11, item 1), with real signed
// tokens: a cell secretary and a committee office are refused as any other
// role refusal is (PERMISSION_DENIED) and write nothing, even inside their
// own scope; an integration system and a system admin record it with its
// real report time. A backfill without report_time names the field.

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "chibo/scheduling/v1/scheduling.grpc.pb.h"
#include "common/dates.h"
#include "common/testing/expect_status.h"
#include "gtest/gtest.h"
#include "tests/integration/auth/auth_fixture.h"

namespace chibo::auth {
namespace {

using chibo::testing::ExpectError;

class BackfillRoleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto servers = SecuredServers::Start();
    ASSERT_TRUE(servers.ok()) << servers.status();
    servers_ = *std::move(servers);
    stub_ = scheduling::v1::SchedulingService::NewStub(grpc::CreateChannel(
        absl::StrCat(
            "127.0.0.1:",
            servers_->PortFor("chibo.scheduling.v1.SchedulingService")),
        grpc::InsecureChannelCredentials()));
  }
  static void TearDownTestSuite() {
    stub_.reset();
    servers_.reset();
  }

  // Province A's cell has a day-5 rule from 2020 (the fixture's): a
  // backfill of the `month` 2023 meeting, held on the 15th and reported on
  // the 10th, after its day.
  static scheduling::v1::PostponeMeetingRequest Backfill(int month) {
    scheduling::v1::PostponeMeetingRequest request;
    request.set_cell(Cell());
    request.set_nominal_date(absl::StrFormat("2023-%02d-05", month));
    request.set_new_date(absl::StrFormat("2023-%02d-15", month));
    request.set_reason("Trùng lịch hội nghị của tỉnh");
    request.set_backfill(true);
    const absl::Time reported = absl::FromCivil(
        absl::CivilMinute(2023, month, 10, 9, 0), VietnamTimeZone());
    request.mutable_report_time()->set_seconds(absl::ToUnixSeconds(reported));
    return request;
  }

  static const std::string& Cell() {
    return servers_->a().by_collection.at("organizations");
  }

  static int64_t Postponements() {
    auto count = servers_->scheduling_db().QueryInt(
        "SELECT COUNT(*) FROM postponements");
    EXPECT_TRUE(count.ok()) << count.status();
    return count.value_or(-1);
  }

  static std::unique_ptr<SecuredServers> servers_;
  static std::unique_ptr<scheduling::v1::SchedulingService::Stub> stub_;
};

std::unique_ptr<SecuredServers> BackfillRoleTest::servers_;
std::unique_ptr<scheduling::v1::SchedulingService::Stub>
    BackfillRoleTest::stub_;

TEST_F(BackfillRoleTest, SecretaryAndOfficeAreRefusedAndWriteNothing) {
  const int64_t before = Postponements();
  scheduling::v1::Postponement out;
  // Both are in scope (the cell itself, the bloc above it): only the
  // backfill flag refuses them.
  for (const auto& [role, scope] :
       {std::pair<std::string, std::string>{"cell_secretary", Cell()},
        {"committee_office", servers_->a().bloc}}) {
    SCOPED_TRACE(role);
    const std::string token = servers_->Token(role, scope);
    ExpectError(stub_->PostponeMeeting(As(token).get(), Backfill(3), &out),
                grpc::StatusCode::PERMISSION_DENIED,
                "backfill: only an integration system or a system admin");
    // With a request id too, and without a report time: still the role.
    scheduling::v1::PostponeMeetingRequest bare = Backfill(3);
    bare.clear_report_time();
    bare.set_request_id(absl::StrCat("refused-", role));
    ExpectError(stub_->PostponeMeeting(As(token).get(), bare, &out),
                grpc::StatusCode::PERMISSION_DENIED, "backfill");
  }
  EXPECT_EQ(Postponements(), before);
}

TEST_F(BackfillRoleTest, IntegrationAndAdminRecordIt) {
  const int64_t before = Postponements();
  int month = 4;
  for (const auto& [role, scope] :
       {std::pair<std::string, std::string>{
            "integration", servers_->a().by_collection.at("province")},
        {"system_admin", "*"}}) {
    SCOPED_TRACE(role);
    const std::string token = servers_->Token(role, scope, "test:" + role);
    scheduling::v1::Postponement out;
    grpc::Status status =
        stub_->PostponeMeeting(As(token).get(), Backfill(month), &out);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(out.reported_late());
    EXPECT_EQ(out.previous_date(), absl::StrFormat("2023-%02d-05", month));
    EXPECT_EQ(out.report_time().seconds(),
              Backfill(month).report_time().seconds());
    EXPECT_EQ(out.reported_by(), "test:" + role);
    ++month;
  }
  EXPECT_EQ(Postponements(), before + 2);
}

TEST_F(BackfillRoleTest, ABackfillWithoutReportTimeNamesTheField) {
  const int64_t before = Postponements();
  for (const auto& [role, scope] :
       {std::pair<std::string, std::string>{
            "integration", servers_->a().by_collection.at("province")},
        {"system_admin", "*"}}) {
    SCOPED_TRACE(role);
    scheduling::v1::PostponeMeetingRequest bare = Backfill(6);
    bare.clear_report_time();
    scheduling::v1::Postponement out;
    ExpectError(stub_->PostponeMeeting(As(servers_->Token(role, scope)).get(),
                                       bare, &out),
                grpc::StatusCode::INVALID_ARGUMENT,
                "report_time: is required for a backfill");
  }
  EXPECT_EQ(Postponements(), before);
}

}  // namespace
}  // namespace chibo::auth
