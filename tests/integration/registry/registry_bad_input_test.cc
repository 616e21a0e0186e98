// Requests that cannot be read (invalid UTF-8 in a string field, broken
// wire data), sent to a real server as raw bytes, as a client may.

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "grpcpp/generic/generic_stub.h"
#include "tests/integration/registry/registry_fixture.h"

namespace chibo::registry {
namespace {

using grpc::StatusCode;

constexpr char kMarker[] = "@@not-utf8@@";

// `request` serialized, with the string kMarker it holds replaced by as
// many bytes that are not UTF-8 (so every length prefix stays right).
std::string WithInvalidUtf8(const google::protobuf::Message& request) {
  std::string bytes = request.SerializeAsString();
  const size_t at = bytes.find(kMarker);
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) {
    bytes.replace(at, sizeof(kMarker) - 1,
                  std::string(sizeof(kMarker) - 1, '\xff'));
  }
  return bytes;
}

class BadInputTest : public RegistryTest {
 protected:
  // Sends `bytes` as the request of `method` ("/pkg.Service/Method").
  grpc::Status CallRaw(const std::string& method, const std::string& bytes,
                       std::string* response = nullptr) {
    static auto channel = grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port()), grpc::InsecureChannelCredentials());
    grpc::GenericStub stub(channel);
    grpc::CompletionQueue cq;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer reply;
    grpc::Status status;
    auto call = stub.PrepareUnaryCall(&context, method, request, &cq);
    call->StartCall();
    int tag = 0;
    call->Finish(&reply, &status, &tag);
    void* got = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&got, &ok));
    EXPECT_EQ(got, &tag);
    if (response != nullptr && status.ok()) {
      grpc::Slice out;
      EXPECT_TRUE(reply.TrySingleSlice(&out).ok() ||
                  reply.DumpToSingleSlice(&out).ok());
      *response =
          std::string(reinterpret_cast<const char*>(out.begin()), out.size());
    }
    cq.Shutdown();
    while (cq.Next(&got, &ok)) {
    }
    return status;
  }
};

TEST_F(BadInputTest, InvalidUtf8IsInvalidArgumentNamingTheField) {
  v1::ListOrganizationsRequest list;
  list.set_query(kMarker);
  grpc::Status status =
      CallRaw("/chibo.registry.v1.RegistryService/ListOrganizations",
              WithInvalidUtf8(list));
  ExpectError(status, StatusCode::INVALID_ARGUMENT, "query");
  EXPECT_NE(status.error_message().find("UTF-8"), std::string::npos)
      << status.error_message();

  // A field inside a nested message is named by its path.
  v1::CreateOrganizationRequest create;
  create.mutable_organization()->set_display_name(kMarker);
  create.mutable_organization()->set_level(v1::ORGANIZATION_LEVEL_PROVINCE);
  create.mutable_organization()->set_external_code(Code("utf8"));
  status = CallRaw("/chibo.registry.v1.RegistryService/CreateOrganization",
                   WithInvalidUtf8(create));
  ExpectError(status, StatusCode::INVALID_ARGUMENT,
              "organization.display_name: is not valid UTF-8");

  // The change feed is served the same way.
  feed::v1::ListChangesRequest changes;
  changes.set_subject(kMarker);
  status = CallRaw("/chibo.feed.v1.ChangeFeedService/ListChanges",
                   WithInvalidUtf8(changes));
  ExpectError(status, StatusCode::INVALID_ARGUMENT, "subject");

  // The server goes on serving: the same call with clean text works, raw
  // and through the stub.
  list.set_query("Lạng Sơn");
  std::string bytes;
  ASSERT_TRUE(CallRaw("/chibo.registry.v1.RegistryService/ListOrganizations",
                      list.SerializeAsString(), &bytes)
                  .ok());
  v1::ListOrganizationsResponse parsed;
  EXPECT_TRUE(parsed.ParseFromString(bytes));
  v1::ListOrganizationsResponse response;
  EXPECT_TRUE(stub().ListOrganizations(Context().get(), list, &response).ok());
}

TEST_F(BadInputTest, BrokenWireDataIsInvalidArgument) {
  v1::GetOrganizationRequest get;
  get.set_name("organizations/1");
  std::string bytes = get.SerializeAsString();
  bytes.pop_back();  // a length prefix now runs past the end
  ExpectError(
      CallRaw("/chibo.registry.v1.RegistryService/GetOrganization", bytes),
      StatusCode::INVALID_ARGUMENT, "chibo.registry.v1.GetOrganizationRequest");
  v1::Organization org =
      MakeOrg("Tỉnh ủy Cao Bằng", v1::ORGANIZATION_LEVEL_PROVINCE, "");
  get.set_name(org.name());
  v1::Organization got;
  EXPECT_TRUE(stub().GetOrganization(Context().get(), get, &got).ok());
}

}  // namespace
}  // namespace chibo::registry
