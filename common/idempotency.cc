#include "common/idempotency.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <openssl/sha.h>

#include <memory>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "common/mysql_pool.h"
#include "common/rpc.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace chibo {
namespace {

std::string RequestHash(const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.size() > 128) {
    return absl::InvalidArgumentError("request_id: at most 128 characters");
  }
  for (char c : request_id) {
    if (c < 0x21 || c > 0x7E) {
      return absl::InvalidArgumentError(
          "request_id: only printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

absl::Status IdempotentWrite(
    MysqlPool& pool, const CallContext& call, absl::string_view what,
    const google::protobuf::Message& request,
    google::protobuf::Message* response,
    const std::function<absl::Status(DbConnection&)>& write) {
  RETURN_IF_ERROR(ValidateRequestId(call.request_id));
  if (call.request_id.empty()) {
    return WithConnection(pool, call.deadline, what, TxMode::kWrite, write);
  }
  const std::string hash = RequestHash(request);
  auto attempt = [&](DbConnection& db) -> absl::Status {
    sql::PreparedStatement& find = db.Prepare(
        "SELECT request_hash, response FROM idempotency_keys "
        "WHERE method = ? AND request_id = ? FOR UPDATE");
    find.setString(1, call.method);
    find.setString(2, call.request_id);
    std::unique_ptr<sql::ResultSet> found(find.executeQuery());
    if (found->next()) {
      if (found->getString(1) != hash) {
        return absl::InvalidArgumentError(
            "request_id: was already used for a different request");
      }
      const std::string stored = found->getString(2);
      if (!response->ParseFromString(stored)) {
        return absl::InternalError("stored response is unreadable");
      }
      return absl::OkStatus();
    }
    found.reset();
    RETURN_IF_ERROR(write(db));
    sql::PreparedStatement& remember = db.Prepare(
        "INSERT INTO idempotency_keys "
        "(request_id, method, request_hash, response, created_at) "
        "VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))");
    remember.setString(1, call.request_id);
    remember.setString(2, call.method);
    remember.setString(3, hash);
    std::istringstream blob(response->SerializeAsString());
    remember.setBlob(4, &blob);
    remember.executeUpdate();
    return absl::OkStatus();
  };
  absl::Status status =
      WithConnection(pool, call.deadline, what, TxMode::kWrite, attempt);
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    // A concurrent retry may have stored the key first; the second pass
    // returns its response (or the write's own conflict again).
    status = WithConnection(pool, call.deadline, what, TxMode::kWrite, attempt);
  }
  return status;
}

}  // namespace chibo
