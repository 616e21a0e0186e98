#ifndef CHIBO_COMMON_MIGRATIONS_H_
#define CHIBO_COMMON_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chibo {

class MysqlPool;

// A forward-only schema change, embedded in the binary at build time
// (see chibo_migrations() in cmake/chibo.cmake). Statements are separated by
// ';' at the end of a line; lines starting with "--" are comments.
struct Migration {
  std::string id;  // "registry/0001_init": unique, sorts in apply order.
  std::string sql;
};

// The tables every service has: outbox and idempotency keys.
const std::vector<Migration>& CommonMigrations();

// Splits a migration into statements (pure; exposed for tests).
std::vector<std::string> SplitSqlStatements(absl::string_view sql);

// Applies the migrations not yet recorded in `schema_migrations`, in order,
// while holding a named lock so that replicas starting together apply each
// migration once. A recorded migration whose text changed is an error:
// landed migrations are never edited, except to reach the same schema
// another way, and then the new text names the checksum of the old one in
// a comment line "-- replaces checksum <hex>".
absl::Status ApplyMigrations(MysqlPool& pool,
                             const std::vector<Migration>& migrations,
                             absl::Duration lock_timeout = absl::Seconds(60));

// Retries until the database accepts a connection or `wait` elapses.
absl::Status WaitForDatabase(MysqlPool& pool, absl::Duration wait);

}  // namespace chibo

#endif  // CHIBO_COMMON_MIGRATIONS_H_
