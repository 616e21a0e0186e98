#ifndef CHIBO_COMMON_TEXT_FOLD_H_
#define CHIBO_COMMON_TEXT_FOLD_H_

#include <string>

#include "absl/strings/string_view.h"

namespace chibo {

// Folds Vietnamese text for diacritic-insensitive search: lower case, tone
// marks and vowel marks removed, đ -> d, runs of white space collapsed.
// "Đảng bộ Khối" -> "dang bo khoi". Accepts precomposed (NFC) and
// decomposed (NFD) input. Invalid UTF-8 bytes are dropped.
std::string FoldForSearch(absl::string_view utf8);

// True if `text` is valid UTF-8 without control characters other than
// tab/newline, i.e. fit to store as a name.
bool IsCleanUtf8(absl::string_view text);

// Number of Unicode code points, for length rules on Vietnamese text.
size_t Utf8Length(absl::string_view text);

}  // namespace chibo

#endif  // CHIBO_COMMON_TEXT_FOLD_H_
