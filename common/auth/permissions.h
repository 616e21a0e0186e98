#ifndef CHIBO_COMMON_AUTH_PERMISSIONS_H_
#define CHIBO_COMMON_AUTH_PERMISSIONS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/role.h"
#include "google/protobuf/descriptor.h"

namespace chibo::auth {

// Each RPC declares its permission beside it in its contract, as the method
// option (chibo.auth.v1.permission) of proto/chibo/auth/v1/access.proto.
// This file reads those declarations from the descriptors; it names no
// service and no method.

// What an RPC does, which decides which roles may call it at all.
enum class Access {
  kRead,       // every role
  kWrite,      // system admin, committee office, cell secretary, integration,
               // service
  kBulk,       // system admin, integration, service
  kFeed,       // every role; each change is filtered by the caller's scope
  kReference,  // every role, no scope: reference data of no organisation
               // (holiday calendars)
};

// How a request field names the organisation(s) a call touches.
enum class TargetKind {
  kResourceName,  // "organizations/7", "members/3", ... (resolved to orgs)
  kExternalCode,  // an organisation's external code (bulk rows)
};

// A request field, by dotted path (repeated fields are walked), that names
// what the call touches. `collection` is the resource collection the field
// holds ("organizations", "members", "positions", "cadres"), used by tests
// to build in-scope and out-of-scope requests.
struct Target {
  std::string path;
  std::string collection;
  TargetKind kind = TargetKind::kResourceName;
};

// A request field naming a person or organisation the call refers to
// (access.proto's Reference): in the caller's subtree, or with `within`
// (the path of a target) in the subtree of what that target names; with
// `as_of` too (members only), a member of what `within` names on the day
// that field gives (a date, a local time, or the dated resource `within`
// names).
struct Reference {
  std::string path;
  std::string collection;
  std::string within;
  std::string as_of;
};

// The rows of a bulk request (access.proto's Rows): `field` is a repeated
// message field, `key` and `parent` string fields of its rows.
struct Rows {
  std::string field;
  std::string key;
  std::string parent;
  std::string collection;
  TargetKind kind = TargetKind::kResourceName;
};

// The permission of one RPC. A scoped caller (not system admin, not a
// service) must name at least one target (a bulk row counts as one), and
// every target, reference and row it names must lie in its subtree.
struct Permission {
  Access access = Access::kRead;
  std::vector<Target> targets;
  std::vector<Reference> references;
  std::vector<Rows> rows;
};

// The permission `method` declares in its contract. INVALID_ARGUMENT naming
// the method when it declares none, declares ACCESS_UNSPECIFIED, or names a
// target field that is not a string field of its request.
absl::StatusOr<Permission> DeclaredPermission(
    const google::protobuf::MethodDescriptor& method);

// The permissions of every RPC of a set of served services, keyed by full
// method name ("chibo.registry.v1.RegistryService/GetOrganization").
class PermissionTable {
 public:
  // Reads every method of `services`. Deny by default: fails, naming every
  // offending method, when any method has no valid declaration.
  static absl::StatusOr<PermissionTable> FromServices(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  // The same for services named by full name ("chibo.registry.v1.
  // RegistryService"), as a gRPC server lists them. gRPC's own services
  // ("grpc.health.v1.Health", reflection) are skipped: they do not go
  // through the authoriser and serve no chibo data. A name without a
  // linked descriptor fails.
  static absl::StatusOr<PermissionTable> FromServiceNames(
      const std::vector<std::string>& services);

  // Null when `method` is not in the table.
  const Permission* Find(absl::string_view method) const;
  // Every method in the table, sorted.
  std::vector<std::string> Methods() const;

 private:
  std::map<std::string, Permission, std::less<>> table_;
};

// The permission declared by `method` ("pkg.Service/Method") in the contract
// linked into this binary, read from the descriptor once and kept. Null when
// no such method is linked or it declares no valid permission: the call is
// refused (deny by default).
const Permission* FindPermission(absl::string_view method);

// For servers: OK when every RPC of `services` (full names, as in
// FromServiceNames) declares a valid permission; otherwise an error naming
// each RPC that does not, after logging it. A service refuses to start on
// error.
absl::Status CheckServedServices(const std::vector<std::string>& services);

// May `role` make a call with `access` at all (before any scope check)?
bool RoleMayAccess(Role role, Access access);

}  // namespace chibo::auth

#endif  // CHIBO_COMMON_AUTH_PERMISSIONS_H_
