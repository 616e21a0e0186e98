#ifndef CHIBO_COMMON_UPDATE_MASK_H_
#define CHIBO_COMMON_UPDATE_MASK_H_

#include <set>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/field_mask.pb.h"

namespace chibo {

// Every path must be in `allowed`; an empty mask is rejected so that a
// client never overwrites fields it did not mean to (AIP-134).
absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask,
                                const std::set<std::string>& allowed);

}  // namespace chibo

#endif  // CHIBO_COMMON_UPDATE_MASK_H_
