// What a ListOrganizations page with `ancestor` costs, as statement work
// (MariaDB's Handler_read_* counters of the session that runs it) rather
// than wall time, which this shared machine makes noisy. It loads a province
// of about 3,300 organisations with one bloc of 331, measures the first and
// the last page of that bloc and the whole bloc, grows the table to about
// 30,000 organisations and measures again. The figures are printed
// ("paging-cost: ...") and the test asserts that a page reads rows bounded by
// its size and that the bloc costs the same whatever the table holds.

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "common/log.h"
#include "common/resource_name.h"
#include "common/testing/test_db.h"
#include "gtest/gtest.h"
#include "services/registry/store.h"

namespace chibo {
const std::vector<Migration>& RegistryMigrations();
}

namespace chibo::registry {
namespace {

constexpr int kPageSize = 50;
constexpr int kBlocCells = 330;
constexpr char kFrom[] = "2020-01-01";

// One connection, so that the counters read before and after a store call
// belong to the session that ran it.
class PagingCostTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetMinLogLevel(LogLevel::kWarning);
    auto db = testing::TestDatabase::Create(RegistryMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    MysqlOptions one = db_->options();
    one.pool_size = 1;
    pool_ = std::make_unique<MysqlPool>(one);
    store_ = std::make_unique<RegistryStore>(pool_.get());
  }
  static void TearDownTestSuite() {
    store_.reset();
    pool_.reset();
    db_.reset();
  }

  static v1::OrganizationRow Row(const std::string& code,
                                 v1::OrganizationLevel level,
                                 const std::string& parent_code) {
    v1::OrganizationRow row;
    row.set_external_code(code);
    row.set_display_name(absl::StrCat("Tổ chức ", code));
    row.set_level(level);
    if (level == v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL) {
      row.set_category(v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY);
    }
    row.set_parent_external_code(parent_code);
    row.set_valid_from(kFrom);
    return row;
  }

  // Upserts `rows` through the store in batches of 1,000; returns the ids in
  // row order.
  static std::vector<int64_t> Upsert(
      const std::vector<v1::OrganizationRow>& rows) {
    std::vector<int64_t> ids;
    for (size_t start = 0; start < rows.size(); start += 1000) {
      v1::BulkUpsertOrganizationsRequest request;
      for (size_t i = start; i < std::min(rows.size(), start + 1000); ++i) {
        *request.add_rows() = rows[i];
      }
      v1::BulkUpsertOrganizationsResponse response;
      absl::Status status = store_->BulkUpsertOrganizations(testing::TestCall(),
                                                            request, &response);
      EXPECT_TRUE(status.ok()) << status;
      for (const v1::OrganizationRowResult& result : response.results()) {
        EXPECT_EQ(result.error(), "") << result.external_code();
        ids.push_back(
            ParseResourceId(result.organization(), "organizations", "name")
                .value_or(0));
      }
    }
    return ids;
  }

  // A grassroots bloc under `parent_code` with `cells` cells.
  static std::vector<int64_t> Bloc(const std::string& code,
                                   const std::string& parent_code, int cells) {
    std::vector<v1::OrganizationRow> rows = {
        Row(code, v1::ORGANIZATION_LEVEL_BLOC, parent_code)};
    for (int i = 0; i < cells; ++i) {
      rows.push_back(Row(absl::StrCat(code, "-", i),
                         v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL, code));
    }
    return Upsert(rows);
  }

  // The sum of the session's Handler_read_* counters.
  static int64_t RowsReadSoFar(DbConnection& db) {
    std::unique_ptr<sql::Statement> statement(db.raw().createStatement());
    std::unique_ptr<sql::ResultSet> rows(
        statement->executeQuery("SHOW SESSION STATUS LIKE 'Handler_read%'"));
    int64_t total = 0;
    while (rows->next()) total += rows->getInt64(2);
    return total;
  }

  static int64_t Counter() {
    int64_t value = 0;
    absl::Status status =
        WithConnection(*pool_, absl::Now() + absl::Seconds(10), "counters",
                       TxMode::kRead, [&](DbConnection& db) {
                         value = RowsReadSoFar(db);
                         return absl::OkStatus();
                       });
    EXPECT_TRUE(status.ok()) << status;
    return value;
  }

  struct Cost {
    int64_t rows_read = 0;
    double millis = 0;  // the median of five runs
    std::vector<std::string> names;
    std::string next_page;
  };

  // Lists one page of `filter` five times.
  static Cost Page(OrganizationFilter filter) {
    const int64_t idle = Counter() - Counter();  // what reading costs itself
    Cost cost;
    std::vector<double> times;
    for (int run = 0; run < 5; ++run) {
      v1::ListOrganizationsResponse response;
      bool more = false;
      const int64_t before = Counter();
      const absl::Time start = absl::Now();
      absl::Status status = store_->ListOrganizations(testing::TestCall(),
                                                      filter, &response, &more);
      times.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
      cost.rows_read = Counter() - before + idle;
      EXPECT_TRUE(status.ok()) << status;
      cost.names.clear();
      for (const v1::Organization& org : response.organizations()) {
        cost.names.push_back(org.name());
      }
    }
    std::sort(times.begin(), times.end());
    cost.millis = times[2];
    return cost;
  }

  // Every page of `filter`, in pages of `filter.limit`.
  static Cost All(OrganizationFilter filter) {
    Cost total;
    while (true) {
      Cost page = Page(filter);
      total.rows_read += page.rows_read;
      total.millis += page.millis;
      total.names.insert(total.names.end(), page.names.begin(),
                         page.names.end());
      if (static_cast<int>(page.names.size()) < filter.limit) break;
      filter.after_id =
          *ParseResourceId(page.names.back(), "organizations", "name");
    }
    return total;
  }

  static int64_t Organizations() {
    return db_->QueryInt("SELECT COUNT(*) FROM organizations").value_or(-1);
  }

  static void Report(const std::string& what, const Cost& cost) {
    std::printf(
        "paging-cost: organizations=%lld %-34s rows_read=%6lld "
        "ms=%7.2f listed=%zu\n",
        static_cast<long long>(Organizations()), what.c_str(),
        static_cast<long long>(cost.rows_read), cost.millis, cost.names.size());
  }

  static std::unique_ptr<testing::TestDatabase> db_;
  static std::unique_ptr<MysqlPool> pool_;
  static std::unique_ptr<RegistryStore> store_;
};

std::unique_ptr<testing::TestDatabase> PagingCostTest::db_;
std::unique_ptr<MysqlPool> PagingCostTest::pool_;
std::unique_ptr<RegistryStore> PagingCostTest::store_;

// Adds `count` cells under organisation `bloc_id` of province `province_id`
// in set-based SQL (MariaDB's SEQUENCE engine), with their placements and
// ancestor rows, as the store would have written them.
void AddFiller(testing::TestDatabase& db, int64_t province_id, int64_t bloc_id,
               int count) {
  absl::Status status = WithConnection(
      db.pool(), absl::Now() + absl::Seconds(120), "filling", TxMode::kWrite,
      [&](DbConnection& conn) -> absl::Status {
        sql::PreparedStatement& orgs = conn.Prepare(
            "INSERT INTO organizations (external_code, display_name,"
            " name_folded, level, category, parent_id, province_id,"
            " valid_from, version, create_time, update_time)"
            " SELECT CONCAT('FILL-', seq), CONCAT('Chi bộ ', seq),"
            " CONCAT('chi bo ', seq), ?, 1, ?, ?, '2020-01-01', 1,"
            " UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) FROM seq_1_to_100000"
            " WHERE seq <= ?");
        orgs.setInt(1, v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL);
        orgs.setInt64(2, bloc_id);
        orgs.setInt64(3, province_id);
        orgs.setInt(4, count);
        orgs.executeUpdate();
        sql::PreparedStatement& placements = conn.Prepare(
            "INSERT INTO organization_parents (organization_id, valid_from,"
            " parent_id) SELECT id, valid_from, parent_id FROM organizations"
            " WHERE parent_id = ? AND external_code LIKE 'FILL-%'");
        placements.setInt64(1, bloc_id);
        placements.executeUpdate();
        sql::PreparedStatement& ancestors = conn.Prepare(
            "INSERT INTO organization_ancestors (ancestor_id, descendant_id,"
            " depth) SELECT a.ancestor_id, o.id, a.depth + 1"
            " FROM organizations o JOIN organization_ancestors a"
            " ON a.descendant_id = o.parent_id"
            " WHERE o.parent_id = ? AND o.external_code LIKE 'FILL-%'"
            " UNION ALL SELECT id, id, 0 FROM organizations"
            " WHERE parent_id = ? AND external_code LIKE 'FILL-%'");
        ancestors.setInt64(1, bloc_id);
        ancestors.setInt64(2, bloc_id);
        ancestors.executeUpdate();
        return absl::OkStatus();
      });
  ASSERT_TRUE(status.ok()) << status;
}

TEST_F(PagingCostTest, PageCostFollowsThePageAndTheSubtreeNotTheTable) {
  // 1 province + 1,501 + 331 + 1,471 = 3,304 organisations, the bloc's ids in
  // the middle of the table.
  const absl::Time load_start = absl::Now();
  const int64_t province =
      Upsert({Row("PV", v1::ORGANIZATION_LEVEL_PROVINCE, "")})[0];
  Bloc("FA", "PV", 1500);
  const int64_t bloc = Bloc("B", "PV", kBlocCells)[0];
  const int64_t filler = Bloc("FC", "PV", 1470)[0];
  ASSERT_EQ(Organizations(), 3304);
  // Not asserted: what the writes cost, for comparison across versions.
  std::printf("paging-cost: bulk upsert of 3,304 organisations took %.0f ms\n",
              absl::ToDoubleMilliseconds(absl::Now() - load_start));

  OrganizationFilter filter;
  filter.ancestor_id = bloc;
  filter.as_of = TodayInVietnam();
  filter.limit = kPageSize;

  struct Figures {
    Cost first, last, whole, one_page, children_last;
  };
  // `how` names the path: "closure" while the tree is current, "history"
  // (the statement every listing ran before the closure table) while a
  // future-dated organisation in the province sends listings to it.
  auto measure = [&](const std::string& how) {
    Figures f;
    f.whole = All(filter);
    EXPECT_EQ(f.whole.names.size(), kBlocCells + 1u);
    f.first = Page(filter);
    OrganizationFilter last = filter;
    last.after_id = *ParseResourceId(
        f.whole.names[f.whole.names.size() / kPageSize * kPageSize - 1],
        "organizations", "name");
    f.last = Page(last);
    EXPECT_EQ(f.last.names.size(), (kBlocCells + 1u) % kPageSize);
    OrganizationFilter big = filter;
    big.limit = 1000;
    f.one_page = Page(big);
    EXPECT_EQ(f.one_page.names, f.whole.names);
    // A past date takes the placement history; the tree had the same shape.
    big.as_of = absl::CivilDay(2024, 1, 1);
    EXPECT_EQ(Page(big).names, f.whole.names);
    OrganizationFilter children = last;
    children.ancestor_id = 0;
    children.parent_id = bloc;
    f.children_last = Page(children);
    EXPECT_EQ(f.children_last.names.size(), (kBlocCells + 1u) % kPageSize);
    Report(how + " bloc page 1 (size 50)", f.first);
    Report(how + " bloc last page (size 50)", f.last);
    Report(how + " bloc, every page of 50", f.whole);
    Report(how + " bloc in one page (size 1000)", f.one_page);
    Report(how + " parent=bloc last page", f.children_last);
    return f;
  };
  // An organisation that starts next month: the province's tree is not the
  // same on every day from today on, so listings take the history path.
  auto future = [&]() {
    v1::CreateOrganizationRequest request;
    v1::Organization* org = request.mutable_organization();
    org->set_display_name("Chi bộ tương lai");
    org->set_level(v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL);
    org->set_category(v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY);
    org->set_parent(ResourceName("organizations", filler));
    org->set_valid_from(FormatDate(TodayInVietnam() + 30));
    v1::Organization created;
    EXPECT_TRUE(
        store_->CreateOrganization(testing::TestCall(), request, &created)
            .ok());
    return *ParseResourceId(created.name(), "organizations", "name");
  };
  auto same = [](const Figures& a, const Figures& b) {
    EXPECT_EQ(a.whole.names, b.whole.names);
    EXPECT_EQ(a.first.names, b.first.names);
    EXPECT_EQ(a.last.names, b.last.names);
    EXPECT_EQ(a.children_last.names, b.children_last.names);
  };

  const Figures small = measure("closure");
  const int64_t later = future();
  same(small, measure("history"));
  ASSERT_TRUE(store_->DeleteOrganization(testing::TestCall(), later, "").ok());

  AddFiller(*db_, province, filler, 30000 - 3304);
  ASSERT_EQ(Organizations(), 30000);
  const Figures large = measure("closure");
  future();
  same(large, measure("history"));

  // A page reads its rows, the row after it, and a few for the plan.
  const int64_t bound = 3 * (kPageSize + 1) + 20;
  for (const Figures* f : {&small, &large}) {
    EXPECT_LE(f->first.rows_read, bound);
    EXPECT_LE(f->last.rows_read, bound);
    EXPECT_LE(f->children_last.rows_read, bound);
    EXPECT_LE(f->one_page.rows_read, 3 * (kBlocCells + 1) + 20);
  }
  // The bloc costs what the bloc costs, whatever else the table holds.
  EXPECT_LE(large.whole.rows_read, small.whole.rows_read + 20);
  EXPECT_LE(large.one_page.rows_read, small.one_page.rows_read + 20);
}

// Migration 0002 backfills the closure table of a registry that already
// holds a tree.
TEST(AncestorsMigrationTest, BackfillsAnExistingTree) {
  const std::vector<Migration>& registry = RegistryMigrations();
  ASSERT_GE(registry.size(), 2u);
  auto db = testing::TestDatabase::Create({registry[0]});
  ASSERT_TRUE(db.ok()) << db.status();
  // Two provinces: 1 > 2 > 3 and 4 > 5 > 6 > 7.
  absl::Status filled = WithConnection(
      (*db)->pool(), absl::Now() + absl::Seconds(30), "filling", TxMode::kWrite,
      [](DbConnection& conn) {
        sql::PreparedStatement& orgs = conn.Prepare(
            "INSERT INTO organizations (id, display_name, name_folded, level,"
            " category, parent_id, province_id, valid_from, create_time,"
            " update_time) VALUES"
            " (1, 'p', 'p', 1, 0, NULL, 1, '2020-01-01', NOW(), NOW()),"
            " (2, 'b', 'b', 2, 0, 1, 1, '2020-01-01', NOW(), NOW()),"
            " (3, 'c', 'c', 6, 1, 2, 1, '2020-01-01', NOW(), NOW()),"
            " (4, 'p', 'p', 1, 0, NULL, 4, '2020-01-01', NOW(), NOW()),"
            " (5, 'k', 'k', 5, 0, 4, 4, '2020-01-01', NOW(), NOW()),"
            " (6, 's', 's', 7, 1, 5, 4, '2020-01-01', NOW(), NOW()),"
            " (7, 'g', 'g', 8, 0, 6, 4, '2020-01-01', NOW(), NOW())");
        orgs.executeUpdate();
        sql::PreparedStatement& placements = conn.Prepare(
            "INSERT INTO organization_parents (organization_id, valid_from,"
            " parent_id) SELECT id, valid_from, parent_id FROM organizations"
            " WHERE parent_id IS NOT NULL");
        placements.executeUpdate();
        return absl::OkStatus();
      });
  ASSERT_TRUE(filled.ok()) << filled;
  std::vector<Migration> all = CommonMigrations();
  all.insert(all.end(), registry.begin(), registry.end());
  ASSERT_TRUE(ApplyMigrations((*db)->pool(), all).ok());

  EXPECT_EQ((*db)
                ->QueryInt("SELECT COUNT(*) FROM organization_ancestors")
                .value_or(-1),
            (1 + 2 + 3) + (1 + 2 + 3 + 4));
  const std::vector<std::vector<std::string>> expected = {
      {"1", "1", "0"}, {"1", "3", "2"}, {"2", "3", "1"},
      {"4", "7", "3"}, {"5", "7", "2"}, {"6", "7", "1"}};
  for (const auto& row : expected) {
    EXPECT_EQ((*db)
                  ->QueryInt("SELECT COUNT(*) FROM organization_ancestors"
                             " WHERE ancestor_id = ? AND descendant_id = ?"
                             " AND depth = ?",
                             row)
                  .value_or(-1),
              1)
        << row[0] << " > " << row[1];
  }
  RegistryStore store(&(*db)->pool());
  OrganizationFilter filter;
  filter.ancestor_id = 5;
  filter.as_of = TodayInVietnam();
  v1::ListOrganizationsResponse listed;
  bool more = true;
  ASSERT_TRUE(
      store.ListOrganizations(testing::TestCall(), filter, &listed, &more)
          .ok());
  ASSERT_EQ(listed.organizations_size(), 3);
  EXPECT_EQ(listed.organizations(2).name(), "organizations/7");
  EXPECT_FALSE(more);
}

}  // namespace
}  // namespace chibo::registry
