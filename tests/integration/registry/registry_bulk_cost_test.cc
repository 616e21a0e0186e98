// What a BulkUpsertMembers call costs in statements (the session's
// Com_stmt_execute counter over the store's one connection): a bounded
// number per call, growing with rows / 128 and never with a statement per
// row. Printed as "bulk-cost: ..." for the record. A ListMembers page is
// checked the same way.

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/dates.h"
#include "common/log.h"
#include "common/testing/test_db.h"
#include "gtest/gtest.h"
#include "services/registry/store.h"

namespace chibo {
const std::vector<Migration>& RegistryMigrations();
}

namespace chibo::registry {
namespace {

class BulkCostTest : public ::testing::Test {
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

  // Statements executed by the store's connection so far.
  static int64_t Executed() {
    int64_t value = -1;
    absl::Status status = WithConnection(
        *pool_, absl::Now() + absl::Seconds(10), "reading counters",
        TxMode::kRead, [&](DbConnection& db) -> absl::Status {
          std::unique_ptr<sql::ResultSet> row(
              db.Prepare("SELECT VARIABLE_VALUE FROM "
                         "information_schema.SESSION_STATUS WHERE "
                         "VARIABLE_NAME = 'COM_STMT_EXECUTE'")
                  .executeQuery());
          if (row->next()) value = row->getInt64(1);
          return absl::OkStatus();
        });
    EXPECT_TRUE(status.ok()) << status;
    return value;
  }

  static int64_t Cost(const v1::BulkUpsertMembersRequest& request,
                      v1::UpsertAction expected) {
    const int64_t before = Executed();
    v1::BulkUpsertMembersResponse response;
    absl::Status status =
        store_->BulkUpsertMembers(testing::TestCall(), request, 0, &response);
    EXPECT_TRUE(status.ok()) << status;
    for (const auto& result : response.results()) {
      EXPECT_EQ(result.action(), expected) << result.error();
    }
    // The counter read itself is one more execution.
    return Executed() - before - 1;
  }

  static std::unique_ptr<testing::TestDatabase> db_;
  static std::unique_ptr<MysqlPool> pool_;
  static std::unique_ptr<RegistryStore> store_;
};

std::unique_ptr<testing::TestDatabase> BulkCostTest::db_;
std::unique_ptr<MysqlPool> BulkCostTest::pool_;
std::unique_ptr<RegistryStore> BulkCostTest::store_;

TEST_F(BulkCostTest, StatementsPerCallDoNotGrowWithEveryRow) {
  v1::BulkUpsertOrganizationsRequest tree;
  for (const auto& [code, level, parent] :
       std::vector<std::tuple<std::string, v1::OrganizationLevel, std::string>>{
           {"BC", v1::ORGANIZATION_LEVEL_PROVINCE, ""},
           {"BC-K", v1::ORGANIZATION_LEVEL_BLOC, "BC"},
           {"BC-C1", v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL, "BC-K"},
           {"BC-C2", v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL, "BC-K"}}) {
    v1::OrganizationRow* row = tree.add_rows();
    row->set_external_code(code);
    row->set_display_name(absl::StrCat("Tổ chức ", code));
    row->set_level(level);
    if (level == v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL) {
      row->set_category(v1::CELL_CATEGORY_RESIDENTIAL);
    }
    row->set_parent_external_code(parent);
    row->set_valid_from("2020-01-01");
  }
  v1::BulkUpsertOrganizationsResponse built;
  ASSERT_TRUE(
      store_->BulkUpsertOrganizations(testing::TestCall(), tree, &built).ok());

  auto request = [](int rows, int offset, const char* cell) {
    v1::BulkUpsertMembersRequest r;
    for (int i = 0; i < rows; ++i) {
      v1::MemberRow* row = r.add_rows();
      row->set_party_card_number(absl::StrFormat("77%08d", offset + i));
      row->set_display_name("Đảng viên");
      row->set_cell_external_code(cell);
      row->set_status(v1::MEMBER_STATUS_FULL);
      row->set_joined_date("2021-01-01");
    }
    return r;
  };
  const v1::BulkUpsertMembersRequest small = request(100, 0, "BC-C1");
  const v1::BulkUpsertMembersRequest large = request(1000, 1000, "BC-C1");
  const int64_t create_100 = Cost(small, v1::UPSERT_ACTION_CREATED);
  const int64_t create_1000 = Cost(large, v1::UPSERT_ACTION_CREATED);
  const int64_t same_1000 = Cost(large, v1::UPSERT_ACTION_UNCHANGED);
  v1::BulkUpsertMembersRequest moved = large;
  for (auto& row : *moved.mutable_rows()) row.set_cell_external_code("BC-C2");
  const int64_t move_1000 = Cost(moved, v1::UPSERT_ACTION_MOVED);
  std::printf(
      "bulk-cost: statements per call: create 100 = %ld, create 1000 = %ld, "
      "unchanged 1000 = %ld, move 1000 = %ld\n",
      static_cast<long>(create_100), static_cast<long>(create_1000),
      static_cast<long>(same_1000), static_cast<long>(move_1000));
  // At most eight statements per 128 rows and statement kind; a statement
  // per row would be over 1000.
  EXPECT_LE(create_100, 30);
  EXPECT_LE(create_1000, 80);
  EXPECT_LE(same_1000, 30);
  EXPECT_LE(move_1000, 100);

  // A page of ListMembers is one statement for the ids and one for the
  // members, whatever the page size (it was one more per member).
  for (int limit : {10, 500}) {
    MemberFilter filter;
    filter.cell_id = 0;
    filter.today = TodayInVietnam();
    filter.limit = limit;
    v1::ListMembersResponse page;
    RegistryStore::MemberPageEnd end;
    const int64_t before = Executed();
    ASSERT_TRUE(
        store_->ListMembers(testing::TestCall(), filter, &page, &end).ok());
    EXPECT_EQ(page.members_size(), limit);
    EXPECT_TRUE(end.more);
    EXPECT_EQ(Executed() - before - 1, 2) << "page size " << limit;
    ASSERT_GT(page.members_size(), 0);
    EXPECT_FALSE(page.members(0).cell().empty());
    EXPECT_EQ(page.members(0).status(), v1::MEMBER_STATUS_FULL);
    // The same member as GetMember answers it.
    const std::string& last = page.members(limit - 1).name();
    v1::Member alone;
    ASSERT_TRUE(store_
                    ->GetMember(testing::TestCall(),
                                std::stoll(last.substr(last.find('/') + 1)),
                                &alone)
                    .ok());
    EXPECT_EQ(alone.DebugString(), page.members(limit - 1).DebugString());
  }

  // A subtree goes cell by cell: every page, first or last, is the same
  // two statements (the next organisations, their memberships) and one for
  // the members, and the pages hold every member of the subtree once.
  MemberFilter subtree;
  subtree.ancestor_id = std::stoll(built.results(0).organization().substr(
      built.results(0).organization().find('/') + 1));
  subtree.today = TodayInVietnam();
  subtree.limit = 200;
  std::set<std::string> seen;
  int pages = 0;
  int64_t last_cell = 0;
  do {
    v1::ListMembersResponse page;
    RegistryStore::MemberPageEnd end;
    const int64_t before = Executed();
    ASSERT_TRUE(
        store_->ListMembers(testing::TestCall(), subtree, &page, &end).ok());
    EXPECT_EQ(Executed() - before - 1, 3) << "page " << pages;
    for (const v1::Member& m : page.members()) {
      EXPECT_TRUE(seen.insert(m.name()).second) << m.name();
      const int64_t cell = std::stoll(m.cell().substr(m.cell().find('/') + 1));
      EXPECT_GE(cell, last_cell);  // cell by cell
      last_cell = cell;
    }
    ++pages;
    if (!end.more) break;
    subtree.after_cell_id = end.cell;
    subtree.after_id = end.member;
  } while (pages < 100);
  EXPECT_EQ(seen.size(), 1100u);
  EXPECT_EQ(pages, 6);
}

}  // namespace
}  // namespace chibo::registry
