#include "common/update_mask.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace chibo {

absl::Status ValidateUpdateMask(const google::protobuf::FieldMask& mask,
                                const std::set<std::string>& allowed) {
  if (mask.paths_size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("update_mask: is required; updatable fields: ",
                     absl::StrJoin(allowed, ", ")));
  }
  for (const std::string& path : mask.paths()) {
    if (allowed.count(path) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "update_mask: \"", path, "\" cannot be updated; updatable fields: ",
          absl::StrJoin(allowed, ", ")));
    }
  }
  return absl::OkStatus();
}

}  // namespace chibo
