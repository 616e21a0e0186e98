#include "services/scheduling/org_directory.h"

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/resource_name.h"
#include "common/status_macros.h"

namespace chibo::scheduling {

namespace {

absl::StatusOr<OrgDirectory::MemberMap> ByMemberId(
    const std::vector<registry::v1::CellMember>& listed) {
  OrgDirectory::MemberMap members;
  for (const auto& member : listed) {
    ASSIGN_OR_RETURN(int64_t id,
                     ParseResourceId(member.member(), "members", "member"));
    members[id] = member;
  }
  return members;
}

}  // namespace

absl::StatusOr<OrgDirectory::MemberMap> OrgDirectory::Members(
    const CallContext& call, int64_t cell, absl::CivilDay day) {
  // Admission asked already when a dated reference named the cell's
  // members: decide on that answer, and ask once per call.
  if (const AdmittedRoster* admitted =
          FindAdmittedRoster(call.caller, cell, day)) {
    return ByMemberId(admitted->members);
  }
  ASSIGN_OR_RETURN(std::vector<registry::v1::CellMember> listed,
                   view_->CellMembers(call, cell, day));
  return ByMemberId(listed);
}

absl::StatusOr<OrgDirectory::CellAndMembers> OrgDirectory::GetCellAndMembers(
    const CallContext& call, int64_t cell, absl::string_view field,
    absl::CivilDay day) {
  CellAndMembers out;
  if (const AdmittedRoster* admitted =
          FindAdmittedRoster(call.caller, cell, day)) {
    ASSIGN_OR_RETURN(out.cell, GetCell(call, cell, field));
    ASSIGN_OR_RETURN(out.members, ByMemberId(admitted->members));
    return out;
  }
  ASSIGN_OR_RETURN(TreeView::CellWithMembers both,
                   view_->GetCellWithMembers(call, cell, field, day));
  out.cell = std::move(both.cell);
  ASSIGN_OR_RETURN(out.members, ByMemberId(both.members()));
  return out;
}

absl::Status OrgDirectory::CheckAssignee(
    const CallContext& call, int64_t cell_id, const std::string& assignee,
    const std::string& field, const MemberMap& members, absl::CivilDay day) {
  if (ParseResourceId(assignee, "members", field).ok()) {
    return CellMemberId(assignee, field, members, cell_id, day).status();
  }
  if (!ParseResourceId(assignee, "organizations", field).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field,
                     ": must be a member (members/{id}) or a party group "
                     "(organizations/{id})"));
  }
  ASSIGN_OR_RETURN(OrgInfo group, Get(call, OrgId(assignee), field));
  if (group.ancestors.size() < 2 || group.ancestors[1] != cell_id) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", assignee, " is not a party group (tổ đảng) of ",
        ResourceName("organizations", cell_id)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> CellMemberId(const std::string& name,
                                     const std::string& field,
                                     const OrgDirectory::MemberMap& members,
                                     int64_t cell_id, absl::CivilDay day) {
  ASSIGN_OR_RETURN(int64_t id, ParseResourceId(name, "members", field));
  if (members.count(id) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", name, " is not a member of ",
        ResourceName("organizations", cell_id), " on ", FormatDate(day)));
  }
  return id;
}

}  // namespace chibo::scheduling
