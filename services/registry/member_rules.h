#ifndef CHIBO_SERVICES_REGISTRY_MEMBER_RULES_H_
#define CHIBO_SERVICES_REGISTRY_MEMBER_RULES_H_

#include <string>

#include "absl/status/status.h"
#include "chibo/registry/v1/registry.pb.h"

namespace chibo::registry {

using ::chibo::registry::v1::CellMemberFilter;
using ::chibo::registry::v1::MemberStatus;

// Đảng viên chính thức vote; dự bị attend and speak but do not.
bool MayVote(MemberStatus status);

// Exempt, temporarily exempt and suspended members are left out of
// attendance denominators.
bool CountsInAttendance(MemberStatus status);

// A removed member (xóa tên, khai trừ) no longer belongs to any cell.
bool IsCurrentMember(MemberStatus status);

// The statuses a cell-member filter admits, as a comma-separated list of
// enum numbers for FIND_IN_SET(): "1,2,3,4,5".
std::string StatusSetFor(CellMemberFilter filter);

// A member joins a cell as probationary (kết nạp) or full (transferred in).
absl::Status CheckJoiningStatus(MemberStatus status);

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_MEMBER_RULES_H_
