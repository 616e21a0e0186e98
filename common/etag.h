#ifndef CHIBO_COMMON_ETAG_H_
#define CHIBO_COMMON_ETAG_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace chibo {

// An etag names one version of a resource: `"<version>"` in quotes, as
// HTTP does. Every write of the row increments its version column.
std::string MakeEtag(int64_t version);

// Empty `sent` skips the check (AIP-154). A mismatch is ABORTED, naming the
// resource, so clients re-read and retry.
absl::Status CheckEtag(absl::string_view sent, int64_t current_version,
                       absl::string_view resource_name);

}  // namespace chibo

#endif  // CHIBO_COMMON_ETAG_H_
