#include "common/paging.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/resource_name.h"

namespace chibo {
namespace {

constexpr char kVersion[] = "p1";

// FNV-1a of the filters; a guard against mixing tokens, not a secret.
std::string Fingerprint(absl::string_view filter_key) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : filter_key) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return absl::StrCat(absl::Hex(hash));
}

absl::Status BadToken() {
  return absl::InvalidArgumentError(
      "page_token: is not a token returned by this list with these filters");
}

}  // namespace

absl::StatusOr<int> NormalizePageSize(int32_t page_size, int default_size,
                                      int max_size) {
  if (page_size < 0) {
    return absl::InvalidArgumentError("page_size: must not be negative");
  }
  if (page_size == 0) return default_size;
  return page_size > max_size ? max_size : static_cast<int>(page_size);
}

std::string EncodePageToken(int64_t last_id, absl::string_view filter_key) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kVersion, ":", last_id, ":", Fingerprint(filter_key)));
}

absl::StatusOr<PageCursor> DecodePageToken(absl::string_view token,
                                           absl::string_view filter_key) {
  PageCursor cursor;
  if (token.empty()) return cursor;
  std::string raw;
  if (token.size() > 256 || !absl::WebSafeBase64Unescape(token, &raw)) {
    return BadToken();
  }
  std::vector<absl::string_view> parts = absl::StrSplit(raw, ':');
  if (parts.size() != 3 || parts[0] != kVersion ||
      !absl::SimpleAtoi(parts[1], &cursor.after_id) || cursor.after_id < 0 ||
      parts[2] != Fingerprint(filter_key)) {
    return BadToken();
  }
  return cursor;
}

std::string PageTokenAfter(absl::string_view last_name,
                           absl::string_view collection,
                           absl::string_view filter_key) {
  // Names come from our own rows, so they always parse.
  absl::StatusOr<int64_t> id = ParseResourceId(last_name, collection, "name");
  return EncodePageToken(id.ok() ? *id : 0, filter_key);
}

}  // namespace chibo
