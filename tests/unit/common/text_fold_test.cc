#include "common/text_fold.h"

#include "gtest/gtest.h"

namespace chibo {
namespace {

TEST(FoldForSearch, RemovesVietnameseMarks) {
  EXPECT_EQ(FoldForSearch("Đảng bộ Khối các cơ quan"),
            "dang bo khoi cac co quan");
  EXPECT_EQ(FoldForSearch("Chi bộ Thôn Nà Lừa"), "chi bo thon na lua");
  EXPECT_EQ(FoldForSearch("ỨNG HÒA  Ỵ"), "ung hoa y");
}

TEST(FoldForSearch, HandlesDecomposedInput) {
  // "Đảng" with the hook above and dot below as combining marks (NFD).
  EXPECT_EQ(FoldForSearch("\xC4\x90"
                          "a\xCC\x89ng"),
            "dang");
}

TEST(FoldForSearch, CollapsesSpaceAndDropsInvalidBytes) {
  EXPECT_EQ(FoldForSearch("  a \t b  "), "a b");
  EXPECT_EQ(FoldForSearch("a\xFF"
                          "b"),
            "ab");
}

TEST(IsCleanUtf8, RejectsControlsAndBadSequences) {
  EXPECT_TRUE(IsCleanUtf8("Tỉnh ủy Lạng Sơn"));
  EXPECT_FALSE(IsCleanUtf8("a\x01"));
  EXPECT_FALSE(IsCleanUtf8("\xC0\xAF"));      // overlong '/'
  EXPECT_FALSE(IsCleanUtf8("\xED\xA0\x80"));  // surrogate
}

TEST(Utf8Length, CountsCodePoints) { EXPECT_EQ(Utf8Length("Đảng"), 4u); }

}  // namespace
}  // namespace chibo
