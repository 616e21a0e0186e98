#include "tests/integration/auth/matrix_support.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"

namespace chibo::auth {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

std::vector<std::string> ContractFiles() {
  return absl::StrSplit(CHIBO_CONTRACT_FILES, ';', absl::SkipEmpty());
}

std::vector<const MethodDescriptor*> AllMethods() {
  std::vector<const MethodDescriptor*> methods;
  for (const std::string& file : ContractFiles()) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
            file);
    EXPECT_NE(descriptor, nullptr)
        << file << " is not linked into this test: add its proto library "
        << "to tests/integration/auth/CMakeLists.txt";
    if (descriptor == nullptr) continue;
    for (int s = 0; s < descriptor->service_count(); ++s) {
      for (int m = 0; m < descriptor->service(s)->method_count(); ++m) {
        methods.push_back(descriptor->service(s)->method(m));
      }
    }
  }
  return methods;
}

std::string FullName(const MethodDescriptor* method) {
  return absl::StrCat(method->service()->full_name(), "/", method->name());
}

// The permissions of every contract's services, read from the descriptors
// as the servers read them at startup.
const PermissionTable& Table() {
  static const PermissionTable* table = [] {
    std::vector<const ServiceDescriptor*> services;
    for (const MethodDescriptor* method : AllMethods()) {
      if (services.empty() || services.back() != method->service()) {
        services.push_back(method->service());
      }
    }
    absl::StatusOr<PermissionTable> built =
        PermissionTable::FromServices(services);
    EXPECT_TRUE(built.ok()) << built.status();
    return new PermissionTable(built.ok() ? *std::move(built)
                                          : PermissionTable());
  }();
  return *table;
}

// Sets the string at dotted `path`, creating messages (and appending one
// element to repeated ones) on the way.
void SetPath(Message* message, absl::string_view path,
             const std::string& value) {
  const std::pair<absl::string_view, absl::string_view> split =
      absl::StrSplit(path, absl::MaxSplits('.', 1));
  const FieldDescriptor* field =
      message->GetDescriptor()->FindFieldByName(std::string(split.first));
  ASSERT_NE(field, nullptr) << path;
  const auto* reflection = message->GetReflection();
  if (split.second.empty()) {
    if (field->is_repeated()) {
      reflection->AddString(message, field, value);
    } else {
      reflection->SetString(message, field, value);
    }
    return;
  }
  Message* child = field->is_repeated()
                       ? (reflection->FieldSize(*message, field) > 0
                              ? reflection->MutableRepeatedMessage(
                                    message, field,
                                    reflection->FieldSize(*message, field) - 1)
                              : reflection->AddMessage(message, field))
                       : reflection->MutableMessage(message, field);
  SetPath(child, split.second, value);
}

std::unique_ptr<Message> NewRequest(const MethodDescriptor* method) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(method->input_type())
          ->New());
}

// A request for `method` whose every target names a resource of `province`.
std::unique_ptr<Message> RequestAimedAt(const MethodDescriptor* method,
                                        const Permission& permission,
                                        const Province& province) {
  std::unique_ptr<Message> request = NewRequest(method);
  for (const Target& target : permission.targets) {
    const std::string value =
        target.kind == TargetKind::kExternalCode
            ? province.code
            : province.by_collection.at(target.collection);
    SetPath(request.get(), target.path, value);
  }
  for (const Reference& reference : permission.references) {
    SetPath(request.get(), reference.path,
            province.by_collection.at(reference.collection));
  }
  // One row: the province's cell under its bloc.
  for (const Rows& rows : permission.rows) {
    const FieldDescriptor* field =
        request->GetDescriptor()->FindFieldByName(rows.field);
    Message* row = request->GetReflection()->AddMessage(request.get(), field);
    const bool codes = rows.kind == TargetKind::kExternalCode;
    SetPath(row, rows.key,
            codes ? province.code : province.by_collection.at("organizations"));
    SetPath(row, rows.parent, codes ? province.bloc_code : province.bloc);
  }
  return request;
}

// Calls any method with a serialized request through the generic stub and
// returns the status (streams are read until they end or time out).
grpc::Status Call(int port, const MethodDescriptor* method,
                  const Message& request, const std::string& token,
                  std::vector<std::string>* stream_messages,
                  std::string* response) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(
      absl::Now() + (method->server_streaming() ? absl::Milliseconds(700)
                                                : absl::Seconds(10))));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer send(&slice, 1);
  grpc::CompletionQueue cq;
  const std::string path = absl::StrCat("/", FullName(method));
  grpc::Status status;
  void* got_tag;
  bool ok;
  if (!method->server_streaming()) {
    grpc::ByteBuffer receive;
    auto call = stub.PrepareUnaryCall(&context, path, send, &cq);
    call->StartCall();
    call->Finish(&receive, &status, reinterpret_cast<void*>(1));
    cq.Next(&got_tag, &ok);
    if (response != nullptr && status.ok()) {
      std::vector<grpc::Slice> slices;
      receive.Dump(&slices);
      response->clear();
      for (const auto& s : slices) {
        response->append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    return status;
  }
  auto call = stub.PrepareCall(&context, path, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  cq.Next(&got_tag, &ok);
  call->WriteLast(send, grpc::WriteOptions(), reinterpret_cast<void*>(2));
  cq.Next(&got_tag, &ok);
  while (true) {
    grpc::ByteBuffer receive;
    call->Read(&receive, reinterpret_cast<void*>(3));
    cq.Next(&got_tag, &ok);
    if (!ok) break;
    if (stream_messages != nullptr) {
      std::vector<grpc::Slice> slices;
      receive.Dump(&slices);
      std::string message;
      for (const auto& s : slices) {
        message.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
      stream_messages->push_back(message);
    }
  }
  call->Finish(&status, reinterpret_cast<void*>(4));
  cq.Next(&got_tag, &ok);
  return status;
}

// True for an RPC only unscoped callers (system admin, services) may make:
// a write that names no organisation (national reference data).
bool UnscopedOnly(const Permission& permission) {
  return permission.targets.empty() && permission.rows.empty() &&
         (permission.access == Access::kWrite ||
          permission.access == Access::kBulk);
}

int PortOf(const SecuredServers& servers, const MethodDescriptor* method) {
  return servers.PortFor(method->service()->full_name());
}

// A fingerprint of the registry's tables: equal before and after means
// nothing was written.
namespace {

std::string RegistrySnapshot(testing::TestDatabase& db) {
  // Row counts of every table, plus version sums (every update bumps one).
  static constexpr const char* kQueries[] = {
      "SELECT COUNT(*) FROM organizations",
      "SELECT COUNT(*) FROM organization_parents",
      "SELECT COUNT(*) FROM members",
      "SELECT COUNT(*) FROM member_statuses",
      "SELECT COUNT(*) FROM memberships",
      "SELECT COUNT(*) FROM positions",
      "SELECT COUNT(*) FROM cadres",
      "SELECT COUNT(*) FROM outbox",
      "SELECT COALESCE(MAX(sequence), 0) FROM outbox",
      "SELECT COUNT(*) FROM idempotency_keys",
      "SELECT COALESCE(SUM(version), 0) FROM organizations",
      "SELECT COALESCE(SUM(version), 0) FROM members",
      "SELECT COALESCE(SUM(version), 0) FROM positions",
      "SELECT COALESCE(SUM(version), 0) FROM cadres",
  };
  std::string snapshot;
  for (const char* query : kQueries) {
    auto value = db.QueryInt(query);
    absl::StrAppend(&snapshot, value.ok() ? *value : -1, ";");
  }
  return snapshot;
}

// The same for scheduling's tables (known_organizations is a cache of the
// registry that reads refresh, not data, so it is left out).
std::string SchedulingSnapshot(testing::TestDatabase& db) {
  static constexpr const char* kQueries[] = {
      "SELECT COUNT(*) FROM meeting_rules",
      "SELECT COUNT(*) FROM meeting_rule_versions",
      "SELECT COUNT(*) FROM holiday_calendars",
      "SELECT COUNT(*) FROM holidays",
      "SELECT COUNT(*) FROM postponements",
      "SELECT COUNT(*) FROM meetings",
      "SELECT COUNT(*) FROM meeting_documents",
      "SELECT COUNT(*) FROM attendance",
      "SELECT COUNT(*) FROM tasks",
      "SELECT COUNT(*) FROM topics",
      "SELECT COUNT(*) FROM meeting_topics",
      "SELECT COUNT(*) FROM outbox",
      "SELECT COALESCE(MAX(sequence), 0) FROM outbox",
      "SELECT COUNT(*) FROM idempotency_keys",
      "SELECT COALESCE(SUM(version), 0) FROM meeting_rules",
      "SELECT COALESCE(SUM(version), 0) FROM tasks",
  };
  std::string snapshot;
  for (const char* query : kQueries) {
    auto value = db.QueryInt(query);
    absl::StrAppend(&snapshot, value.ok() ? *value : -1, ";");
  }
  return snapshot;
}

}  // namespace

std::string Snapshot(SecuredServers& servers) {
  return absl::StrCat(RegistrySnapshot(servers.db()), "|",
                      SchedulingSnapshot(servers.scheduling_db()));
}

}  // namespace chibo::auth
