#include "common/auth/token_authorizer.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/auth/jwt.h"
#include "common/auth/role.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "google/protobuf/descriptor.h"

namespace chibo::auth {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Scope checks must not take longer than this, whatever the call's deadline.
constexpr absl::Duration kResolveBudget = absl::Seconds(5);

// Collects the string values at dotted `path` in `message`, walking
// repeated messages and repeated strings.
void CollectValues(const Message& message, absl::string_view path,
                   std::vector<std::string>* out) {
  const std::pair<absl::string_view, absl::string_view> split =
      absl::StrSplit(path, absl::MaxSplits('.', 1));
  const FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName(std::string(split.first));
  if (field == nullptr) return;
  const auto* reflection = message.GetReflection();
  const bool leaf = split.second.empty();
  if (leaf && field->type() == FieldDescriptor::TYPE_STRING) {
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        out->push_back(reflection->GetRepeatedString(message, field, i));
      }
    } else {
      out->push_back(reflection->GetString(message, field));
    }
    return;
  }
  if (leaf || field->type() != FieldDescriptor::TYPE_MESSAGE) return;
  if (field->is_repeated()) {
    for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
      CollectValues(reflection->GetRepeatedMessage(message, field, i),
                    split.second, out);
    }
  } else if (reflection->HasField(message, field)) {
    CollectValues(reflection->GetMessage(message, field), split.second, out);
  }
}

absl::Status OutOfScope(absl::string_view scope, absl::string_view field) {
  // The same words whether the target exists or not: no oracle.
  return absl::PermissionDeniedError(
      absl::StrCat(field, ": the caller's scope ", scope,
                   " does not include the resource this call names"));
}

}  // namespace

bool IsUnscoped(const Caller& caller) { return caller.scope == kGlobalScope; }

TokenAuthorizer::TokenAuthorizer(
    KeySet keys, ScopeOracle* oracle,
    std::map<std::string, CertificateIdentity> certificates)
    : keys_(std::move(keys)),
      oracle_(oracle),
      certificates_(std::move(certificates)) {}

absl::StatusOr<Caller> TokenAuthorizer::Authenticate(
    const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    const absl::string_view header(it->second.data(), it->second.size());
    absl::string_view token = header;
    if (!absl::ConsumePrefix(&token, "Bearer ") &&
        !absl::ConsumePrefix(&token, "bearer ")) {
      return absl::UnauthenticatedError(
          "authorization header must be \"Bearer <token>\"");
    }
    ASSIGN_OR_RETURN(Claims claims, VerifyJwt(token, keys_, absl::Now()));
    return Caller{claims.subject, claims.role, claims.scope,
                  claims.on_behalf_of};
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const auto& name : auth->FindPropertyValues("x509_common_name")) {
      auto found = certificates_.find(std::string(name.data(), name.size()));
      if (found != certificates_.end()) {
        const CertificateIdentity& id = found->second;
        return Caller{id.subject, id.role, id.scope, ""};
      }
    }
    return absl::UnauthenticatedError(
        "client certificate is not mapped to any identity");
  }
  return absl::UnauthenticatedError(
      "missing credentials: send \"authorization: Bearer <token>\" "
      "(chibo-admin token mints one)");
}

absl::StatusOr<Caller> TokenAuthorizer::Admit(
    const grpc::ServerContext& context, absl::string_view method,
    const Message& request) const {
  const Permission* permission = FindPermission(method);
  ASSIGN_OR_RETURN(Caller caller, Authenticate(context));
  if (permission == nullptr) {
    return absl::PermissionDeniedError(absl::StrCat(
        method, " has no declared permission; refused by default"));
  }
  ASSIGN_OR_RETURN(Role role, ParseRole(caller.role));
  if (!RoleMayAccess(role, permission->access)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "role ", caller.role, " may not call ", method,
        permission->access == Access::kBulk ? " (bulk import)" : " (a write)"));
  }
  if (IsUnscoped(caller) || permission->access == Access::kFeed ||
      permission->access == Access::kReference) {
    return caller;
  }
  ASSIGN_OR_RETURN(int64_t scope_id,
                   ParseResourceId(caller.scope, "organizations", "scope"));
  RETURN_IF_ERROR(CheckTargets(*permission, request, scope_id, caller.scope));
  return caller;
}

absl::Status TokenAuthorizer::CheckOrganization(int64_t id, int64_t scope_id,
                                                absl::Time deadline) const {
  absl::StatusOr<std::vector<int64_t>> ancestors =
      oracle_->AncestorsOf(id, deadline);
  if (!ancestors.ok()) {
    if (ancestors.status().code() == absl::StatusCode::kNotFound) {
      return absl::PermissionDeniedError("");
    }
    return ancestors.status();
  }
  if (std::find(ancestors->begin(), ancestors->end(), scope_id) ==
      ancestors->end()) {
    return absl::PermissionDeniedError("");
  }
  return absl::OkStatus();
}

absl::Status TokenAuthorizer::CheckTargets(const Permission& permission,
                                           const Message& request,
                                           int64_t scope_id,
                                           absl::string_view scope) const {
  const absl::Time deadline = absl::Now() + kResolveBudget;
  int named = 0;
  std::vector<std::string> fields;
  for (const Target& target : permission.targets) {
    fields.push_back(target.path);
    std::vector<std::string> values;
    CollectValues(request, target.path, &values);
    for (const std::string& value : values) {
      if (value.empty()) continue;
      std::vector<int64_t> organizations;
      if (target.kind == TargetKind::kExternalCode) {
        ASSIGN_OR_RETURN(std::optional<int64_t> id,
                         oracle_->OrganizationByCode(value, deadline));
        // An unknown code is a row yet to be created; its parent is the
        // target that must be in scope.
        if (!id) continue;
        organizations.push_back(*id);
      } else {
        absl::StatusOr<std::vector<int64_t>> resolved =
            oracle_->OrganizationsOf(value, deadline);
        if (!resolved.ok()) {
          if (resolved.status().code() == absl::StatusCode::kNotFound ||
              resolved.status().code() == absl::StatusCode::kInvalidArgument) {
            return OutOfScope(scope, target.path);
          }
          return resolved.status();
        }
        organizations = *std::move(resolved);
      }
      ++named;
      for (int64_t id : organizations) {
        absl::Status in_scope = CheckOrganization(id, scope_id, deadline);
        if (in_scope.code() == absl::StatusCode::kPermissionDenied) {
          return OutOfScope(scope, target.path);
        }
        RETURN_IF_ERROR(in_scope);
      }
    }
  }
  if (named == 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "a caller scoped to ", scope,
        " must name a resource within that scope (set ",
        fields.empty() ? "a target" : absl::StrJoin(fields, " or "), ")"));
  }
  return absl::OkStatus();
}

bool TokenAuthorizer::MaySee(const Caller& caller,
                             int64_t organization_id) const {
  if (IsUnscoped(caller)) return true;
  if (organization_id == 0) return false;
  absl::StatusOr<int64_t> scope_id =
      ParseResourceId(caller.scope, "organizations", "scope");
  if (!scope_id.ok()) return false;
  return CheckOrganization(organization_id, *scope_id,
                           absl::Now() + kResolveBudget)
      .ok();
}

}  // namespace chibo::auth
