#include "common/text_fold.h"

#include <unordered_map>

#include "absl/strings/ascii.h"

namespace chibo {
namespace {

// Decodes one UTF-8 sequence at `*pos`; returns false on malformed input
// (and skips one byte).
bool NextCodePoint(absl::string_view s, size_t* pos, char32_t* out) {
  const unsigned char lead = s[*pos];
  int length = 0;
  char32_t cp = 0;
  if (lead < 0x80) {
    length = 1;
    cp = lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    cp = lead & 0x07;
  } else {
    ++*pos;
    return false;
  }
  if (*pos + length > s.size()) {
    ++*pos;
    return false;
  }
  for (int i = 1; i < length; ++i) {
    const unsigned char c = s[*pos + i];
    if ((c & 0xC0) != 0x80) {
      ++*pos;
      return false;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  // Reject overlong forms and surrogates.
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*pos;
    return false;
  }
  *pos += length;
  *out = cp;
  return true;
}

const std::unordered_map<char32_t, char>& FoldTable() {
  static const auto* table = [] {
    auto* map = new std::unordered_map<char32_t, char>;
    const std::pair<char, absl::string_view> kGroups[] = {
        {'a', "àáảãạăằắẳẵặâầấẩẫậÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"},
        {'e', "èéẻẽẹêềếểễệÈÉẺẼẸÊỀẾỂỄỆ"},
        {'i', "ìíỉĩịÌÍỈĨỊ"},
        {'o', "òóỏõọôồốổỗộơờớởỡợÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"},
        {'u', "ùúủũụưừứửữựÙÚỦŨỤƯỪỨỬỮỰ"},
        {'y', "ỳýỷỹỵỲÝỶỸỴ"},
        {'d', "đĐ"},
    };
    for (const auto& [base, variants] : kGroups) {
      size_t pos = 0;
      char32_t cp;
      while (pos < variants.size()) {
        if (NextCodePoint(variants, &pos, &cp)) (*map)[cp] = base;
      }
    }
    return map;
  }();
  return *table;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::string FoldForSearch(absl::string_view utf8) {
  const auto& table = FoldTable();
  std::string out;
  out.reserve(utf8.size());
  bool pending_space = false;
  size_t pos = 0;
  while (pos < utf8.size()) {
    char32_t cp;
    if (!NextCodePoint(utf8, &pos, &cp)) continue;
    if (cp >= 0x300 && cp <= 0x36F) continue;  // combining marks (NFD)
    if (cp < 0x80 && absl::ascii_isspace(static_cast<unsigned char>(cp))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    if (cp < 0x80) {
      out += absl::ascii_tolower(static_cast<unsigned char>(cp));
    } else if (auto it = table.find(cp); it != table.end()) {
      out += it->second;
    } else {
      AppendUtf8(cp, &out);
    }
  }
  return out;
}

bool IsCleanUtf8(absl::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp;
    if (!NextCodePoint(text, &pos, &cp)) return false;
    if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F) return false;
  }
  return true;
}

size_t Utf8Length(absl::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace chibo
