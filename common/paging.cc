#include "common/paging.h"

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/resource_name.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace chibo {
namespace {

constexpr char kVersion[] = "p2";

// FNV-1a, 64 bits.
uint64_t Fnv1a(uint64_t hash, absl::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

// The request as the client sent it, minus the paging fields and anything
// this server does not know, serialized deterministically.
std::string FiltersOf(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> filters(request.New());
  filters->CopyFrom(request);
  const google::protobuf::Descriptor* descriptor = filters->GetDescriptor();
  const google::protobuf::Reflection* reflection = filters->GetReflection();
  for (const char* paging : {"page_size", "page_token"}) {
    if (const google::protobuf::FieldDescriptor* field =
            descriptor->FindFieldByName(paging)) {
      reflection->ClearField(filters.get(), field);
    }
  }
  filters->DiscardUnknownFields();
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    filters->SerializeToCodedStream(&out);
  }
  return bytes;
}

absl::Status BadToken() {
  return absl::InvalidArgumentError(
      "page_token: is not a token returned by this list with these filters "
      "(a token is valid only for the same method and the same request "
      "fields other than page_size)");
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

PageTokens::PageTokens(absl::string_view method, absl::string_view collection,
                       const google::protobuf::Message& request,
                       absl::string_view resolved)
    : collection_(collection) {
  // Each part is length-prefixed, so no two scopes share an input.
  const std::string type = request.GetTypeName();
  const std::string filters = FiltersOf(request);
  uint64_t hash = 1469598103934665603ULL;
  for (absl::string_view part : {method, collection, absl::string_view(type),
                                 absl::string_view(filters), resolved}) {
    hash = Fnv1a(hash, absl::StrCat(part.size(), ":"));
    hash = Fnv1a(hash, part);
  }
  fingerprint_ = absl::StrCat(absl::Hex(hash, absl::kZeroPad16));
}

std::string PageTokens::After(int64_t last_id) const {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kVersion, ":", last_id, ":", fingerprint_));
}

std::string PageTokens::After(int64_t last_id, absl::string_view inner) const {
  if (inner.empty()) return After(last_id);
  return absl::WebSafeBase64Escape(
      absl::StrCat(kVersion, ":", last_id, ":", fingerprint_, ":", inner));
}

std::string PageTokens::After(absl::string_view last_name) const {
  // Names come from our own rows, so they always parse.
  absl::StatusOr<int64_t> id = ParseResourceId(last_name, collection_, "name");
  return After(id.ok() ? *id : 0);
}

absl::StatusOr<PageCursor> PageTokens::Decode(absl::string_view token) const {
  PageCursor cursor;
  if (token.empty()) return cursor;
  std::string raw;
  if (token.size() > 1024 || !absl::WebSafeBase64Unescape(token, &raw)) {
    return BadToken();
  }
  std::vector<absl::string_view> parts = absl::StrSplit(raw, ':');
  if ((parts.size() != 3 && parts.size() != 4) || parts[0] != kVersion ||
      !absl::SimpleAtoi(parts[1], &cursor.after_id) || cursor.after_id < 0 ||
      parts[2] != fingerprint_) {
    return BadToken();
  }
  if (parts.size() == 4) {
    std::string unused;
    if (parts[3].empty() || parts[3].size() > 512 ||
        !absl::WebSafeBase64Unescape(parts[3], &unused)) {
      return BadToken();
    }
    cursor.inner = std::string(parts[3]);
  }
  return cursor;
}

}  // namespace chibo
