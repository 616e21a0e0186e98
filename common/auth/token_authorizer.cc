#include "common/auth/token_authorizer.h"

#include <algorithm>
#include <set>

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
  if (metadata.count("authorization") > 1) {
    // Which one would win depends on the proxy in between: refuse both.
    return absl::UnauthenticatedError(
        "more than one authorization header; send exactly one");
  }
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
    return Caller{claims.subject,      claims.role, claims.scope,
                  claims.on_behalf_of, {},          {}};
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const auto& name : auth->FindPropertyValues("x509_common_name")) {
      auto found = certificates_.find(std::string(name.data(), name.size()));
      if (found != certificates_.end()) {
        const CertificateIdentity& id = found->second;
        return Caller{id.subject, id.role, id.scope, "", {}, {}};
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
  Check check;
  ASSIGN_OR_RETURN(check.scope_id,
                   ParseResourceId(caller.scope, "organizations", "scope"));
  check.scope = caller.scope;
  check.deadline = absl::Now() + kResolveBudget;
  // Writes decide scope on fresh ancestry; reads may use the cache
  // (kReadStaleness).
  check.fresh = permission->access == Access::kWrite ||
                permission->access == Access::kBulk;
  RETURN_IF_ERROR(CheckTargets(*permission, request, check));
  caller.write_scope = std::move(check.proofs);
  caller.rosters = std::move(check.rosters);
  return caller;
}

absl::Status TokenAuthorizer::CheckOrganization(int64_t id, int64_t scope_id,
                                                absl::Time deadline,
                                                bool fresh) const {
  // Writes decide on the tree as it stands now; reads may use the cache.
  absl::StatusOr<std::vector<int64_t>> ancestors =
      fresh ? oracle_->FreshAncestorsOf(id, deadline)
            : oracle_->AncestorsOf(id, deadline);
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

absl::StatusOr<std::vector<int64_t>> TokenAuthorizer::Resolve(
    absl::string_view value, TargetKind kind, absl::Time deadline) const {
  if (kind == TargetKind::kExternalCode) {
    ASSIGN_OR_RETURN(std::optional<int64_t> id,
                     oracle_->OrganizationByCode(value, deadline));
    if (!id) return absl::NotFoundError("");
    return std::vector<int64_t>{*id};
  }
  absl::StatusOr<std::vector<int64_t>> resolved =
      oracle_->OrganizationsOf(value, deadline);
  if (!resolved.ok() &&
      (resolved.status().code() == absl::StatusCode::kNotFound ||
       resolved.status().code() == absl::StatusCode::kInvalidArgument)) {
    return absl::NotFoundError("");
  }
  return resolved;
}

absl::Status TokenAuthorizer::CheckAll(const std::vector<int64_t>& ids,
                                       int64_t ancestor,
                                       absl::string_view field,
                                       absl::string_view value,
                                       Check& check) const {
  const std::string member =
      absl::StartsWith(value, "members/") ? std::string(value) : "";
  for (int64_t id : ids) {
    RETURN_IF_ERROR(
        CheckOrganization(id, ancestor, check.deadline, check.fresh));
    if (!check.fresh) continue;
    const bool known = std::any_of(
        check.proofs.begin(), check.proofs.end(), [&](const ScopeProof& p) {
          return p.organization == id && p.ancestor == ancestor &&
                 p.resource == member;
        });
    if (!known) {
      check.proofs.push_back({id, ancestor, std::string(field), member});
    }
  }
  return absl::OkStatus();
}

absl::Status TokenAuthorizer::CheckTargets(const Permission& permission,
                                           const Message& request,
                                           Check& check) const {
  int named = 0;
  std::vector<std::string> fields;
  for (const Target& target : permission.targets) {
    fields.push_back(target.path);
    std::vector<std::string> values;
    CollectValues(request, target.path, &values);
    for (const std::string& value : values) {
      if (value.empty()) continue;
      absl::StatusOr<std::vector<int64_t>> organizations =
          Resolve(value, target.kind, check.deadline);
      if (!organizations.ok()) {
        if (organizations.status().code() != absl::StatusCode::kNotFound) {
          return organizations.status();
        }
        return OutOfScope(check.scope, target.path);
      }
      ++named;
      absl::Status in_scope =
          CheckAll(*organizations, check.scope_id, target.path, value, check);
      if (in_scope.code() == absl::StatusCode::kPermissionDenied) {
        return OutOfScope(check.scope, target.path);
      }
      RETURN_IF_ERROR(in_scope);
    }
  }
  for (const Rows& rows : permission.rows) {
    fields.push_back(rows.field);
    RETURN_IF_ERROR(CheckRows(rows, request, check, &named));
  }
  if (named == 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "a caller scoped to ", check.scope,
        " must name a resource within that scope (set ",
        fields.empty() ? "a target" : absl::StrJoin(fields, " or "), ")"));
  }
  for (const Reference& reference : permission.references) {
    RETURN_IF_ERROR(CheckReference(reference, request, check));
  }
  return absl::OkStatus();
}

absl::Status TokenAuthorizer::CheckRows(const Rows& rows,
                                        const Message& request, Check& check,
                                        int* named) const {
  const auto* reflection = request.GetReflection();
  const FieldDescriptor* field =
      request.GetDescriptor()->FindFieldByName(rows.field);
  if (field == nullptr) return absl::OkStatus();  // DeclaredPermission
  // Keys of earlier rows that passed: a parent a row may name before it
  // exists.
  std::set<std::string> passed;
  for (int i = 0; i < reflection->FieldSize(request, field); ++i) {
    const Message& row = reflection->GetRepeatedMessage(request, field, i);
    const auto* row_reflection = row.GetReflection();
    const std::string key = row_reflection->GetString(
        row, row.GetDescriptor()->FindFieldByName(rows.key));
    const std::string parent = row_reflection->GetString(
        row, row.GetDescriptor()->FindFieldByName(rows.parent));
    ++*named;
    const std::string row_field = absl::StrCat(rows.field, "[", i, "]");
    // One answer for every way a row fails: out of scope, missing, or no
    // parent; it names the row, never what the row names.
    const absl::Status refused = absl::PermissionDeniedError(absl::StrCat(
        row_field, ": the caller's scope ", check.scope,
        " does not include the organization this row names or its parent "
        "(rows without a parent are for unscoped callers)"));
    if (!key.empty()) {
      absl::StatusOr<std::vector<int64_t>> own =
          Resolve(key, rows.kind, check.deadline);
      if (own.ok()) {
        absl::Status in_scope =
            CheckAll(*own, check.scope_id, row_field, key, check);
        if (in_scope.code() == absl::StatusCode::kPermissionDenied) {
          return refused;
        }
        RETURN_IF_ERROR(in_scope);
      } else if (own.status().code() != absl::StatusCode::kNotFound) {
        return own.status();
      } else if (rows.kind != TargetKind::kExternalCode) {
        return refused;  // a resource name that does not exist
      }
    }
    if (parent.empty()) return refused;
    if (passed.count(parent) == 0) {
      absl::StatusOr<std::vector<int64_t>> above =
          Resolve(parent, rows.kind, check.deadline);
      if (!above.ok()) {
        if (above.status().code() == absl::StatusCode::kNotFound) {
          return refused;
        }
        return above.status();
      }
      absl::Status in_scope =
          CheckAll(*above, check.scope_id, row_field, parent, check);
      if (in_scope.code() == absl::StatusCode::kPermissionDenied) {
        return refused;
      }
      RETURN_IF_ERROR(in_scope);
    }
    if (!key.empty()) passed.insert(key);
  }
  return absl::OkStatus();
}

absl::Status TokenAuthorizer::CheckReference(const Reference& reference,
                                             const Message& request,
                                             Check& check) const {
  std::vector<std::string> values;
  CollectValues(request, reference.path, &values);
  if (std::all_of(values.begin(), values.end(),
                  [](const std::string& v) { return v.empty(); })) {
    return absl::OkStatus();
  }
  int64_t bound = check.scope_id;
  if (!reference.within.empty()) {
    // The organisation the `within` target names (checked in scope
    // above); a reference without one is refused.
    std::vector<std::string> within;
    CollectValues(request, reference.within, &within);
    absl::StatusOr<std::vector<int64_t>> organizations =
        within.size() == 1 && !within[0].empty()
            ? Resolve(within[0], TargetKind::kResourceName, check.deadline)
            : absl::StatusOr<std::vector<int64_t>>(absl::NotFoundError(""));
    if (!organizations.ok() || organizations->size() != 1) {
      return OutOfScope(check.scope, reference.path);
    }
    bound = organizations->front();
  }
  if (!reference.as_of.empty()) {
    return CheckDatedReference(reference, request, bound, values, check);
  }
  for (const std::string& value : values) {
    if (value.empty()) continue;
    absl::StatusOr<std::vector<int64_t>> organizations =
        Resolve(value, TargetKind::kResourceName, check.deadline);
    if (!organizations.ok()) {
      if (organizations.status().code() != absl::StatusCode::kNotFound) {
        return organizations.status();
      }
      return OutOfScope(check.scope, reference.path);
    }
    absl::Status in_scope =
        CheckAll(*organizations, bound, reference.path, value, check);
    if (in_scope.code() == absl::StatusCode::kPermissionDenied) {
      return OutOfScope(check.scope, reference.path);
    }
    RETURN_IF_ERROR(in_scope);
  }
  return absl::OkStatus();
}

absl::Status TokenAuthorizer::CheckDatedReference(
    const Reference& reference, const Message& request, int64_t bound,
    const std::vector<std::string>& values, Check& check) const {
  std::vector<std::string> given;
  CollectValues(request, reference.as_of, &given);
  if (given.size() != 1 || given[0].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        reference.as_of, ": is required (it dates ", reference.path, ")"));
  }
  absl::CivilDay day;
  if (reference.as_of == reference.within) {
    // The dated resource the target names (a held meeting), in scope.
    absl::StatusOr<absl::CivilDay> dated =
        oracle_->DayOf(given[0], check.deadline);
    if (!dated.ok()) {
      if (dated.status().code() == absl::StatusCode::kNotFound) {
        return OutOfScope(check.scope, reference.path);
      }
      return dated.status();
    }
    day = *dated;
  } else {
    const std::string& text = given[0];
    const bool shaped =
        text.size() == 10 || (text.size() > 10 && text[10] == 'T');
    if (!shaped || !absl::ParseCivilTime(text.substr(0, 10), &day)) {
      return absl::InvalidArgumentError(absl::StrCat(
          reference.as_of,
          ": must be a date (YYYY-MM-DD) or a local time (YYYY-MM-DDTHH:MM)"));
    }
  }
  auto members = check.members.find({bound, day});
  if (members == check.members.end()) {
    absl::StatusOr<MemberRoster> roster =
        oracle_->MembersOn(bound, day, check.deadline);
    // Not a cell, or none: it has no members, and the reference is
    // refused like any other.
    if (!roster.ok() && roster.status().code() != absl::StatusCode::kNotFound &&
        roster.status().code() != absl::StatusCode::kFailedPrecondition) {
      return roster.status();
    }
    std::set<int64_t> set;
    if (roster.ok()) {
      set.insert(roster->ids.begin(), roster->ids.end());
      if (roster->admitted != nullptr) {
        check.rosters.push_back(std::move(roster->admitted));
      }
    }
    members =
        check.members.emplace(std::make_pair(bound, day), std::move(set)).first;
  }
  for (const std::string& value : values) {
    if (value.empty()) continue;
    // Malformed, missing, another cell's or another province's member: one
    // answer.
    absl::StatusOr<int64_t> id =
        ParseResourceId(value, reference.collection, reference.path);
    if (!id.ok() || members->second.count(*id) == 0) {
      return OutOfScope(check.scope, reference.path);
    }
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
                           absl::Now() + kResolveBudget, false)
      .ok();
}

}  // namespace chibo::auth
