#include "common/auth/permissions.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "chibo/auth/v1/access.pb.h"
#include "common/log.h"

namespace chibo::auth {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

std::string FullName(const MethodDescriptor& method) {
  return absl::StrCat(method.service()->full_name(), "/", method.name());
}

// OK when dotted `path` leads through message fields (repeated or not) of
// `message` to a string field (repeated or not): what TokenAuthorizer walks.
absl::Status CheckPath(const Descriptor& message, absl::string_view path) {
  const std::pair<absl::string_view, absl::string_view> split =
      absl::StrSplit(path, absl::MaxSplits('.', 1));
  const FieldDescriptor* field =
      message.FindFieldByName(std::string(split.first));
  if (field == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        message.full_name(), " has no field \"", split.first, "\""));
  }
  if (split.second.empty()) {
    if (field->type() != FieldDescriptor::TYPE_STRING) {
      return absl::InvalidArgumentError(
          absl::StrCat(field->full_name(), " is not a string field"));
    }
    return absl::OkStatus();
  }
  if (field->type() != FieldDescriptor::TYPE_MESSAGE) {
    return absl::InvalidArgumentError(
        absl::StrCat(field->full_name(), " is not a message field"));
  }
  return CheckPath(*field->message_type(), split.second);
}

// OK when `path` is a repeated message field of `message` whose rows have
// string fields `key` and `parent`.
absl::Status CheckRows(const Descriptor& message, const v1::Rows& rows) {
  const FieldDescriptor* field = message.FindFieldByName(rows.field());
  if (field == nullptr || !field->is_repeated() ||
      field->type() != FieldDescriptor::TYPE_MESSAGE) {
    return absl::InvalidArgumentError(
        absl::StrCat(message.full_name(), " has no repeated message field \"",
                     rows.field(), "\""));
  }
  for (const std::string& name : {rows.key(), rows.parent()}) {
    const FieldDescriptor* leaf = field->message_type()->FindFieldByName(name);
    if (leaf == nullptr || leaf->is_repeated() ||
        leaf->type() != FieldDescriptor::TYPE_STRING) {
      return absl::InvalidArgumentError(
          absl::StrCat(field->message_type()->full_name(),
                       " has no string field \"", name, "\""));
    }
  }
  if (rows.collection().empty()) {
    return absl::InvalidArgumentError("rows have no collection");
  }
  return absl::OkStatus();
}

absl::StatusOr<Access> ToAccess(v1::Access access) {
  switch (access) {
    case v1::ACCESS_READ:
      return Access::kRead;
    case v1::ACCESS_WRITE:
      return Access::kWrite;
    case v1::ACCESS_BULK:
      return Access::kBulk;
    case v1::ACCESS_FEED:
      return Access::kFeed;
    case v1::ACCESS_REFERENCE:
      return Access::kReference;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("access ", static_cast<int>(access),
                       " is not one of ACCESS_READ, ACCESS_WRITE, "
                       "ACCESS_BULK, ACCESS_FEED, ACCESS_REFERENCE"));
  }
}

absl::Status Invalid(const MethodDescriptor& method, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      FullName(method), ": ", why, " (option (chibo.auth.v1.permission) in ",
      method.file()->name(), "; deny by default)"));
}

}  // namespace

absl::StatusOr<Permission> DeclaredPermission(const MethodDescriptor& method) {
  if (!method.options().HasExtension(v1::permission)) {
    return Invalid(method, "declares no permission");
  }
  const v1::Permission& declared =
      method.options().GetExtension(v1::permission);
  absl::StatusOr<Access> access = ToAccess(declared.access());
  if (!access.ok()) return Invalid(method, access.status().message());
  Permission permission;
  permission.access = *access;
  if ((*access == Access::kFeed || *access == Access::kReference) &&
      (declared.targets_size() > 0 || declared.references_size() > 0 ||
       declared.rows_size() > 0)) {
    return Invalid(method,
                   "a feed or reference RPC names no target (the scope "
                   "check does not apply to it)");
  }
  for (const v1::Target& target : declared.targets()) {
    if (target.field().empty()) return Invalid(method, "a target has no field");
    absl::Status path = CheckPath(*method.input_type(), target.field());
    if (!path.ok()) {
      return Invalid(method, absl::StrCat("target \"", target.field(),
                                          "\": ", path.message()));
    }
    if (target.collection().empty()) {
      return Invalid(method, absl::StrCat("target \"", target.field(),
                                          "\" has no collection"));
    }
    permission.targets.push_back({target.field(), target.collection(),
                                  target.external_code()
                                      ? TargetKind::kExternalCode
                                      : TargetKind::kResourceName});
  }
  for (const v1::Reference& reference : declared.references()) {
    absl::Status path = CheckPath(*method.input_type(), reference.field());
    if (!path.ok()) {
      return Invalid(method, absl::StrCat("reference \"", reference.field(),
                                          "\": ", path.message()));
    }
    if (reference.collection().empty()) {
      return Invalid(method, absl::StrCat("reference \"", reference.field(),
                                          "\" has no collection"));
    }
    if (!reference.within().empty()) {
      bool is_target = false;
      for (const Target& target : permission.targets) {
        is_target |= target.path == reference.within();
      }
      if (!is_target) {
        return Invalid(method,
                       absl::StrCat("reference \"", reference.field(),
                                    "\": within \"", reference.within(),
                                    "\" is not a target of the method"));
      }
    }
    if (!reference.as_of().empty()) {
      if (reference.within().empty() || reference.collection() != "members") {
        return Invalid(method, absl::StrCat("reference \"", reference.field(),
                                            "\": as_of needs within and the "
                                            "collection \"members\""));
      }
      absl::Status day = CheckPath(*method.input_type(), reference.as_of());
      if (!day.ok()) {
        return Invalid(method, absl::StrCat("reference \"", reference.field(),
                                            "\": as_of: ", day.message()));
      }
    }
    permission.references.push_back({reference.field(), reference.collection(),
                                     reference.within(), reference.as_of()});
  }
  for (const v1::Rows& rows : declared.rows()) {
    absl::Status checked = CheckRows(*method.input_type(), rows);
    if (!checked.ok()) return Invalid(method, checked.message());
    permission.rows.push_back(
        {rows.field(), rows.key(), rows.parent(), rows.collection(),
         rows.external_code() ? TargetKind::kExternalCode
                              : TargetKind::kResourceName});
  }
  return permission;
}

absl::StatusOr<PermissionTable> PermissionTable::FromServices(
    const std::vector<const ServiceDescriptor*>& services) {
  PermissionTable table;
  std::vector<std::string> errors;
  for (const ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor& method = *service->method(i);
      absl::StatusOr<Permission> permission = DeclaredPermission(method);
      if (!permission.ok()) {
        errors.emplace_back(permission.status().message());
        continue;
      }
      table.table_[FullName(method)] = *std::move(permission);
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  }
  return table;
}

absl::StatusOr<PermissionTable> PermissionTable::FromServiceNames(
    const std::vector<std::string>& services) {
  std::vector<const ServiceDescriptor*> descriptors;
  for (const std::string& name : services) {
    if (absl::StartsWith(name, "grpc.")) continue;
    const ServiceDescriptor* descriptor =
        DescriptorPool::generated_pool()->FindServiceByName(name);
    if (descriptor == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(name,
                       " is served but no descriptor of it is linked, so "
                       "its permissions cannot be read (deny by default)"));
    }
    descriptors.push_back(descriptor);
  }
  return FromServices(descriptors);
}

const Permission* PermissionTable::Find(absl::string_view method) const {
  auto it = table_.find(method);
  return it == table_.end() ? nullptr : &it->second;
}

std::vector<std::string> PermissionTable::Methods() const {
  std::vector<std::string> methods;
  methods.reserve(table_.size());
  for (const auto& [method, permission] : table_) methods.push_back(method);
  return methods;
}

const Permission* FindPermission(absl::string_view method) {
  ABSL_CONST_INIT static absl::Mutex mu(absl::kConstInit);
  // Only valid declarations are kept; entries are never removed, so the
  // pointers handed out stay valid.
  static auto* const cache = new std::map<std::string, Permission, std::less<>>;
  {
    absl::ReaderMutexLock lock(&mu);
    auto it = cache->find(method);
    if (it != cache->end()) return &it->second;
  }
  const std::pair<absl::string_view, absl::string_view> split =
      absl::StrSplit(method, absl::MaxSplits('/', 1));
  if (split.first.empty() || split.second.empty()) return nullptr;
  const MethodDescriptor* descriptor =
      DescriptorPool::generated_pool()->FindMethodByName(
          absl::StrCat(split.first, ".", split.second));
  if (descriptor == nullptr || FullName(*descriptor) != method) return nullptr;
  absl::StatusOr<Permission> permission = DeclaredPermission(*descriptor);
  if (!permission.ok()) return nullptr;
  absl::MutexLock lock(&mu);
  return &cache->emplace(std::string(method), *std::move(permission))
              .first->second;
}

absl::Status CheckServedServices(const std::vector<std::string>& services) {
  absl::StatusOr<PermissionTable> table =
      PermissionTable::FromServiceNames(services);
  if (!table.ok()) {
    Log(LogLevel::kError,
        "refusing to start: an RPC declares no valid permission",
        {{"error", table.status().message()}});
    return table.status();
  }
  return absl::OkStatus();
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
