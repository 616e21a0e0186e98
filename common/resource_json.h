#ifndef CHIBO_COMMON_RESOURCE_JSON_H_
#define CHIBO_COMMON_RESOURCE_JSON_H_

#include <string>

#include "google/protobuf/message.h"

namespace chibo {

// `message` as protobuf's JSON mapping prints it (MessageToJsonString with
// default options: lowerCamelCase names, defaults omitted, 64-bit integers
// and enums as strings, Timestamps in RFC 3339), byte for byte, written
// straight from reflection. protobuf 3.21 prints by serializing to binary
// and re-parsing it through a type resolver, which was a quarter of the
// registry's CPU in a bulk import (every change event carries its resource
// as JSON). Messages holding a field this writer does not know (maps, or
// well-known types other than Timestamp) go through protobuf's printer.
std::string ResourceJson(const google::protobuf::Message& message);

}  // namespace chibo

#endif  // CHIBO_COMMON_RESOURCE_JSON_H_
