#include "services/scheduling/attendance_digest.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/scheduling/proto_codec.h"

namespace chibo::scheduling {
namespace {

// Reads the decimal number at `*p` (at least one digit, at most 18 so it
// cannot overflow) and moves past it.
bool ReadNumber(const char** p, const char* end, int64_t* value) {
  const char* start = *p;
  int64_t n = 0;
  while (*p < end && **p >= '0' && **p <= '9' && *p - start < 18) {
    n = n * 10 + (**p - '0');
    ++*p;
  }
  if (*p == start || (*p < end && **p >= '0' && **p <= '9')) return false;
  *value = n;
  return true;
}

}  // namespace

std::string AttendanceDigestOf(const std::vector<NewAttendance>& attendance) {
  std::vector<std::pair<int64_t, int>> marks;
  marks.reserve(attendance.size());
  for (const NewAttendance& a : attendance) {
    marks.emplace_back(a.member_id, static_cast<int>(a.mark));
  }
  std::sort(marks.begin(), marks.end());
  std::string out;
  out.reserve(marks.size() * 10);
  for (const auto& [member_id, mark] : marks) {
    absl::StrAppend(&out, out.empty() ? "" : ",", member_id, ":", mark);
  }
  return out;
}

bool ParseAttendanceDigest(absl::string_view digest,
                           std::vector<AttendanceEntry>* out) {
  out->clear();
  if (digest.empty()) return true;  // a record of a cell without members
  out->reserve(std::count(digest.begin(), digest.end(), ',') + 1);
  const char* p = digest.data();
  const char* const end = p + digest.size();
  while (true) {
    int64_t member_id = 0;
    int64_t mark = 0;
    if (!ReadNumber(&p, end, &member_id) || p == end || *p++ != ':' ||
        !ReadNumber(&p, end, &mark) || mark > 255) {
      out->clear();
      return false;
    }
    out->push_back({member_id, MarkFromProto(static_cast<v1::AttendanceMark>(
                                   static_cast<int>(mark)))});
    if (p == end) return true;
    if (*p++ != ',') {
      out->clear();
      return false;
    }
  }
}

}  // namespace chibo::scheduling
