#include "common/auth/permissions.h"

#include <map>

#include "absl/strings/str_cat.h"

namespace chibo::auth {
namespace {

constexpr char kRegistry[] = "chibo.registry.v1.RegistryService/";
constexpr char kFeed[] = "chibo.feed.v1.ChangeFeedService/";
constexpr char kScheduling[] = "chibo.scheduling.v1.SchedulingService/";

Target Org(const char* path) { return {path, "organizations"}; }
Target Member(const char* path) { return {path, "members"}; }
Target Position(const char* path) { return {path, "positions"}; }
Target Cadre(const char* path) { return {path, "cadres"}; }
Target Rule(const char* path) { return {path, "meetingRules"}; }
Target Meeting(const char* path) { return {path, "meetings"}; }
Target Task(const char* path) { return {path, "tasks"}; }
Target Code(const char* path) {
  return {path, "organizations", TargetKind::kExternalCode};
}

using Table = std::map<std::string, Permission, std::less<>>;

void Add(Table& table, absl::string_view service, absl::string_view rpc,
         Access access, std::vector<Target> targets) {
  table[absl::StrCat(service, rpc)] = Permission{access, std::move(targets)};
}

const Table& PermissionTable() {
  static const Table* table = [] {
    auto* t = new Table;
    const Access r = Access::kRead;
    const Access w = Access::kWrite;
    // chibo.registry.v1
    Add(*t, kRegistry, "GetOrganization", r, {Org("name")});
    Add(*t, kRegistry, "ListOrganizations", r,
        {Org("parent"), Org("ancestor")});
    Add(*t, kRegistry, "CreateOrganization", w, {Org("organization.parent")});
    Add(*t, kRegistry, "UpdateOrganization", w, {Org("organization.name")});
    Add(*t, kRegistry, "DeleteOrganization", w, {Org("name")});
    Add(*t, kRegistry, "MoveOrganization", w, {Org("name"), Org("new_parent")});
    Add(*t, kRegistry, "GetOrganizationAncestry", r, {Org("name")});
    Add(*t, kRegistry, "ListParentHistory", r, {Org("name")});
    Add(*t, kRegistry, "BulkUpsertOrganizations", Access::kBulk,
        {Code("rows.parent_external_code"), Code("rows.external_code")});
    Add(*t, kRegistry, "GetMember", r, {Member("name")});
    Add(*t, kRegistry, "ListMembers", r, {Org("cell"), Org("ancestor")});
    Add(*t, kRegistry, "CreateMember", w, {Org("cell")});
    Add(*t, kRegistry, "UpdateMember", w, {Member("member.name")});
    Add(*t, kRegistry, "DeleteMember", w, {Member("name")});
    Add(*t, kRegistry, "ChangeMemberStatus", w, {Member("member")});
    Add(*t, kRegistry, "ListMemberStatuses", r, {Member("member")});
    Add(*t, kRegistry, "TransferMember", w, {Member("member"), Org("to_cell")});
    Add(*t, kRegistry, "ListMemberships", r, {Member("member")});
    Add(*t, kRegistry, "ListCellMembers", r, {Org("cell")});
    Add(*t, kRegistry, "CreatePosition", w, {Org("position.organization")});
    Add(*t, kRegistry, "ListPositions", r, {Org("organization")});
    Add(*t, kRegistry, "UpdatePosition", w, {Position("position.name")});
    Add(*t, kRegistry, "DeletePosition", w, {Position("name")});
    Add(*t, kRegistry, "CreateCadre", w, {Org("cadre.committee")});
    Add(*t, kRegistry, "ListCadres", r, {Org("committee")});
    Add(*t, kRegistry, "DeleteCadre", w, {Cadre("name")});
    // chibo.scheduling.v1
    Add(*t, kScheduling, "CreateMeetingRule", w, {Org("rule.organization")});
    Add(*t, kScheduling, "GetMeetingRule", r, {Rule("name")});
    Add(*t, kScheduling, "ListMeetingRules", r, {Org("organization")});
    Add(*t, kScheduling, "ReviseMeetingRule", w, {Rule("name")});
    // Holidays are national reference data: only unscoped callers (system
    // admin, services) set them; every role reads them.
    Add(*t, kScheduling, "SetHolidayCalendar", w, {});
    Add(*t, kScheduling, "GetHolidayCalendar", Access::kReference, {});
    Add(*t, kScheduling, "ListMeetings", r, {Org("organization")});
    Add(*t, kScheduling, "PostponeMeeting", w, {Org("cell")});
    Add(*t, kScheduling, "RecordMeeting", w, {Org("record.cell")});
    Add(*t, kScheduling, "GetMeetingRecord", r, {Meeting("name")});
    Add(*t, kScheduling, "ListTasks", r, {Org("cell")});
    Add(*t, kScheduling, "UpdateTask", w, {Task("task.name")});
    Add(*t, kScheduling, "CreateTopic", w, {Org("topic.organization")});
    Add(*t, kScheduling, "ListTopics", r, {Org("organization")});
    Add(*t, kScheduling, "GetPlanCompletion", r, {Org("organization")});
    Add(*t, kScheduling, "GetComplianceReport", r, {Org("organization")});
    Add(*t, kScheduling, "ExportCalendar", r, {Org("cell")});
    // chibo.feed.v1, served by every service over its own outbox.
    Add(*t, kFeed, "ListChanges", Access::kFeed, {});
    Add(*t, kFeed, "WatchChanges", Access::kFeed, {});
    return t;
  }();
  return *table;
}

}  // namespace

const Permission* FindPermission(absl::string_view method) {
  const Table& table = PermissionTable();
  auto it = table.find(method);
  return it == table.end() ? nullptr : &it->second;
}

std::vector<std::string> DeclaredMethods() {
  std::vector<std::string> methods;
  for (const auto& [method, permission] : PermissionTable()) {
    methods.push_back(method);
  }
  return methods;
}

bool RoleMayAccess(Role role, Access access) {
  switch (access) {
    case Access::kRead:
    case Access::kFeed:
    case Access::kReference:
      return true;
    case Access::kWrite:
      return role == Role::kSystemAdmin || role == Role::kCommitteeOffice ||
             role == Role::kCellSecretary || role == Role::kIntegration ||
             role == Role::kService;
    case Access::kBulk:
      return role == Role::kSystemAdmin || role == Role::kIntegration ||
             role == Role::kService;
  }
  return false;
}

}  // namespace chibo::auth
