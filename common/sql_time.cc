#include "common/sql_time.h"

#include "absl/time/time.h"

namespace chibo {

google::protobuf::Timestamp SqlToTimestamp(const std::string& text) {
  google::protobuf::Timestamp out;
  absl::Time parsed;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d %H:%M:%E*S", std::string(text),
                      absl::UTCTimeZone(), &parsed, &error)) {
    const int64_t micros = absl::ToUnixMicros(parsed);
    out.set_seconds(micros / 1000000);
    out.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  }
  return out;
}

}  // namespace chibo
