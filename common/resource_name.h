#ifndef CHIBO_COMMON_RESOURCE_NAME_H_
#define CHIBO_COMMON_RESOURCE_NAME_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chibo {

// "organizations/42" -> 42 for collection "organizations". `field` names the
// request field in the error: INVALID_ARGUMENT "parent: must be
// organizations/{id} with a positive id, got "x"".
absl::StatusOr<int64_t> ParseResourceId(absl::string_view name,
                                        absl::string_view collection,
                                        absl::string_view field);

// Like ParseResourceId, but empty is allowed and gives 0.
absl::StatusOr<int64_t> ParseOptionalResourceId(absl::string_view name,
                                                absl::string_view collection,
                                                absl::string_view field);

std::string ResourceName(absl::string_view collection, int64_t id);

}  // namespace chibo

#endif  // CHIBO_COMMON_RESOURCE_NAME_H_
