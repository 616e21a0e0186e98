#ifndef CHIBO_COMMON_IDEMPOTENCY_H_
#define CHIBO_COMMON_IDEMPOTENCY_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace chibo {

class DbConnection;
class MysqlPool;
struct CallContext;

// Runs `write` in one transaction and fills `response`. When the call has a
// request_id, the response is stored with it in the same transaction; a
// retry with the same request_id and the same request returns the stored
// response and writes nothing. The same request_id with a different
// request is INVALID_ARGUMENT.
absl::Status IdempotentWrite(
    MysqlPool& pool, const CallContext& call, absl::string_view what,
    const google::protobuf::Message& request,
    google::protobuf::Message* response,
    const std::function<absl::Status(DbConnection&)>& write);

// Checks the request_id format (AIP-155): at most 128 printable ASCII.
absl::Status ValidateRequestId(absl::string_view request_id);

}  // namespace chibo

#endif  // CHIBO_COMMON_IDEMPOTENCY_H_
