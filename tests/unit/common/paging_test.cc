#include "common/paging.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "chibo/registry/v1/registry.pb.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

constexpr char kPositions[] = "chibo.registry.v1.RegistryService/ListPositions";
constexpr char kCadres[] = "chibo.registry.v1.RegistryService/ListCadres";

registry::v1::ListPositionsRequest Positions(const std::string& org) {
  registry::v1::ListPositionsRequest request;
  request.set_organization(org);
  request.set_as_of_date("2026-01-01");
  return request;
}

void ExpectBadToken(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message().rfind("page_token: ", 0), 0u) << status;
}

TEST(PageSize, DefaultsClampsAndRejectsNegative) {
  EXPECT_EQ(*NormalizePageSize(0), 50);
  EXPECT_EQ(*NormalizePageSize(20), 20);
  EXPECT_EQ(*NormalizePageSize(5000), 1000);
  EXPECT_EQ(NormalizePageSize(-1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageTokens, RoundTripsByIdAndByName) {
  const PageTokens page(kPositions, "positions", Positions("organizations/1"));
  auto cursor = page.Decode(page.After(42));
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(cursor->after_id, 42);
  cursor = page.Decode(page.After("positions/77"));
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(cursor->after_id, 77);
}

TEST(PageTokens, EmptyStartsAtTheBeginning) {
  const PageTokens page(kPositions, "positions", Positions("organizations/1"));
  EXPECT_EQ(page.Decode("")->after_id, 0);
}

TEST(PageTokens, PageSizeAndPageTokenAreNotFilters) {
  registry::v1::ListPositionsRequest first = Positions("organizations/1");
  const std::string token =
      PageTokens(kPositions, "positions", first).After(10);
  registry::v1::ListPositionsRequest next = first;
  next.set_page_size(7);
  next.set_page_token(token);
  const PageTokens page(kPositions, "positions", next);
  auto cursor = page.Decode(next.page_token());
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(cursor->after_id, 10);
}

TEST(PageTokens, BoundToTheMethod) {
  // Same committee, same as_of_date: only the method differs.
  registry::v1::ListCadresRequest cadres;
  cadres.set_committee("organizations/1");
  cadres.set_as_of_date("2026-01-01");
  const std::string token =
      PageTokens(kPositions, "positions", Positions("organizations/1"))
          .After(10);
  ExpectBadToken(PageTokens(kCadres, "cadres", cadres).Decode(token).status());
}

TEST(PageTokens, BoundToTheCollection) {
  const registry::v1::ListPositionsRequest request =
      Positions("organizations/1");
  const std::string token =
      PageTokens(kPositions, "positions", request).After(10);
  ExpectBadToken(
      PageTokens(kPositions, "cadres", request).Decode(token).status());
}

TEST(PageTokens, BoundToEveryFilter) {
  const registry::v1::ListPositionsRequest request =
      Positions("organizations/1");
  const std::string token =
      PageTokens(kPositions, "positions", request).After(10);
  ExpectBadToken(
      PageTokens(kPositions, "positions", Positions("organizations/2"))
          .Decode(token)
          .status());
  registry::v1::ListPositionsRequest other_day = request;
  other_day.set_as_of_date("2026-01-02");
  ExpectBadToken(
      PageTokens(kPositions, "positions", other_day).Decode(token).status());
  registry::v1::ListPositionsRequest no_day = request;
  no_day.clear_as_of_date();
  ExpectBadToken(
      PageTokens(kPositions, "positions", no_day).Decode(token).status());
}

TEST(PageTokens, BoundToWhatTheServerResolved) {
  const registry::v1::ListPositionsRequest request =
      Positions("organizations/1");
  const std::string token =
      PageTokens(kPositions, "positions", request, "2026-01-01").After(10);
  EXPECT_TRUE(PageTokens(kPositions, "positions", request, "2026-01-01")
                  .Decode(token)
                  .ok());
  ExpectBadToken(PageTokens(kPositions, "positions", request, "2026-01-02")
                     .Decode(token)
                     .status());
}

TEST(PageTokens, RejectsGarbage) {
  const PageTokens page(kPositions, "positions", Positions("organizations/1"));
  for (const std::string& bad :
       {std::string("not-a-token"), std::string(300, 'a'),
        std::string("cDE6NDI6MTIz"),  // "p1:42:123", the old format
        page.After(10).substr(1)}) {
    ExpectBadToken(page.Decode(bad).status());
  }
}

TEST(PageTokens, CarriesAPeersTokenBack) {
  const PageTokens page(kPositions, "positions", Positions("organizations/1"));
  const std::string inner = page.After(77);  // any web-safe base64
  absl::StatusOr<PageCursor> cursor = page.Decode(page.After(10, inner));
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(cursor->after_id, 10);
  EXPECT_EQ(cursor->inner, inner);
  EXPECT_TRUE(page.Decode(page.After(10)).value().inner.empty());
  // The inner part must itself be web-safe base64 of bounded size.
  for (const std::string& bad : {std::string("a:b"), std::string(600, 'a')}) {
    const std::string forged = absl::WebSafeBase64Escape(
        absl::StrCat("p2:10:", page.fingerprint(), ":", bad));
    ExpectBadToken(page.Decode(forged).status());
  }
}

}  // namespace
}  // namespace chibo
