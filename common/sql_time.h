#ifndef CHIBO_COMMON_SQL_TIME_H_
#define CHIBO_COMMON_SQL_TIME_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/timestamp.pb.h"

namespace chibo {

// "2026-11-22 07:50:01.123456" (a UTC DATETIME(6) as Connector/C++ returns
// it) -> Timestamp. Unparseable text gives the epoch.
google::protobuf::Timestamp SqlToTimestamp(const std::string& text);

// Timestamp -> "2026-11-22 07:50:01.123456" (UTC) for a DATETIME(6) column.
std::string TimestampToSql(const google::protobuf::Timestamp& timestamp);

// Dates and times read as numbers, for statements that return many rows:
// Connector/C++ turns each DATE or DATETIME it is asked for as a string
// into text with snprintf, and parsing it back was about a fifth of a
// schedule page's CPU (perf, province ListMeetings).
// Both MariaDB and MySQL have TO_DAYS (days since year 0).

// TO_DAYS(day) -> the civil day.
absl::CivilDay FromSqlDays(int64_t to_days);

// (TO_DAYS(t) * 1440 + HOUR(t) * 60 + MINUTE(t)) -> the civil minute.
absl::CivilMinute FromSqlMinutes(int64_t minutes);

}  // namespace chibo

#endif  // CHIBO_COMMON_SQL_TIME_H_
