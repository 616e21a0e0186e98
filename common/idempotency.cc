#include "common/idempotency.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <openssl/sha.h>

#include <algorithm>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/mysql_pool.h"
#include "common/rpc.h"
#include "common/sql_batch.h"
#include "common/sql_error.h"
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

// The row's key (0005_compact_idempotency_key.sql): SHA-256 of
// "<method> <request_id>", 32 raw bytes. A fixed-width binary key keeps the
// claim's B-tree work to memcmp of 32 bytes, where the old (method,
// request_id) key compared two utf8mb4 strings by collation weights.
std::string KeyHash(const CallContext& call) {
  const std::string text = absl::StrCat(call.method, " ", call.request_id);
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         reinterpret_cast<unsigned char*>(&digest[0]));
  return digest;
}

constexpr const char* kInsertClaims[] = CHIBO_SQL_BATCHES(
    "INSERT INTO idempotency_keys (key_hash, request_id, method, "
    "request_hash, response, created_at) VALUES ",
    "(?, ?, ?, ?, ?, UTC_TIMESTAMP(6))", "");

}  // namespace

IdempotencyClaim ClaimOf(const CallContext& call,
                         const google::protobuf::Message& request,
                         const google::protobuf::Message& response) {
  IdempotencyClaim claim;
  claim.key_hash = KeyHash(call);
  claim.request_id = call.request_id;
  claim.method = call.method;
  claim.request_hash = RequestHash(request);
  claim.response = response.SerializeAsString();
  return claim;
}

void InsertClaims(DbConnection& db,
                  const std::vector<IdempotencyClaim>& claims) {
  // In key order: two transactions claiming the same keys (retries of the
  // same calls, grouped differently) lock them in one order, so one waits
  // for the other instead of both deadlocking.
  std::vector<const IdempotencyClaim*> all;
  all.reserve(claims.size());
  for (const IdempotencyClaim& claim : claims) all.push_back(&claim);
  std::sort(all.begin(), all.end(),
            [](const IdempotencyClaim* a, const IdempotencyClaim* b) {
              return a->key_hash < b->key_hash;
            });
  for (const SqlBatch& batch : PlanSqlBatches(static_cast<int>(all.size()))) {
    sql::PreparedStatement& insert =
        db.Prepare(kInsertClaims[batch.size_index]);
    int p = 1;
    for (int i = batch.begin; i < batch.begin + batch.count; ++i) {
      // Binary values as strings, not setBlob: Connector/C++ sends a blob
      // parameter in a round trip of its own (mysql_stmt_send_long_data).
      // The string keeps its length, so binary bytes pass unchanged.
      insert.setString(p++, all[i]->key_hash);
      insert.setString(p++, all[i]->request_id);
      insert.setString(p++, all[i]->method);
      insert.setString(p++, all[i]->request_hash);
      insert.setString(p++, all[i]->response);
    }
    insert.executeUpdate();
  }
}

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

namespace {

// What a request_id's row says about an earlier attempt.
absl::Status StoredResponse(MysqlPool& pool, const CallContext& call,
                            absl::string_view what, const std::string& key,
                            const std::string& hash,
                            google::protobuf::Message* response, bool* found) {
  *found = false;
  return WithConnection(
      pool, call.deadline, what, TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& find = db.Prepare(
            "SELECT request_hash, response FROM idempotency_keys "
            "WHERE key_hash = ?");
        find.setString(1, key);
        std::unique_ptr<sql::ResultSet> row(find.executeQuery());
        if (!row->next()) return absl::OkStatus();
        *found = true;
        if (row->getString(1) != hash) {
          return absl::InvalidArgumentError(
              "request_id: was already used for a different request");
        }
        if (!response->ParseFromString(row->getString(2))) {
          return absl::InternalError("stored response is unreadable");
        }
        return absl::OkStatus();
      });
}

}  // namespace

absl::Status IdempotentWrite(
    MysqlPool& pool, const CallContext& call, absl::string_view what,
    const google::protobuf::Message& request,
    google::protobuf::Message* response,
    const std::function<absl::Status(DbConnection&)>& write, TxMode mode) {
  RETURN_IF_ERROR(ValidateRequestId(call.request_id));
  if (call.request_id.empty()) {
    return WithConnection(pool, call.deadline, what, mode, write);
  }
  const std::string hash = RequestHash(request);
  const std::string key = KeyHash(call);
  // The key is claimed by inserting it, with the response, as the last
  // statement of the write's transaction. An INSERT of a new key takes only
  // an insert-intention lock, which never conflicts with other new keys (a
  // SELECT ... FOR UPDATE of a missing key took a gap lock, and concurrent
  // new keys deadlocked on the gap), and the row is written once. The same
  // key in flight elsewhere makes the insert wait for that transaction: its
  // commit turns the insert into a duplicate, so this attempt rolls back its
  // write and returns the stored answer; its rollback lets this one commit.
  // Either way one request_id writes once. A retry of a finished request
  // takes the same path (its write is rolled back at the duplicate key, or
  // fails on what the first attempt created): retries are rare, and this
  // keeps the first attempt, the common case, to a single extra statement.
  bool found = false;
  for (int round = 0; round < 3; ++round) {
    bool claimed_elsewhere = false;
    absl::Status status = WithConnection(
        pool, call.deadline, what, mode, [&](DbConnection& db) -> absl::Status {
          claimed_elsewhere = false;
          RETURN_IF_ERROR(write(db));
          try {
            InsertClaims(db, {{key, call.request_id, call.method, hash,
                               response->SerializeAsString()}});
          } catch (const sql::SQLException& e) {
            if (e.getErrorCode() != kErrDuplicateKey) throw;
            claimed_elsewhere = true;
            return absl::AbortedError("request_id: claimed elsewhere");
          }
          return absl::OkStatus();
        });
    if (status.ok()) return status;
    // Lost the claim, or the write failed because the concurrent attempt of
    // the same request wrote first (a unique code it had just taken): the
    // answer is the one that attempt stored.
    absl::Status stored =
        StoredResponse(pool, call, what, key, hash, response, &found);
    if (stored.ok() && found) return absl::OkStatus();
    if (found) return stored;  // the same request_id, another request
    if (!claimed_elsewhere) return status;
    // Pruned between the duplicate and the read: write again.
  }
  return absl::AbortedError(absl::StrCat(
      "concurrent retries of one request_id while ", what, "; retry"));
}

absl::StatusOr<int64_t> PruneIdempotencyKeys(MysqlPool& pool,
                                             absl::Duration retention,
                                             int batch_size,
                                             absl::Time deadline) {
  const std::string cutoff = absl::FormatTime(
      "%Y-%m-%d %H:%M:%E6S", absl::Now() - retention, absl::UTCTimeZone());
  int64_t total = 0;
  while (absl::Now() < deadline) {
    int deleted = 0;
    // READ COMMITTED: the range delete locks only the rows it removes,
    // never a gap where new keys are being inserted.
    RETURN_IF_ERROR(WithConnection(
        pool, deadline, "pruning idempotency keys", TxMode::kWriteReadCommitted,
        [&](DbConnection& db) -> absl::Status {
          sql::PreparedStatement& prune = db.Prepare(
              "DELETE FROM idempotency_keys WHERE created_at < ? "
              "ORDER BY created_at LIMIT ?");
          prune.setString(1, cutoff);
          prune.setInt(2, batch_size);
          deleted = prune.executeUpdate();
          return absl::OkStatus();
        }));
    total += deleted;
    if (deleted < batch_size) break;
  }
  return total;
}

}  // namespace chibo
