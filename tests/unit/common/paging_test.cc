#include "common/paging.h"

#include "gtest/gtest.h"

namespace chibo {
namespace {

TEST(PageSize, DefaultsClampsAndRejectsNegative) {
  EXPECT_EQ(*NormalizePageSize(0), 50);
  EXPECT_EQ(*NormalizePageSize(20), 20);
  EXPECT_EQ(*NormalizePageSize(5000), 1000);
  EXPECT_EQ(NormalizePageSize(-1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageToken, RoundTrips) {
  const std::string token = EncodePageToken(42, "parent=1");
  auto cursor = DecodePageToken(token, "parent=1");
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(cursor->after_id, 42);
}

TEST(PageToken, EmptyStartsAtTheBeginning) {
  EXPECT_EQ(DecodePageToken("", "x")->after_id, 0);
}

TEST(PageToken, RejectsOtherFiltersAndGarbage) {
  const std::string token = EncodePageToken(42, "parent=1");
  for (const std::string& bad :
       {DecodePageToken(token, "parent=2").status().ToString(),
        DecodePageToken("not-a-token", "parent=1").status().ToString(),
        DecodePageToken(std::string(300, 'a'), "parent=1")
            .status()
            .ToString()}) {
    EXPECT_NE(bad.find("INVALID_ARGUMENT"), std::string::npos) << bad;
    EXPECT_NE(bad.find("page_token"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace chibo
