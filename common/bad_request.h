#ifndef CHIBO_COMMON_BAD_REQUEST_H_
#define CHIBO_COMMON_BAD_REQUEST_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/support/server_interceptor.h"

namespace chibo {

// A request that does not parse never reaches a handler: gRPC's sync server
// answers INTERNAL with an empty message by itself. The commonest cause is a
// string field holding invalid UTF-8, which proto3 refuses while parsing.
// This interceptor turns that answer into INVALID_ARGUMENT naming the field,
// and writes the access-log line the handler would have written. StartServer
// installs it on every server, so every service gets it.
//
// How the field is found: protobuf reports the field it refused
// ("String field 'chibo.registry.v1.Organization.display_name' contains
// invalid UTF-8 ...") through its log handler, on the thread that parses the
// request. In the sync server that is the thread that created this call's
// interceptor just before parsing, so the report is caught in a thread-local
// slot opened when the interceptor is created and closed once the request
// has been parsed. Other protobuf log lines go to our JSON log.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewBadRequestInterceptorFactory();

// Routes protobuf's log lines to Log() (idempotent; StartServer calls it).
void InstallProtobufLogHandler();

// The path of `full_field_name` ("chibo.registry.v1.Organization.name")
// inside `request_type` ("chibo.registry.v1.CreateOrganizationRequest"), as
// "organization.name"; the full name when it cannot be found there.
std::string FieldPathIn(absl::string_view request_type,
                        absl::string_view full_field_name);

// The message for a request to `method` ("/pkg.Service/Method") that did not
// parse; `utf8_field` is the full name of the string field protobuf refused,
// or empty when it named none.
std::string DescribeUnparsedRequest(absl::string_view method,
                                    absl::string_view utf8_field);

}  // namespace chibo

#endif  // CHIBO_COMMON_BAD_REQUEST_H_
