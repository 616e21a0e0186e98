#include "common/sql_time.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace chibo {
namespace {

// Reads `count` digits at `pos`; false if any is not a digit.
bool Digits(const std::string& text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

}  // namespace

// Hand-parsed: this runs for every row read, and absl::ParseTime showed in
// the benchmark's profile.
google::protobuf::Timestamp SqlToTimestamp(const std::string& text) {
  google::protobuf::Timestamp out;
  int year, month, day, hour, minute, second;
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' || text[10] != ' ' ||
      text[13] != ':' || text[16] != ':' || !Digits(text, 0, 4, &year) ||
      !Digits(text, 5, 2, &month) || !Digits(text, 8, 2, &day) ||
      !Digits(text, 11, 2, &hour) || !Digits(text, 14, 2, &minute) ||
      !Digits(text, 17, 2, &second)) {
    return out;
  }
  int nanos = 0;
  if (text.size() > 20 && text[19] == '.') {
    int scale = 100000000;
    for (size_t i = 20; i < text.size() && scale > 0; ++i, scale /= 10) {
      if (text[i] < '0' || text[i] > '9') break;
      nanos += (text[i] - '0') * scale;
    }
  }
  const absl::Time time =
      absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second),
                      absl::UTCTimeZone());
  out.set_seconds(absl::ToUnixSeconds(time));
  out.set_nanos(nanos);
  return out;
}

std::string TimestampToSql(const google::protobuf::Timestamp& timestamp) {
  const absl::Time time = absl::FromUnixSeconds(timestamp.seconds()) +
                          absl::Nanoseconds(timestamp.nanos());
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", time, absl::UTCTimeZone());
}

namespace {
// TO_DAYS('1970-01-01').
constexpr int64_t kToDaysOfEpoch = 719528;
}  // namespace

absl::CivilDay FromSqlDays(int64_t to_days) {
  return absl::CivilDay(1970, 1, 1) + (to_days - kToDaysOfEpoch);
}

absl::CivilMinute FromSqlMinutes(int64_t minutes) {
  return absl::CivilMinute(1970, 1, 1) + (minutes - kToDaysOfEpoch * 1440);
}

}  // namespace chibo
