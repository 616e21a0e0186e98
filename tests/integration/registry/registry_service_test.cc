// The registry's organisation RPCs through a real gRPC server and MariaDB.

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "tests/integration/registry/registry_fixture.h"

namespace chibo::registry {
namespace {

using grpc::StatusCode;

TEST_F(RegistryTest, CreatesAndReadsAFourLevelTreeInVietnamese) {
  v1::Organization province =
      MakeOrg("Tỉnh ủy Lạng Sơn", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  v1::Organization bloc =
      MakeOrg("Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh",
              v1::ORGANIZATION_LEVEL_BLOC, province.name());
  v1::Organization committee =
      MakeOrg("Đảng bộ Sở Y tế", v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE,
              bloc.name());
  v1::Organization cell =
      MakeOrg("Chi bộ Phòng Nghiệp vụ", v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL,
              committee.name());
  EXPECT_TRUE(cell.is_cell());
  EXPECT_EQ(cell.province(), province.name());
  EXPECT_EQ(province.province(), province.name());

  v1::GetOrganizationRequest get;
  get.set_name(bloc.name());
  v1::Organization read;
  ASSERT_TRUE(stub().GetOrganization(Context().get(), get, &read).ok());
  EXPECT_EQ(read.display_name(),
            "Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh");
  EXPECT_EQ(read.parent(), province.name());
  EXPECT_FALSE(read.etag().empty());

  v1::ListOrganizationsRequest subtree;
  subtree.set_ancestor(bloc.name());
  v1::ListOrganizationsResponse listed;
  ASSERT_TRUE(stub().ListOrganizations(Context().get(), subtree, &listed).ok());
  ASSERT_EQ(listed.organizations_size(), 3);
  EXPECT_EQ(listed.organizations(2).name(), cell.name());

  subtree.set_cells_only(true);
  listed.Clear();
  ASSERT_TRUE(stub().ListOrganizations(Context().get(), subtree, &listed).ok());
  ASSERT_EQ(listed.organizations_size(), 1);
  EXPECT_EQ(listed.organizations(0).name(), cell.name());
}

TEST_F(RegistryTest, SearchIgnoresDiacritics) {
  v1::Organization province =
      MakeOrg("Tỉnh ủy Quảng Trị", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  MakeOrg("Đảng bộ Thị xã Quảng Trị", v1::ORGANIZATION_LEVEL_DISTRICT,
          province.name());
  v1::ListOrganizationsRequest request;
  request.set_ancestor(province.name());
  request.set_query("dang bo thi xa");
  v1::ListOrganizationsResponse response;
  ASSERT_TRUE(
      stub().ListOrganizations(Context().get(), request, &response).ok());
  ASSERT_EQ(response.organizations_size(), 1);
  EXPECT_EQ(response.organizations(0).display_name(),
            "Đảng bộ Thị xã Quảng Trị");
}

TEST_F(RegistryTest, PagesThroughChildren) {
  v1::Organization province =
      MakeOrg("Tỉnh ủy Tuyên Quang", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  for (int i = 0; i < 5; ++i) {
    MakeOrg(absl::StrCat("Đảng ủy xã ", i), v1::ORGANIZATION_LEVEL_COMMUNE,
            province.name());
  }
  v1::ListOrganizationsRequest request;
  request.set_parent(province.name());
  request.set_page_size(2);
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    v1::ListOrganizationsResponse response;
    ASSERT_TRUE(
        stub().ListOrganizations(Context().get(), request, &response).ok());
    for (const auto& org : response.organizations()) seen.push_back(org.name());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seen.size(), 5u);

  // A token is tied to its filters.
  request.set_parent("");
  v1::ListOrganizationsResponse response;
  ExpectError(stub().ListOrganizations(Context().get(), request, &response),
              StatusCode::INVALID_ARGUMENT, "page_token");
}

TEST_F(RegistryTest, BadInputNamesTheFieldOrResource) {
  v1::CreateOrganizationRequest create;
  v1::Organization out;
  ExpectError(stub().CreateOrganization(Context().get(), create, &out),
              StatusCode::INVALID_ARGUMENT, "organization");
  create.mutable_organization()->set_display_name("Chi bộ A");
  create.mutable_organization()->set_level(
      v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL);
  create.mutable_organization()->set_category(v1::CELL_CATEGORY_ENTERPRISE);
  create.mutable_organization()->set_parent("organizations/abc");
  ExpectError(stub().CreateOrganization(Context().get(), create, &out),
              StatusCode::INVALID_ARGUMENT, "organization.parent");
  create.mutable_organization()->set_parent("organizations/999999");
  ExpectError(stub().CreateOrganization(Context().get(), create, &out),
              StatusCode::NOT_FOUND, "organizations/999999");

  v1::Organization province =
      MakeOrg("Tỉnh ủy Lạng Sơn", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  create.mutable_organization()->set_level(
      v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL);
  create.mutable_organization()->set_parent(province.name());
  ExpectError(stub().CreateOrganization(Context().get(), create, &out),
              StatusCode::FAILED_PRECONDITION, "grassroots committee");

  v1::GetOrganizationRequest get;
  get.set_name("organizations/987654");
  ExpectError(stub().GetOrganization(Context().get(), get, &out),
              StatusCode::NOT_FOUND, "organizations/987654");
}

TEST_F(RegistryTest, DuplicateExternalCodeIsAlreadyExists) {
  v1::Organization province =
      MakeOrg("Tỉnh ủy Lạng Sơn", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  v1::CreateOrganizationRequest create;
  create.mutable_organization()->set_display_name("Tỉnh ủy khác");
  create.mutable_organization()->set_level(v1::ORGANIZATION_LEVEL_PROVINCE);
  create.mutable_organization()->set_external_code(province.external_code());
  v1::Organization out;
  ExpectError(stub().CreateOrganization(Context().get(), create, &out),
              StatusCode::ALREADY_EXISTS, province.name());
}

TEST_F(RegistryTest, RetriedCreateWithSameRequestIdCreatesOnce) {
  v1::CreateOrganizationRequest create;
  create.mutable_organization()->set_display_name("Tỉnh ủy Cao Bằng");
  create.mutable_organization()->set_level(v1::ORGANIZATION_LEVEL_PROVINCE);
  create.set_request_id(Code("req"));
  auto count = db().QueryInt("SELECT COUNT(*) FROM organizations");
  ASSERT_TRUE(count.ok());
  v1::Organization first, second;
  ASSERT_TRUE(stub().CreateOrganization(Context().get(), create, &first).ok());
  ASSERT_TRUE(stub().CreateOrganization(Context().get(), create, &second).ok());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(*db().QueryInt("SELECT COUNT(*) FROM organizations"), *count + 1);

  create.mutable_organization()->set_display_name("Tỉnh ủy Bắc Kạn");
  v1::Organization third;
  ExpectError(stub().CreateOrganization(Context().get(), create, &third),
              StatusCode::INVALID_ARGUMENT, "request_id");
}

TEST_F(RegistryTest, UpdateChecksMaskAndEtag) {
  v1::Organization province =
      MakeOrg("Tỉnh ủy Lạng Sơn", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  v1::UpdateOrganizationRequest update;
  *update.mutable_organization() = province;
  update.mutable_organization()->set_display_name("Tỉnh ủy Lạng Sơn (mới)");
  v1::Organization out;
  ExpectError(stub().UpdateOrganization(Context().get(), update, &out),
              StatusCode::INVALID_ARGUMENT, "update_mask");
  update.mutable_update_mask()->add_paths("parent");
  ExpectError(stub().UpdateOrganization(Context().get(), update, &out),
              StatusCode::INVALID_ARGUMENT, "MoveOrganization");
  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("display_name");
  ASSERT_TRUE(stub().UpdateOrganization(Context().get(), update, &out).ok());
  EXPECT_EQ(out.display_name(), "Tỉnh ủy Lạng Sơn (mới)");
  EXPECT_NE(out.etag(), province.etag());
  // The first etag is stale now.
  ExpectError(stub().UpdateOrganization(Context().get(), update, &out),
              StatusCode::ABORTED, province.name());
}

TEST_F(RegistryTest, DeleteRefusesWhileChildrenExist) {
  v1::Organization province =
      MakeOrg("Tỉnh ủy Lạng Sơn", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  v1::Organization bloc =
      MakeOrg("Đảng ủy Khối", v1::ORGANIZATION_LEVEL_BLOC, province.name());
  v1::DeleteOrganizationRequest del;
  del.set_name(province.name());
  google::protobuf::Empty empty;
  ExpectError(stub().DeleteOrganization(Context().get(), del, &empty),
              StatusCode::FAILED_PRECONDITION, "child");
  del.set_name(bloc.name());
  del.set_etag("\"99\"");
  ExpectError(stub().DeleteOrganization(Context().get(), del, &empty),
              StatusCode::ABORTED, bloc.name());
  del.set_etag(bloc.etag());
  ASSERT_TRUE(stub().DeleteOrganization(Context().get(), del, &empty).ok());
  v1::GetOrganizationRequest get;
  get.set_name(bloc.name());
  v1::Organization out;
  ExpectError(stub().GetOrganization(Context().get(), get, &out),
              StatusCode::NOT_FOUND, bloc.name());
}

TEST_F(RegistryTest, MovingASubtreeKeepsHistory) {
  // 2020: district > commune committee > cell. The 2025 merger moves the
  // committee straight under the province.
  v1::Organization province = MakeOrg(
      "Tỉnh ủy Lạng Sơn", v1::ORGANIZATION_LEVEL_PROVINCE, "", "2020-01-01");
  v1::Organization district =
      MakeOrg("Huyện ủy Cao Lộc", v1::ORGANIZATION_LEVEL_DISTRICT,
              province.name(), "2020-01-01");
  v1::Organization committee = MakeOrg(
      "Đảng bộ xã Hợp Thành", v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE,
      district.name(), "2020-01-01");
  v1::Organization cell =
      MakeOrg("Chi bộ thôn Nà Lừa", v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL,
              committee.name(), "2020-01-01", v1::CELL_CATEGORY_RESIDENTIAL);

  v1::MoveOrganizationRequest move;
  move.set_name(committee.name());
  move.set_new_parent(cell.name());
  move.set_effective_date("2025-07-01");
  v1::Organization moved;
  ExpectError(stub().MoveOrganization(Context().get(), move, &moved),
              StatusCode::FAILED_PRECONDITION, "parent");
  move.set_new_parent(province.name());
  move.set_effective_date("2019-01-01");
  ExpectError(stub().MoveOrganization(Context().get(), move, &moved),
              StatusCode::FAILED_PRECONDITION, "does not exist on 2019-01-01");
  move.set_effective_date("2099-01-01");
  ExpectError(stub().MoveOrganization(Context().get(), move, &moved),
              StatusCode::INVALID_ARGUMENT, "effective_date");
  move.set_effective_date("2025-07-01");
  move.set_request_id(Code("move"));
  ASSERT_TRUE(stub().MoveOrganization(Context().get(), move, &moved).ok());
  EXPECT_EQ(moved.parent(), province.name());
  v1::Organization again;
  ASSERT_TRUE(stub().MoveOrganization(Context().get(), move, &again).ok());
  EXPECT_EQ(again.etag(), moved.etag());

  v1::GetOrganizationAncestryRequest ancestry;
  ancestry.set_name(cell.name());
  ancestry.set_as_of_date("2024-12-31");
  v1::OrganizationAncestry before;
  ASSERT_TRUE(
      stub().GetOrganizationAncestry(Context().get(), ancestry, &before).ok());
  ASSERT_EQ(before.path_size(), 4);
  EXPECT_EQ(before.path(0).name(), province.name());
  EXPECT_EQ(before.path(1).name(), district.name());
  EXPECT_EQ(before.path(3).name(), cell.name());

  ancestry.set_as_of_date("2025-07-01");
  v1::OrganizationAncestry after;
  ASSERT_TRUE(
      stub().GetOrganizationAncestry(Context().get(), ancestry, &after).ok());
  ASSERT_EQ(after.path_size(), 3);
  EXPECT_EQ(after.path(1).name(), committee.name());

  v1::ListParentHistoryRequest history;
  history.set_name(committee.name());
  v1::ListParentHistoryResponse periods;
  ASSERT_TRUE(
      stub().ListParentHistory(Context().get(), history, &periods).ok());
  ASSERT_EQ(periods.periods_size(), 2);
  EXPECT_EQ(periods.periods(0).parent(), district.name());
  EXPECT_EQ(periods.periods(0).valid_to(), "2025-06-30");
  EXPECT_EQ(periods.periods(1).parent(), province.name());
  EXPECT_EQ(periods.periods(1).valid_to(), "");

  // The district's subtree as it stood in 2024 still holds the cell.
  v1::ListOrganizationsRequest old_subtree;
  old_subtree.set_ancestor(district.name());
  old_subtree.set_as_of_date("2024-06-01");
  v1::ListOrganizationsResponse listed;
  ASSERT_TRUE(
      stub().ListOrganizations(Context().get(), old_subtree, &listed).ok());
  EXPECT_EQ(listed.organizations_size(), 3);
  old_subtree.clear_as_of_date();
  listed.Clear();
  ASSERT_TRUE(
      stub().ListOrganizations(Context().get(), old_subtree, &listed).ok());
  EXPECT_EQ(listed.organizations_size(), 1);

  // No cycles.
  move.set_name(district.name());
  move.set_new_parent(committee.name());
  move.clear_request_id();
  move.clear_effective_date();
  ExpectError(stub().MoveOrganization(Context().get(), move, &moved),
              StatusCode::FAILED_PRECONDITION, "parent");
}

TEST_F(RegistryTest, BulkUpsertIsIdempotentWithPerRowResults) {
  const std::string root = Code("root");
  const std::string bloc = Code("bloc");
  const std::string cell = Code("cell");
  v1::BulkUpsertOrganizationsRequest request;
  auto* r = request.add_rows();
  r->set_external_code(root);
  r->set_display_name("Tỉnh ủy Lạng Sơn");
  r->set_level(v1::ORGANIZATION_LEVEL_PROVINCE);
  r = request.add_rows();
  r->set_external_code(bloc);
  r->set_display_name("Đảng ủy Khối");
  r->set_level(v1::ORGANIZATION_LEVEL_BLOC);
  r->set_parent_external_code(root);
  r = request.add_rows();
  r->set_external_code(cell);
  r->set_display_name("Chi bộ Văn phòng");
  r->set_level(v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL);
  r->set_category(v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY);
  r->set_parent_external_code(bloc);
  r = request.add_rows();
  r->set_external_code(Code("orphan"));
  r->set_display_name("Chi bộ mồ côi");
  r->set_level(v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL);
  r->set_category(v1::CELL_CATEGORY_OTHER);
  r->set_parent_external_code("NO-SUCH-CODE");

  v1::BulkUpsertOrganizationsResponse first;
  ASSERT_TRUE(
      stub().BulkUpsertOrganizations(Context().get(), request, &first).ok());
  ASSERT_EQ(first.results_size(), 4);
  EXPECT_EQ(first.results(0).action(), v1::UPSERT_ACTION_CREATED);
  EXPECT_EQ(first.results(2).action(), v1::UPSERT_ACTION_CREATED);
  EXPECT_EQ(first.results(3).action(), v1::UPSERT_ACTION_FAILED);
  EXPECT_NE(first.results(3).error().find("parent_external_code"),
            std::string::npos);

  v1::BulkUpsertOrganizationsResponse second;
  ASSERT_TRUE(
      stub().BulkUpsertOrganizations(Context().get(), request, &second).ok());
  EXPECT_EQ(second.results(0).action(), v1::UPSERT_ACTION_UNCHANGED);
  EXPECT_EQ(second.results(2).action(), v1::UPSERT_ACTION_UNCHANGED);
  EXPECT_EQ(second.results(2).organization(), first.results(2).organization());

  request.mutable_rows(2)->set_display_name("Chi bộ Văn phòng Tỉnh ủy");
  request.mutable_rows(2)->set_parent_external_code(root);
  v1::BulkUpsertOrganizationsResponse third;
  ASSERT_TRUE(
      stub().BulkUpsertOrganizations(Context().get(), request, &third).ok());
  EXPECT_EQ(third.results(2).action(), v1::UPSERT_ACTION_MOVED);
}

TEST_F(RegistryTest, EveryWriteLandsInTheChangeFeed) {
  feed::v1::ListChangesRequest latest;
  latest.set_after_sequence(0);
  latest.set_page_size(1000);
  feed::v1::ListChangesResponse before;
  ASSERT_TRUE(feed().ListChanges(Context().get(), latest, &before).ok());

  v1::Organization province =
      MakeOrg("Tỉnh ủy Hà Giang", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  feed::v1::ListChangesRequest request;
  request.set_after_sequence(before.last_sequence());
  feed::v1::ListChangesResponse changes;
  ASSERT_TRUE(feed().ListChanges(Context().get(), request, &changes).ok());
  ASSERT_GE(changes.changes_size(), 1);
  const feed::v1::Change& change = changes.changes(0);
  EXPECT_EQ(change.resource(), province.name());
  EXPECT_EQ(change.action(), "created");
  EXPECT_EQ(change.subject(), "dev:insecure");
  EXPECT_EQ(change.method(),
            "chibo.registry.v1.RegistryService/CreateOrganization");
  EXPECT_NE(change.payload_json().find("Hà Giang"), std::string::npos);

  // WatchChanges streams the next write as it commits.
  grpc::ClientContext watch_context;
  watch_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  feed::v1::WatchChangesRequest watch;
  watch.set_after_sequence(changes.last_sequence());
  auto reader = feed().WatchChanges(&watch_context, watch);
  MakeOrg("Tỉnh ủy Lào Cai", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  feed::v1::WatchChangesResponse streamed;
  ASSERT_TRUE(reader->Read(&streamed));
  EXPECT_EQ(streamed.change().action(), "created");
  EXPECT_GT(streamed.change().sequence(), changes.last_sequence());
  watch_context.TryCancel();
  reader->Finish();
}

TEST_F(RegistryTest, DatabaseOutageIsUnavailableQuickly) {
  MysqlOptions options = db().options();
  options.host = "unix:///nonexistent/mysqld.sock";
  MysqlPool broken(options);
  RegistryStore store(&broken);
  v1::Organization out;
  const absl::Time start = absl::Now();
  absl::Status status = store.GetOrganization(testing::TestCall(), 1, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(status.message().find("nonexistent"), std::string::npos);
}

}  // namespace
}  // namespace chibo::registry
