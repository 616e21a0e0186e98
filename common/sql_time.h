#ifndef CHIBO_COMMON_SQL_TIME_H_
#define CHIBO_COMMON_SQL_TIME_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/timestamp.pb.h"

namespace chibo {

// "2026-11-22 07:50:01.123456" (a UTC DATETIME(6) as Connector/C++ returns
// it) -> Timestamp. Unparseable text gives the epoch.
google::protobuf::Timestamp SqlToTimestamp(const std::string& text);

// Timestamp -> "2026-11-22 07:50:01.123456" (UTC) for a DATETIME(6) column.
std::string TimestampToSql(const google::protobuf::Timestamp& timestamp);

}  // namespace chibo

#endif  // CHIBO_COMMON_SQL_TIME_H_
