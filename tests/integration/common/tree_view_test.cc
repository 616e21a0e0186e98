// The organisation-tree view from common/, as a new service (not
// scheduling) would get it: a real registry on port 0, and the service's
// own schema holding only the common and tree-view migrations.

#include "common/tree_view.h"

#include <atomic>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "common/log.h"
#include "common/resource_name.h"
#include "common/testing/metric_value.h"
#include "common/testing/test_db.h"
#include "common/testing/test_service.h"
#include "common/testing/tree_builder.h"
#include "gtest/gtest.h"
#include "services/registry/registry_definition.h"

namespace chibo {
const std::vector<Migration>& SchedulingMigrations();

namespace {

class TreeViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = testing::TestService::Start(registry::RegistryDefinition());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
    SetMinLogLevel(LogLevel::kError);
    auto own_db = testing::TestDatabase::Create(TreeViewMigrations());
    ASSERT_TRUE(own_db.ok()) << own_db.status();
    own_db_ = *std::move(own_db);
    stub_ = registry::v1::RegistryService::NewStub(registry_->channel());
    RegistryClient::Options client_options;
    client_options.open_circuit_for = absl::Milliseconds(200);
    client_ = std::make_unique<RegistryClient>(registry_->channel(), nullptr,
                                               client_options);
    view_ = std::make_unique<TreeView>(&own_db_->pool(), client_.get());

    testing::TreeBuilder tree(stub_.get(), "TV");
    testing::TreeBuilder::ChainOptions chain_options;
    chain_options.province_name = "Tỉnh ủy";
    chain_options.bloc_name = "Đảng ủy Khối";
    chain_options.valid_from = "2020-01-01";
    const testing::TreeBuilder::Chain chain =
        tree.ProvinceBlocCell(chain_options);
    province_ = OrgId(chain.province.name());
    bloc_ = OrgId(chain.bloc.name());
    cell_ = OrgId(chain.cell.name());
    province_code_ = chain.province.external_code();
  }

  static CallContext Call() { return testing::TestCall(); }

  std::unique_ptr<testing::TestService> registry_;
  std::unique_ptr<testing::TestDatabase> own_db_;
  std::unique_ptr<registry::v1::RegistryService::Stub> stub_;
  std::unique_ptr<RegistryClient> client_;
  std::unique_ptr<TreeView> view_;
  int64_t province_ = 0;
  int64_t bloc_ = 0;
  int64_t cell_ = 0;
  std::string province_code_;
};

TEST_F(TreeViewTest, AnswersFromTheRegistry) {
  auto cell = view_->GetCell(Call(), cell_, "cell");
  ASSERT_TRUE(cell.ok()) << cell.status();
  EXPECT_EQ(cell->ancestors, (std::vector<int64_t>{cell_, bloc_, province_}));
  EXPECT_EQ(cell->display_name, "Chi bộ Sở Tư pháp");
  EXPECT_TRUE(cell->is_cell);

  auto cells = view_->CellsUnder(Call(), province_, "organization");
  ASSERT_TRUE(cells.ok()) << cells.status();
  ASSERT_EQ(cells->size(), 1u);
  EXPECT_EQ((*cells)[0].id, cell_);
  EXPECT_EQ((*cells)[0].ancestors,
            (std::vector<int64_t>{cell_, bloc_, province_}));

  auto bloc = view_->GetCell(Call(), bloc_, "cell");
  EXPECT_EQ(bloc.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StartsWith(bloc.status().message(), "cell: "))
      << bloc.status();

  auto missing = view_->Get(Call(), 999999, "organization");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "organization: organizations/999999 does not exist");
}

TEST_F(TreeViewTest, KeepsAnsweringScopeChecksWhileTheRegistryIsDown) {
  TreeScopeOracle oracle("evaluation", view_.get());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  auto before = oracle.AncestorsOf(cell_, deadline);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_TRUE(view_->CellsUnder(Call(), province_, "organization").ok());
  EXPECT_EQ(
      own_db_->QueryInt("SELECT COUNT(*) FROM known_organizations").value(), 3);

  registry_->Stop();
  auto during = oracle.AncestorsOf(cell_, absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(during.ok()) << during.status();
  EXPECT_EQ(*during, *before);
  auto cells = view_->CellsUnder(Call(), bloc_, "organization");
  ASSERT_TRUE(cells.ok()) << cells.status();
  ASSERT_EQ(cells->size(), 1u);
  EXPECT_EQ((*cells)[0].id, cell_);
  // Never seen: no answer to give while the registry is down.
  auto unknown =
      oracle.AncestorsOf(cell_ + 1000, absl::Now() + absl::Seconds(5));
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnavailable)
      << unknown.status();
}

// The pages of a subtree listing are cut from one registry answer, held for
// at most kReadStaleness after it was asked: a cell created meanwhile shows
// from the first page asked after that, and a grassroots committee's cells
// carry their whole path.
// ListOrganizations calls the registry (in this process) answered.
double ListedOrganizations() {
  return testing::CounterValue(
      "chibo_rpc_server_handled_total",
      {{"method", "chibo.registry.v1.RegistryService/ListOrganizations"},
       {"code", "OK"}});
}

// A clock the test moves while TreeView's refresher thread reads it.
class TestClock {
 public:
  absl::Time operator()() const { return absl::FromUnixNanos(nanos_.load()); }
  void Advance(absl::Duration by) { nanos_ += absl::ToInt64Nanoseconds(by); }

 private:
  std::atomic<int64_t> nanos_{absl::ToUnixNanos(absl::Now())};
};

TEST_F(TreeViewTest, PagesComeFromOneRegistryAnswerForAtMostTheStaleness) {
  TestClock clock;
  TreeView view(&own_db_->pool(), client_.get(), [&clock] { return clock(); });
  testing::TreeBuilder tree(stub_.get(), "TVP");
  const std::string bloc = ResourceName("organizations", bloc_);
  const int64_t committee = OrgId(
      tree.Organization("Đảng ủy cơ sở",
                        registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE,
                        bloc, "2020-01-01")
          .name());
  const int64_t under = OrgId(
      tree.Organization("Chi bộ trực thuộc",
                        registry::v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL,
                        ResourceName("organizations", committee), "2020-01-01",
                        registry::v1::CELL_CATEGORY_ENTERPRISE)
          .name());
  auto first = view.CellsPage(Call(), province_, "organization", 0, "", 1);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->cells.size(), 1u);
  EXPECT_EQ(first->cells[0].id, cell_);
  EXPECT_TRUE(first->more);
  EXPECT_FALSE(first->next_inner.empty());

  const int64_t added =
      OrgId(tree.Organization("Chi bộ mới",
                              registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
                              bloc, "2020-01-01")
                .name());
  ASSERT_GT(added, under);
  clock.Advance(auth::kReadStaleness);
  auto second = view.CellsPage(Call(), province_, "organization",
                               first->last_id, first->next_inner, 5);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->cells.size(), 1u);  // the answer of `first`
  EXPECT_EQ(second->cells[0].id, under);
  EXPECT_EQ(second->cells[0].ancestors,
            (std::vector<int64_t>{under, committee, bloc_, province_}));
  EXPECT_FALSE(second->more);

  clock.Advance(absl::Milliseconds(1));
  auto fresh = view.CellsPage(Call(), province_, "organization", first->last_id,
                              first->next_inner, 5);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  ASSERT_EQ(fresh->cells.size(), 2u);
  EXPECT_EQ(fresh->cells[1].id, added);
  EXPECT_EQ(fresh->cells[1].ancestors,
            (std::vector<int64_t>{added, bloc_, province_}));
}

TEST_F(TreeViewTest, AnAnswerHalfItsAgeLimitOldIsRefreshedInTheBackground) {
  TestClock clock;
  TreeView view(&own_db_->pool(), client_.get(), [&clock] { return clock(); });
  testing::TreeBuilder tree(stub_.get(), "TVR");
  auto first = view.CellsPage(Call(), province_, "organization", 0, "", 10);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->cells.size(), 1u);
  const int64_t added = OrgId(
      tree.Organization("Chi bộ mới",
                        registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
                        ResourceName("organizations", bloc_), "2020-01-01")
          .name());
  // Past half the age limit: this page is still the held answer, and the
  // next one is asked for meanwhile.
  clock.Advance(auth::kReadStaleness / 2 + absl::Milliseconds(1));
  auto held = view.CellsPage(Call(), province_, "organization", 0, "", 10);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->cells.size(), 1u);
  size_t seen = 0;
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (seen < 2 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
    auto page = view.CellsPage(Call(), province_, "organization", 0, "", 10);
    ASSERT_TRUE(page.ok()) << page.status();
    seen = page->cells.size();
  }
  ASSERT_EQ(seen, 2u) << "no background refresh";
  // The refreshed answer holds past the first one's age limit: this page
  // asks the registry nothing (and, the new answer being just half its age
  // limit old, starts no refresh either).
  clock.Advance(auth::kReadStaleness / 2);
  const double listed_before = ListedOrganizations();
  auto later = view.CellsPage(Call(), province_, "organization", 0, "", 10);
  ASSERT_TRUE(later.ok()) << later.status();
  ASSERT_EQ(later->cells.size(), 2u);
  EXPECT_EQ(later->cells[1].id, added);
  EXPECT_EQ(ListedOrganizations(), listed_before);
}

// Feed reads the registry (in this process) answered.
double FeedReads() {
  return testing::CounterValue(
      "chibo_rpc_server_handled_total",
      {{"method", "chibo.feed.v1.ChangeFeedService/ListChanges"},
       {"code", "OK"}});
}

TEST_F(TreeViewTest, AnUnchangedTreeIsRenewedFromTheFeedNotListedAgain) {
  TestClock clock;
  TreeView view(&own_db_->pool(), client_.get(), [&clock] { return clock(); });
  auto first = view.CellsPage(Call(), province_, "organization", 0, "", 10);
  ASSERT_TRUE(first.ok()) << first.status();
  const double listed = ListedOrganizations();
  // A member change is no organisation change.
  testing::TreeBuilder tree(stub_.get(), "TVF");
  tree.Member(ResourceName("organizations", cell_), "Nguyễn Văn Feed");
  clock.Advance(auth::kReadStaleness / 2 + absl::Milliseconds(1));
  const double feed_reads = FeedReads();
  auto due = view.CellsPage(Call(), province_, "organization", 0, "", 10);
  ASSERT_TRUE(due.ok()) << due.status();
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (FeedReads() == feed_reads && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_GT(FeedReads(), feed_reads) << "no background renewal";
  absl::SleepFor(absl::Milliseconds(200));  // the answer reaches the cache
  // Past the first answer's age limit, still within the renewed one's.
  clock.Advance(auth::kReadStaleness / 2);
  auto later = view.CellsPage(Call(), province_, "organization", 0, "", 10);
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(later->cells.size(), first->cells.size());
  EXPECT_EQ(ListedOrganizations(), listed);
}

TEST_F(TreeViewTest, AListingAfterAPauseRenewsTheAnswerFromTheFeed) {
  TestClock clock;
  TreeView view(&own_db_->pool(), client_.get(), [&clock] { return clock(); });
  auto first = view.CellsPage(Call(), province_, "organization", 0, "", 10);
  ASSERT_TRUE(first.ok()) << first.status();
  const double listed = ListedOrganizations();
  const double feed_reads = FeedReads();
  clock.Advance(auth::kReadStaleness * 3);  // nobody listed meanwhile
  auto after_pause =
      view.CellsPage(Call(), province_, "organization", 0, "", 10);
  ASSERT_TRUE(after_pause.ok()) << after_pause.status();
  EXPECT_EQ(after_pause->cells.size(), first->cells.size());
  EXPECT_EQ(ListedOrganizations(), listed);
  EXPECT_EQ(FeedReads(), feed_reads + 1);
  // An organisation changed during the next pause: asked again.
  testing::TreeBuilder tree(stub_.get(), "TVP");
  tree.Organization("Chi bộ sau nghỉ",
                    registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
                    ResourceName("organizations", bloc_), "2020-01-01");
  clock.Advance(auth::kReadStaleness * 3);
  auto changed = view.CellsPage(Call(), province_, "organization", 0, "", 10);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->cells.size(), first->cells.size() + 1);
  EXPECT_GT(ListedOrganizations(), listed);
}

double ListedCellMembers() {
  return testing::CounterValue(
      "chibo_rpc_server_handled_total",
      {{"method", "chibo.registry.v1.RegistryService/ListCellMembers"},
       {"code", "OK"}});
}

// A write's roster is the registry's current answer: kept only while a
// feed head read made after the call finds nothing written since.
TEST_F(TreeViewTest, ARosterIsAskedAgainOnlyAfterARegistryWrite) {
  const absl::CivilDay day(2026, 3, 2);
  testing::TreeBuilder tree(stub_.get(), "TVR");
  tree.Member(ResourceName("organizations", cell_), "Nguyễn Văn Một",
              registry::v1::MEMBER_STATUS_FULL, "2020-01-01");
  const double listed = ListedCellMembers();
  const double from_memory =
      testing::CounterValue("chibo_roster_answers_total", {{"from", "memory"}});
  auto first = view_->GetCellWithMembers(Call(), cell_, "cell", day);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->members().size(), 1u);
  auto again = view_->GetCellWithMembers(Call(), cell_, "cell", day);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->members().size(), 1u);
  EXPECT_EQ(again->cell.ancestors, first->cell.ancestors);
  EXPECT_EQ(ListedCellMembers(), listed + 1);
  EXPECT_EQ(
      testing::CounterValue("chibo_roster_answers_total", {{"from", "memory"}}),
      from_memory + 1);
  // A member joins: the next write sees them.
  tree.Member(ResourceName("organizations", cell_), "Nguyễn Văn Hai",
              registry::v1::MEMBER_STATUS_FULL, "2020-01-01");
  auto after_write = view_->GetCellWithMembers(Call(), cell_, "cell", day);
  ASSERT_TRUE(after_write.ok()) << after_write.status();
  EXPECT_EQ(after_write->members().size(), 2u);
  EXPECT_EQ(ListedCellMembers(), listed + 2);
  // Scope checks share the kept answer.
  auto members = view_->CellMembers(Call(), cell_, day);
  ASSERT_TRUE(members.ok()) << members.status();
  EXPECT_EQ(members->size(), 2u);
  auto members_again = view_->CellMembers(Call(), cell_, day);
  ASSERT_TRUE(members_again.ok()) << members_again.status();
  EXPECT_EQ(ListedCellMembers(), listed + 3);
}

TEST_F(TreeViewTest, OrganizationsAreTheirOwnAndOtherResourcesAreTheService) {
  TreeScopeOracle oracle("evaluation", view_.get());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  auto own =
      oracle.OrganizationsOf(ResourceName("organizations", cell_), deadline);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(*own, std::vector<int64_t>{cell_});
  auto other = oracle.OrganizationsOf("ratings/7", deadline);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(other.status().message(), "not a evaluation resource: ratings/7");
  auto code = oracle.OrganizationByCode(province_code_, deadline);
  ASSERT_TRUE(code.ok());
  EXPECT_FALSE(code->has_value());
}

TEST_F(TreeViewTest, TheRegistryFeedIsTheSourceOfTreeChanges) {
  ChangeFollower::Source source = RegistryTreeChanges(client_.get());
  feed::v1::ListChangesResponse out;
  absl::Status status = source(0, &out);
  ASSERT_TRUE(status.ok()) << status;
  ASSERT_EQ(out.changes_size(), 3);
  EXPECT_EQ(out.changes(2).resource(), ResourceName("organizations", cell_));
  out.Clear();
  ASSERT_TRUE(source(out.last_sequence() + 1000, &out).ok());
  EXPECT_EQ(out.changes_size(), 0);
}

// Scheduling's 0001 created known_organizations before the tree view moved
// into common/: its databases, old and new, take tree_view/0001 cleanly.
TEST(TreeViewMigrationTest, ExistingSchedulingDatabasesMigrateCleanly) {
  auto db = testing::TestDatabase::Create(SchedulingMigrations());
  ASSERT_TRUE(db.ok()) << db.status();
  std::vector<Migration> all = CommonMigrations();
  all.insert(all.end(), SchedulingMigrations().begin(),
             SchedulingMigrations().end());
  all.insert(all.end(), TreeViewMigrations().begin(),
             TreeViewMigrations().end());
  absl::Status migrated = ApplyMigrations((*db)->pool(), all);
  ASSERT_TRUE(migrated.ok()) << migrated;
  EXPECT_EQ(
      (*db)
          ->QueryInt("SELECT COUNT(*) FROM schema_migrations WHERE id = ?",
                     {"tree_view/0001_known_organizations"})
          .value(),
      1);
  // And again: nothing left to apply.
  migrated = ApplyMigrations((*db)->pool(), all);
  EXPECT_TRUE(migrated.ok()) << migrated;
  EXPECT_EQ((*db)->QueryInt("SELECT COUNT(*) FROM known_organizations").value(),
            0);
}

}  // namespace
}  // namespace chibo
