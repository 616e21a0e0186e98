#include "services/scheduling/record_attendance.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/dates.h"
#include "common/status_macros.h"
#include "services/scheduling/proto_codec.h"

namespace chibo::scheduling {

absl::Status ResolveAttendance(const v1::MeetingRecord& r,
                               const OrgDirectory::MemberMap& members,
                               int64_t cell_id, absl::CivilDay held_day,
                               std::vector<NewAttendance>* out) {
  std::set<int64_t> marked;
  for (int i = 0; i < r.attendance_size(); ++i) {
    const v1::Attendance& a = r.attendance(i);
    const std::string field = absl::StrCat("record.attendance[", i, "]");
    ASSIGN_OR_RETURN(int64_t id, CellMemberId(a.member(), field + ".member",
                                              members, cell_id, held_day));
    if (!marked.insert(id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".member: ", a.member(), " is listed twice"));
    }
    if (a.mark() == v1::ATTENDANCE_MARK_UNSPECIFIED ||
        !v1::AttendanceMark_IsValid(a.mark())) {
      return absl::InvalidArgumentError(
          absl::StrCat(field,
                       ".mark: must be PRESENT, ABSENT_WITH_REASON, "
                       "ABSENT_WITHOUT_REASON or EXEMPT"));
    }
    RETURN_IF_ERROR(CheckText(a.reason(), field + ".reason", 1000));
    const bool counts = members.at(id).counts_in_attendance();
    if (a.mark() == v1::ATTENDANCE_MARK_EXEMPT && counts) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".mark: ", a.member(), " is not exempt from meetings on ",
          FormatDate(held_day)));
    }
    // An exempt member who stays away is simply exempt; one who comes
    // counts as present.
    v1::AttendanceMark mark = a.mark();
    if (!counts && mark != v1::ATTENDANCE_MARK_PRESENT) {
      mark = v1::ATTENDANCE_MARK_EXEMPT;
    }
    out->push_back({id, mark, a.reason()});
  }
  std::vector<std::string> missing;
  for (const auto& [id, member] : members) {
    if (marked.count(id) == 0) missing.push_back(member.member());
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "record.attendance: every member of the cell on ", FormatDate(held_day),
        " needs a mark; missing ", absl::StrJoin(missing, ", ")));
  }
  return absl::OkStatus();
}

}  // namespace chibo::scheduling
