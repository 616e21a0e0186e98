// What the permission matrix and the field probes share: every RPC of
// every contract from the descriptors, requests built by reflection, a
// generic caller, and fingerprints of both services' databases.

#ifndef CHIBO_TESTS_INTEGRATION_AUTH_MATRIX_SUPPORT_H_
#define CHIBO_TESTS_INTEGRATION_AUTH_MATRIX_SUPPORT_H_

#include <memory>
#include <string>
#include <vector>

#include "common/auth/permissions.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "tests/integration/auth/auth_fixture.h"

namespace chibo::auth {

// Every contract file under proto/, listed by CMake at configure time.
std::vector<std::string> ContractFiles();
// Every RPC of every contract.
std::vector<const google::protobuf::MethodDescriptor*> AllMethods();
// "pkg.Service/Method".
std::string FullName(const google::protobuf::MethodDescriptor* method);
// The permissions of every contract's services, read from the descriptors
// as the servers read them at startup.
const PermissionTable& Table();
// Sets the string at dotted `path`, creating messages (and appending one
// element to repeated ones) on the way.
void SetPath(google::protobuf::Message* message, absl::string_view path,
             const std::string& value);
// An empty request for `method`.
std::unique_ptr<google::protobuf::Message> NewRequest(
    const google::protobuf::MethodDescriptor* method);
// A request for `method` whose every target names a resource of `province`.
std::unique_ptr<google::protobuf::Message> RequestAimedAt(
    const google::protobuf::MethodDescriptor* method,
    const Permission& permission, const Province& province);
// Calls any method with a serialized request through the generic stub and
// returns the status (streams are read until they end or time out). A
// unary call's answer goes to `response` (serialized) when it succeeds.
grpc::Status Call(int port, const google::protobuf::MethodDescriptor* method,
                  const google::protobuf::Message& request,
                  const std::string& token,
                  std::vector<std::string>* stream_messages = nullptr,
                  std::string* response = nullptr);
// True for an RPC only unscoped callers (system admin, services) may make:
// a write that names no organisation (national reference data).
bool UnscopedOnly(const Permission& permission);
int PortOf(const SecuredServers& servers,
           const google::protobuf::MethodDescriptor* method);
// A fingerprint of both services' tables (row counts, version sums, the
// outbox head): equal before and after means nothing was written and no
// change event was appended.
std::string Snapshot(SecuredServers& servers);

}  // namespace chibo::auth

#endif  // CHIBO_TESTS_INTEGRATION_AUTH_MATRIX_SUPPORT_H_
