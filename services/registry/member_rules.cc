#include "services/registry/member_rules.h"

#include <vector>

#include "absl/strings/str_join.h"

namespace chibo::registry {

using v1::CellMemberFilter;
using v1::MemberStatus;

bool MayVote(MemberStatus status) { return status == v1::MEMBER_STATUS_FULL; }

bool CountsInAttendance(MemberStatus status) {
  return status == v1::MEMBER_STATUS_FULL ||
         status == v1::MEMBER_STATUS_PROBATIONARY;
}

bool IsCurrentMember(MemberStatus status) {
  return status != v1::MEMBER_STATUS_REMOVED &&
         status != v1::MEMBER_STATUS_UNSPECIFIED;
}

std::string StatusSetFor(CellMemberFilter filter) {
  std::vector<int> statuses;
  for (int s = v1::MemberStatus_MIN; s <= v1::MemberStatus_MAX; ++s) {
    if (!v1::MemberStatus_IsValid(s)) continue;
    const auto status = static_cast<MemberStatus>(s);
    bool admitted = false;
    switch (filter) {
      case v1::CELL_MEMBER_FILTER_VOTERS:
        admitted = MayVote(status);
        break;
      case v1::CELL_MEMBER_FILTER_ATTENDANCE:
        admitted = CountsInAttendance(status);
        break;
      default:
        admitted = IsCurrentMember(status);
    }
    if (admitted) statuses.push_back(s);
  }
  return absl::StrJoin(statuses, ",");
}

absl::Status CheckJoiningStatus(MemberStatus status) {
  if (status == v1::MEMBER_STATUS_FULL ||
      status == v1::MEMBER_STATUS_PROBATIONARY) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "status: a new member must be MEMBER_STATUS_PROBATIONARY or "
      "MEMBER_STATUS_FULL");
}

}  // namespace chibo::registry
