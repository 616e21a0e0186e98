#ifndef CHIBO_COMMON_PAGING_H_
#define CHIBO_COMMON_PAGING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chibo {

// page_size: 0 means `default_size`; above `max_size` is clamped (AIP-158);
// negative is INVALID_ARGUMENT.
absl::StatusOr<int> NormalizePageSize(int32_t page_size, int default_size = 50,
                                      int max_size = 1000);

// Keyset pagination: a token carries the last id returned plus a
// fingerprint of the request's filters, so a token is rejected when reused
// with different filters. Opaque to clients (web-safe base64).
struct PageCursor {
  int64_t after_id = 0;
};

std::string EncodePageToken(int64_t last_id, absl::string_view filter_key);

// The token for the page after the resource named `last_name` (the last one
// returned, "tasks/42" in `collection` "tasks").
std::string PageTokenAfter(absl::string_view last_name,
                           absl::string_view collection,
                           absl::string_view filter_key);

// Empty token -> after_id 0. A token that is corrupt or was issued for other
// filters -> INVALID_ARGUMENT naming page_token.
absl::StatusOr<PageCursor> DecodePageToken(absl::string_view token,
                                           absl::string_view filter_key);

}  // namespace chibo

#endif  // CHIBO_COMMON_PAGING_H_
