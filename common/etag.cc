#include "common/etag.h"

#include "absl/strings/str_cat.h"

namespace chibo {

std::string MakeEtag(int64_t version) {
  return absl::StrCat("\"", version, "\"");
}

absl::Status CheckEtag(absl::string_view sent, int64_t current_version,
                       absl::string_view resource_name) {
  if (sent.empty() || sent == MakeEtag(current_version)) {
    return absl::OkStatus();
  }
  return absl::AbortedError(
      absl::StrCat("etag: ", resource_name,
                   " was changed by someone else; read it again and retry"));
}

}  // namespace chibo
