// common/update_mask.cc: AIP-134 masks, checked against what an RPC allows.

#include "common/update_mask.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

google::protobuf::FieldMask Mask(std::initializer_list<const char*> paths) {
  google::protobuf::FieldMask mask;
  for (const char* path : paths) mask.add_paths(path);
  return mask;
}

const std::set<std::string> kAllowed = {"term_start", "term_end"};

TEST(ValidateUpdateMask, AcceptsAllowedPathsAloneAndTogether) {
  EXPECT_TRUE(ValidateUpdateMask(Mask({"term_end"}), kAllowed).ok());
  EXPECT_TRUE(
      ValidateUpdateMask(Mask({"term_start", "term_end"}), kAllowed).ok());
  // Naming a field twice changes nothing.
  EXPECT_TRUE(
      ValidateUpdateMask(Mask({"term_end", "term_end"}), kAllowed).ok());
}

TEST(ValidateUpdateMask, AnEmptyMaskIsRefusedAndListsWhatMayBeUpdated) {
  absl::Status status = ValidateUpdateMask(Mask({}), kAllowed);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(status.message(), "update_mask: "))
      << status.message();
  EXPECT_TRUE(absl::StrContains(status.message(), "term_end, term_start"))
      << status.message();
}

TEST(ValidateUpdateMask, AnUnknownPathIsNamed) {
  for (const char* path : {"role", "member", "name", "etag", "Term_end",
                           "term_end.year", "*", ""}) {
    absl::Status status =
        ValidateUpdateMask(Mask({"term_start", path}), kAllowed);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << path;
    EXPECT_TRUE(absl::StartsWith(status.message(), "update_mask: "))
        << status.message();
    EXPECT_TRUE(
        absl::StrContains(status.message(), std::string("\"") + path + "\""))
        << status.message();
    EXPECT_TRUE(absl::StrContains(status.message(), "cannot be updated"))
        << status.message();
  }
}

TEST(ValidateUpdateMask, NothingIsUpdatableWhenNothingIsAllowed) {
  absl::Status status = ValidateUpdateMask(Mask({"display_name"}), {});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace chibo
