// The closure table (organization_ancestors) against the parent column it
// mirrors, after creates, moves, same-day corrections, deletes, bulk
// upserts and concurrent writers; and subtree listings from it against the
// placement-history walk they replace.

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "tests/integration/registry/registry_fixture.h"

namespace chibo::registry {
namespace {

using grpc::StatusCode;

// Every (ancestor, descendant, depth) that organizations.parent_id implies,
// as the head of two fixed statements (adjacent literals, nothing built at
// run time).
#define CHIBO_CHAIN                                    \
  "WITH RECURSIVE chain (a, d, depth) AS ("            \
  " SELECT id, id, 0 FROM organizations"               \
  " UNION ALL"                                         \
  " SELECT o.parent_id, c.d, c.depth + 1 FROM chain c" \
  " JOIN organizations o ON o.id = c.a"                \
  " WHERE o.parent_id IS NOT NULL AND c.depth < 64) "
constexpr char kImpliedCount[] = CHIBO_CHAIN "SELECT COUNT(*) FROM chain";
constexpr char kMatchingCount[] = CHIBO_CHAIN
    "SELECT COUNT(*) FROM chain c JOIN organization_ancestors x"
    " ON x.ancestor_id = c.a AND x.descendant_id = c.d"
    " AND x.depth = c.depth";
#undef CHIBO_CHAIN

class TreeClosureTest : public RegistryTest {
 protected:
  // The closure table holds exactly the rows the parent column implies.
  void ExpectClosureMatchesParents() {
    const auto implied = db().QueryInt(kImpliedCount);
    const auto stored =
        db().QueryInt("SELECT COUNT(*) FROM organization_ancestors");
    const auto both = db().QueryInt(kMatchingCount);
    ASSERT_TRUE(implied.ok() && stored.ok() && both.ok());
    EXPECT_GT(*implied, 0);
    EXPECT_EQ(*stored, *implied);
    EXPECT_EQ(*both, *implied);
  }

  std::vector<std::string> Subtree(const std::string& ancestor,
                                   const std::string& parent = "") {
    std::vector<std::string> names;
    v1::ListOrganizationsRequest request;
    request.set_ancestor(ancestor);
    request.set_parent(parent);
    request.set_page_size(7);  // several pages
    do {
      v1::ListOrganizationsResponse response;
      grpc::Status status =
          stub().ListOrganizations(Context().get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const auto& org : response.organizations()) {
        names.push_back(org.name());
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return names;
  }

  // Retries what concurrent writers may be refused (ABORTED after the
  // server's own deadlock retries) and fails on anything else.
  template <typename Call>
  static void WithRetries(Call call) {
    grpc::Status status;
    for (int attempt = 0; attempt < 10; ++attempt) {
      status = call();
      if (status.error_code() != StatusCode::ABORTED) break;
    }
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  grpc::Status Move(const std::string& name, const std::string& parent) {
    v1::MoveOrganizationRequest move;
    move.set_name(name);
    move.set_new_parent(parent);
    v1::Organization moved;
    return stub().MoveOrganization(Context().get(), move, &moved);
  }
};

TEST_F(TreeClosureTest, FollowsMovesCorrectionsDeletesAndBulkUpserts) {
  const auto province =
      MakeOrg("Tỉnh ủy Cao Bằng", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  const auto b1 =
      MakeOrg("Đảng ủy Khối 1", v1::ORGANIZATION_LEVEL_BLOC, province.name());
  const auto b2 =
      MakeOrg("Đảng ủy Khối 2", v1::ORGANIZATION_LEVEL_BLOC, province.name());
  std::vector<v1::Organization> committees;
  std::set<std::string> under_k0;
  std::string leaf;
  for (int k = 0; k < 3; ++k) {
    committees.push_back(MakeOrg(absl::StrCat("Đảng bộ ", k),
                                 v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE,
                                 b1.name()));
    for (int c = 0; c < 2; ++c) {
      const auto cell = MakeOrg(absl::StrCat("Chi bộ ", k, "-", c),
                                v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL,
                                committees.back().name());
      const auto group =
          MakeOrg(absl::StrCat("Tổ đảng ", k, "-", c),
                  v1::ORGANIZATION_LEVEL_PARTY_GROUP, cell.name());
      if (k == 0) under_k0.insert({cell.name(), group.name()});
      if (k == 0) leaf = group.name();
    }
  }
  ExpectClosureMatchesParents();
  EXPECT_EQ(Subtree(b1.name()).size(), 1u + 3 * 5);
  EXPECT_TRUE(Subtree(b2.name()).size() == 1u);

  // A move re-roots the whole subtree, three levels of it.
  ASSERT_TRUE(Move(committees[0].name(), b2.name()).ok());
  ExpectClosureMatchesParents();
  std::vector<std::string> in_b2 = Subtree(b2.name());
  EXPECT_EQ(in_b2.size(), 1u + 5);
  for (const std::string& name : under_k0) {
    EXPECT_NE(std::find(in_b2.begin(), in_b2.end(), name), in_b2.end());
  }
  EXPECT_EQ(Subtree(b1.name()).size(), 1u + 2 * 5);
  EXPECT_EQ(Subtree(province.name()).size(), 3u + 3 * 5);
  EXPECT_EQ(Subtree(province.name(), b2.name()).size(), 1u);

  // A second move on the same day corrects the first one.
  ASSERT_TRUE(Move(committees[1].name(), b2.name()).ok());
  ASSERT_TRUE(Move(committees[1].name(), b1.name()).ok());
  ExpectClosureMatchesParents();
  EXPECT_EQ(Subtree(b1.name()).size(), 1u + 2 * 5);

  // Deleting a leaf forgets it.
  v1::DeleteOrganizationRequest del;
  del.set_name(leaf);
  google::protobuf::Empty empty;
  ASSERT_TRUE(stub().DeleteOrganization(Context().get(), del, &empty).ok());
  under_k0.erase(leaf);
  ExpectClosureMatchesParents();
  EXPECT_EQ(Subtree(b2.name()).size(), 1u + under_k0.size() + 1);

  // A bulk upsert that changes a parent moves through the same path.
  v1::BulkUpsertOrganizationsRequest bulk;
  v1::OrganizationRow* row = bulk.add_rows();
  row->set_external_code(committees[2].external_code());
  row->set_display_name(committees[2].display_name());
  row->set_level(committees[2].level());
  row->set_parent_external_code(b2.external_code());
  row->set_valid_from(committees[2].valid_from());
  v1::BulkUpsertOrganizationsResponse upserted;
  ASSERT_TRUE(
      stub().BulkUpsertOrganizations(Context().get(), bulk, &upserted).ok());
  ASSERT_EQ(upserted.results_size(), 1);
  EXPECT_EQ(upserted.results(0).action(), v1::UPSERT_ACTION_MOVED)
      << upserted.results(0).error();
  ExpectClosureMatchesParents();
  EXPECT_EQ(Subtree(b1.name()).size(), 1u + 5);

  // The listing from the closure table and the walk down the placement
  // history agree: an organisation that starts next month makes the
  // province's tree differ between days, so listings take the walk.
  const std::vector<std::string> closure = Subtree(province.name());
  const std::vector<std::string> children = Subtree(province.name(), b2.name());
  MakeOrg("Chi bộ tương lai", v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL, b1.name(),
          FormatDate(TodayInVietnam() + 30));
  EXPECT_EQ(Subtree(province.name()), closure);
  EXPECT_EQ(Subtree(province.name(), b2.name()), children);
  ExpectClosureMatchesParents();
}

TEST_F(TreeClosureTest, ConcurrentCreatesAndMovesKeepItExact) {
  const auto province =
      MakeOrg("Tỉnh ủy Bắc Kạn", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  const auto b1 =
      MakeOrg("Đảng ủy Khối A", v1::ORGANIZATION_LEVEL_BLOC, province.name());
  const auto b2 =
      MakeOrg("Đảng ủy Khối B", v1::ORGANIZATION_LEVEL_BLOC, province.name());
  std::vector<v1::Organization> committees;
  for (int k = 0; k < 4; ++k) {
    committees.push_back(MakeOrg(absl::StrCat("Đảng bộ cơ sở ", k),
                                 v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE,
                                 b1.name()));
  }
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 12; ++i) {
        const v1::Organization& parent = committees[(t + i) % 4];
        WithRetries([&] {
          v1::CreateOrganizationRequest request;
          v1::Organization* org = request.mutable_organization();
          org->set_display_name(absl::StrCat("Chi bộ ", t, "-", i));
          org->set_level(v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL);
          org->set_category(v1::CELL_CATEGORY_ADMINISTRATIVE_AGENCY);
          org->set_parent(parent.name());
          v1::Organization out;
          grpc::Status status =
              stub().CreateOrganization(Context().get(), request, &out);
          if (status.ok()) ++created;
          return status;
        });
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 12; ++i) {
      const v1::Organization& moved = committees[i % 4];
      WithRetries([&] {
        return Move(moved.name(), i % 8 < 4 ? b2.name() : b1.name());
      });
    }
  });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 4 * 12);
  ExpectClosureMatchesParents();
  EXPECT_EQ(Subtree(province.name()).size(), 3u + 4 + 4 * 12);
  EXPECT_EQ(Subtree(b1.name()).size() + Subtree(b2.name()).size(),
            2u + 4 + 4 * 12);
}

}  // namespace
}  // namespace chibo::registry
