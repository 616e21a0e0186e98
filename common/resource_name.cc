#include "common/resource_name.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"

namespace chibo {

absl::StatusOr<int64_t> ParseResourceId(absl::string_view name,
                                        absl::string_view collection,
                                        absl::string_view field) {
  absl::string_view rest = name;
  int64_t id = 0;
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": is required (", collection, "/{id})"));
  }
  if (!absl::ConsumePrefix(&rest, collection) ||
      !absl::ConsumePrefix(&rest, "/") || rest.empty() || rest.size() > 18 ||
      rest.find_first_not_of("0123456789") != absl::string_view::npos ||
      rest[0] == '0' || !absl::SimpleAtoi(rest, &id)) {
    const absl::string_view shown = name.substr(0, 64);
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must be ", collection, "/{id} with a positive id, got \"",
        JsonEscape(shown), "\""));
  }
  return id;
}

absl::StatusOr<int64_t> ParseOptionalResourceId(absl::string_view name,
                                                absl::string_view collection,
                                                absl::string_view field) {
  if (name.empty()) return 0;
  return ParseResourceId(name, collection, field);
}

std::string ResourceName(absl::string_view collection, int64_t id) {
  return absl::StrCat(collection, "/", id);
}

}  // namespace chibo
