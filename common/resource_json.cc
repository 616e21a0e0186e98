#include "common/resource_json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace chibo {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Whether the writer below prints every field of `type` (and of the
// messages in it) as protobuf does.
bool Supported(const Descriptor* type, int depth = 0) {
  if (depth > 32) return false;
  if (type->full_name() == "google.protobuf.Timestamp") return true;
  if (type->file()->package() == "google.protobuf") return false;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->is_map()) return false;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !Supported(field->message_type(), depth + 1)) {
      return false;
    }
  }
  return true;
}

// protobuf's escaping: the JSON specials, control characters, '<', '>',
// DEL, U+2028 and U+2029; everything else (UTF-8 included) as it is.
void AppendString(const std::string& text, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out->append("\\\"");
        continue;
      case '\\':
        out->append("\\\\");
        continue;
      case '\b':
        out->append("\\b");
        continue;
      case '\t':
        out->append("\\t");
        continue;
      case '\n':
        out->append("\\n");
        continue;
      case '\f':
        out->append("\\f");
        continue;
      case '\r':
        out->append("\\r");
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == '<' || c == '>' || c == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
      out->append(escaped);
      continue;
    }
    // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
    if (c == 0xE2 && i + 2 < text.size() &&
        static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
      out->append(static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028"
                                                                  : "\\u2029");
      i += 2;
      continue;
    }
    out->push_back(static_cast<char>(c));
  }
  out->push_back('"');
}

// %.15g, or %.17g when that does not read back as `value` (protobuf's
// SimpleDtoa; floats 6 and 9 digits, SimpleFtoa); non-finite values as
// protobuf's strings.
void AppendDouble(double value, int digits, int fallback, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
    return;
  }
  if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.*g", digits, value);
  const bool exact =
      digits == 15 ? std::strtod(text, nullptr) == value
                   : std::strtof(text, nullptr) == static_cast<float>(value);
  if (!exact) {
    std::snprintf(text, sizeof(text), "%.*g", fallback, value);
  }
  out->append(text);
}

void AppendMessage(const Message& message, std::string* out);

void AppendValue(const Message& message, const FieldDescriptor* field,
                 int index, std::string* out) {
  const Reflection* r = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, repeated ? r->GetRepeatedInt32(message, field, index)
                                    : r->GetInt32(message, field));
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, repeated
                               ? r->GetRepeatedUInt32(message, field, index)
                               : r->GetUInt32(message, field));
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(out, "\"",
                      repeated ? r->GetRepeatedInt64(message, field, index)
                               : r->GetInt64(message, field),
                      "\"");
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, "\"",
                      repeated ? r->GetRepeatedUInt64(message, field, index)
                               : r->GetUInt64(message, field),
                      "\"");
      return;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendDouble(repeated ? r->GetRepeatedDouble(message, field, index)
                            : r->GetDouble(message, field),
                   15, 17, out);
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendDouble(repeated ? r->GetRepeatedFloat(message, field, index)
                            : r->GetFloat(message, field),
                   6, 9, out);
      return;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((repeated ? r->GetRepeatedBool(message, field, index)
                            : r->GetBool(message, field))
                      ? "true"
                      : "false");
      return;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = repeated
                             ? r->GetRepeatedEnumValue(message, field, index)
                             : r->GetEnumValue(message, field);
      const auto* value = field->enum_type()->FindValueByNumber(number);
      if (value == nullptr) {
        absl::StrAppend(out, number);
      } else {
        AppendString(value->name(), out);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& text =
          repeated
              ? r->GetRepeatedStringReference(message, field, index, &scratch)
              : r->GetStringReference(message, field, &scratch);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        AppendString(absl::Base64Escape(text), out);
      } else {
        AppendString(text, out);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      AppendMessage(repeated ? r->GetRepeatedMessage(message, field, index)
                             : r->GetMessage(message, field),
                    out);
      return;
  }
}

void AppendMessage(const Message& message, std::string* out) {
  const Descriptor* type = message.GetDescriptor();
  if (type->full_name() == "google.protobuf.Timestamp") {
    AppendString(google::protobuf::util::TimeUtil::ToString(
                     static_cast<const google::protobuf::Timestamp&>(message)),
                 out);
    return;
  }
  // ListFields: the fields that are set (proto3: not default), by number,
  // which is the order protobuf prints them in.
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  out->push_back('{');
  bool first = true;
  for (const FieldDescriptor* field : fields) {
    if (!first) out->push_back(',');
    first = false;
    AppendString(field->json_name(), out);
    out->push_back(':');
    if (!field->is_repeated()) {
      AppendValue(message, field, 0, out);
      continue;
    }
    out->push_back('[');
    const int size = message.GetReflection()->FieldSize(message, field);
    for (int i = 0; i < size; ++i) {
      if (i > 0) out->push_back(',');
      AppendValue(message, field, i, out);
    }
    out->push_back(']');
  }
  out->push_back('}');
}

// Supported(type), worked out once per type: it is asked for every change
// event, and the answer never changes.
bool SupportedOnce(const Descriptor* type) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* known = new std::map<const Descriptor*, bool>();
  absl::MutexLock lock(&mu);
  auto it = known->find(type);
  if (it == known->end()) it = known->emplace(type, Supported(type)).first;
  return it->second;
}

}  // namespace

std::string ResourceJson(const Message& message) {
  std::string out;
  if (!SupportedOnce(message.GetDescriptor())) {
    // A message we just built always converts; an empty payload is still
    // a valid event.
    (void)google::protobuf::util::MessageToJsonString(message, &out);
    return out;
  }
  out.reserve(256);
  AppendMessage(message, &out);
  return out;
}

}  // namespace chibo
