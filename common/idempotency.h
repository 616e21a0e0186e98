#ifndef CHIBO_COMMON_IDEMPOTENCY_H_
#define CHIBO_COMMON_IDEMPOTENCY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/mysql_pool.h"
#include "google/protobuf/message.h"

namespace chibo {

struct CallContext;

// Runs `write` in one transaction and fills `response`. When the call has a
// request_id, the key and the response are inserted as the last statement
// of that transaction (no gap lock: new keys never deadlock); a retry with
// the same request_id and the same request returns the stored response and
// writes nothing, and a retry that arrives while the first attempt is still
// running waits for it (ABORTED if it waits past the lock wait timeout).
// The same request_id with a different request is INVALID_ARGUMENT. Keys
// are kept for the retention PruneIdempotencyKeys is given (the
// --idempotency_key_retention flag, 7 days by default); a retry after that
// writes again. `mode` is the transaction's (kWrite or
// kWriteReadCommitted).
absl::Status IdempotentWrite(
    MysqlPool& pool, const CallContext& call, absl::string_view what,
    const google::protobuf::Message& request,
    google::protobuf::Message* response,
    const std::function<absl::Status(DbConnection&)>& write,
    TxMode mode = TxMode::kWrite);

// A request_id's row as the write that claims it inserts it: the key, the
// request's hash and the answer. See IdempotentWrite.
struct IdempotencyClaim {
  std::string key_hash;  // SHA-256 of "<method> <request_id>", 32 bytes
  std::string request_id;
  std::string method;
  std::string request_hash;
  std::string response;  // serialized
};
IdempotencyClaim ClaimOf(const CallContext& call,
                         const google::protobuf::Message& request,
                         const google::protobuf::Message& response);

// Inserts the claims' rows in a few multi-row statements on `db`, inside
// the write's transaction. Throws Connector/C++'s duplicate-key exception
// (kErrDuplicateKey) when any of the keys is taken, or taken twice here.
void InsertClaims(DbConnection& db, const std::vector<IdempotencyClaim>& all);

// Deletes keys older than `retention`, `batch_size` rows per short
// transaction (so writes are never blocked for long), until none is left
// or `deadline`. Returns how many it deleted.
absl::StatusOr<int64_t> PruneIdempotencyKeys(MysqlPool& pool,
                                             absl::Duration retention,
                                             int batch_size,
                                             absl::Time deadline);

// Checks the request_id format (AIP-155): at most 128 printable ASCII.
absl::Status ValidateRequestId(absl::string_view request_id);

}  // namespace chibo

#endif  // CHIBO_COMMON_IDEMPOTENCY_H_
