#include "common/etag.h"

#include "gtest/gtest.h"

namespace chibo {
namespace {

TEST(Etag, MatchingOrEmptyPasses) {
  EXPECT_TRUE(CheckEtag("", 3, "organizations/1").ok());
  EXPECT_TRUE(CheckEtag(MakeEtag(3), 3, "organizations/1").ok());
}

TEST(Etag, StaleIsAbortedAndNamesTheResource) {
  absl::Status s = CheckEtag(MakeEtag(2), 3, "organizations/1");
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_NE(s.message().find("organizations/1"), std::string::npos);
}

}  // namespace
}  // namespace chibo
