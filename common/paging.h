#ifndef CHIBO_COMMON_PAGING_H_
#define CHIBO_COMMON_PAGING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace chibo {

// page_size: 0 means `default_size`; above `max_size` is clamped (AIP-158);
// negative is INVALID_ARGUMENT.
absl::StatusOr<int> NormalizePageSize(int32_t page_size, int default_size = 50,
                                      int max_size = 1000);

// Keyset pagination: where the next page starts.
struct PageCursor {
  int64_t after_id = 0;
  // What a list built on another list's pages needs to go on (that list's
  // own page token), when the issuer gave one; otherwise empty.
  std::string inner;
};

// The tokens of one List call. A token carries the last id returned and a
// fingerprint of what it was issued for: the method, the collection listed
// and the request's filters, which are every field of the request except
// page_size and page_token (AIP-158: the other fields must not change
// between pages). `resolved` adds what the server derived from the filters
// and that changes the list too (a defaulted "today"). A token used with any
// other method, collection or filters is INVALID_ARGUMENT naming page_token.
// Tokens are opaque to clients (web-safe base64); the fingerprint guards
// against mixing tokens, it is no secret.
//
// Every List handler uses it the same way:
//   const PageTokens page(call.method, "positions", *request);
//   ASSIGN_OR_RETURN(PageCursor cursor, page.Decode(request->page_token()));
//   ...
//   if (more) response->set_next_page_token(page.After(last_name));
class PageTokens {
 public:
  PageTokens(absl::string_view method, absl::string_view collection,
             const google::protobuf::Message& request,
             absl::string_view resolved = "");

  // Empty token -> after_id 0. A token that is corrupt or was issued for
  // another method, collection or filters -> INVALID_ARGUMENT.
  absl::StatusOr<PageCursor> Decode(absl::string_view token) const;

  // The token for the page after the row with id `last_id`.
  std::string After(int64_t last_id) const;
  // The same, carrying `inner` (a peer's page token: web-safe base64, at
  // most 512 characters) back to the next Decode.
  std::string After(int64_t last_id, absl::string_view inner) const;
  // The token for the page after the resource named `last_name` (the last
  // one returned, "positions/42" in collection "positions").
  std::string After(absl::string_view last_name) const;

  const std::string& fingerprint() const { return fingerprint_; }

 private:
  std::string collection_;
  std::string fingerprint_;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_PAGING_H_
