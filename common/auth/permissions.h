#ifndef CHIBO_COMMON_AUTH_PERMISSIONS_H_
#define CHIBO_COMMON_AUTH_PERMISSIONS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/auth/role.h"

namespace chibo::auth {

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

// The permission of one RPC. A scoped caller (not system admin, not a
// service) must name at least one target, and every target it names must
// lie in its subtree.
struct Permission {
  Access access = Access::kRead;
  std::vector<Target> targets;
};

// The one table of every RPC of every chibo service, keyed by full method
// name ("chibo.registry.v1.RegistryService/GetOrganization"). A method
// missing here is refused: deny by default.
const Permission* FindPermission(absl::string_view method);

// Every method the table declares (for tests that compare it with the
// service descriptors).
std::vector<std::string> DeclaredMethods();

// May `role` make a call with `access` at all (before any scope check)?
bool RoleMayAccess(Role role, Access access);

}  // namespace chibo::auth

#endif  // CHIBO_COMMON_AUTH_PERMISSIONS_H_
