#ifndef CHIBO_COMMON_MYSQL_POOL_H_
#define CHIBO_COMMON_MYSQL_POOL_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace sql {
class Connection;
class PreparedStatement;
}  // namespace sql

namespace chibo {

struct PoolMetrics;

struct MysqlOptions {
  // tcp://HOST:PORT or unix:///path/to/socket.
  std::string host = "tcp://127.0.0.1:3306";
  std::string user;
  std::string password;
  std::string schema;
  int pool_size = 16;
  // Most calls a GroupWriter on this pool writes in one transaction
  // (common/group_write.h); 1 writes each call alone.
  int write_group_max = 16;
  // Connect, read and write timeouts: shorter than any RPC deadline so a
  // hung database turns into UNAVAILABLE rather than a hung call.
  absl::Duration io_timeout = absl::Seconds(5);
  // A connection idle longer than this is pinged before it is handed out.
  absl::Duration validate_after_idle = absl::Seconds(5);
  // innodb_lock_wait_timeout of every session: a lock wait gives up (1205,
  // retried) well before io_timeout would cut the connection.
  absl::Duration lock_wait_timeout = absl::Seconds(3);
  // When set, the pool's figures go to /metrics labelled {pool=this}
  // (common/metrics.h): connections, wait time, broken connections.
  std::string metrics_name;
};

// One pooled connection with its prepared-statement cache. Not thread-safe:
// a connection belongs to one call at a time.
class DbConnection {
 public:
  explicit DbConnection(std::unique_ptr<sql::Connection> connection);
  ~DbConnection();

  sql::Connection& raw() { return *connection_; }
  // Prepares `sql_text` once per connection and returns the cached statement
  // with its parameters cleared. Throws sql::SQLException like Connector/C++.
  sql::PreparedStatement& Prepare(const std::string& sql_text);

  // Runs `hook` as the last work of the current write transaction, after
  // its body succeeded and just before COMMIT, in the order registered.
  // The outbox takes its commit-ordered sequence there (common/outbox.h).
  // Dropped when the transaction rolls back.
  void BeforeCommit(std::function<void(DbConnection&)> hook);

  // A value that lives as long as the current transaction, one per `key`
  // (the address of something of the caller's): null until the caller
  // sets it, dropped at commit or rollback. The outbox gathers a
  // transaction's changes here, so that they take their sequences with
  // one counter update however many writes the transaction holds.
  std::shared_ptr<void>& TransactionSlot(const void* key);

 private:
  friend class TransactionRunner;

  std::unique_ptr<sql::Connection> connection_;
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>>
      statements_;
  std::vector<std::function<void(DbConnection&)>> before_commit_;
  std::vector<std::pair<const void*, std::shared_ptr<void>>> slots_;
};

// A bounded pool: at most `pool_size` connections, one per in-flight call.
// Connections are validated before reuse, discarded after a connection-level
// error, and never auto-reconnected (that would silently drop a transaction).
class MysqlPool {
 public:
  // Connects lazily: constructing a pool never touches the network.
  explicit MysqlPool(MysqlOptions options);
  ~MysqlPool();
  MysqlPool(const MysqlPool&) = delete;
  MysqlPool& operator=(const MysqlPool&) = delete;

  class Lease {
   public:
    Lease(MysqlPool* pool, std::unique_ptr<DbConnection> connection);
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    DbConnection& operator*() { return *connection_; }
    DbConnection* operator->() { return connection_.get(); }
    // The connection is unusable: close it instead of returning it.
    void MarkBroken() { broken_ = true; }

   private:
    MysqlPool* pool_;
    std::unique_ptr<DbConnection> connection_;
    bool broken_ = false;
  };

  // Waits until `deadline` for a free connection. UNAVAILABLE when the
  // database cannot be reached or the pool stays exhausted.
  absl::StatusOr<Lease> Acquire(absl::Time deadline);

  const MysqlOptions& options() const { return options_; }
  int open_connections() const;

 private:
  struct Idle {
    std::unique_ptr<DbConnection> connection;
    absl::Time since;
  };
  absl::StatusOr<std::unique_ptr<DbConnection>> Connect();
  absl::StatusOr<Lease> AcquireUntimed(absl::Time deadline);
  void Release(std::unique_ptr<DbConnection> connection, bool broken);
  void NoteSizesLocked();

  const MysqlOptions options_;
  mutable std::mutex mu_;
  std::condition_variable released_;
  std::vector<Idle> idle_;
  int open_ = 0;
  std::unique_ptr<PoolMetrics> metrics_;  // null unless metrics_name is set
};

// Must run once before any thread touches Connector/C++.
void InitMysqlDriver();

enum class TxMode {
  // Autocommit; for reads.
  kRead,
  // One transaction: committed when the body returns OK, rolled back
  // otherwise. Deadlocks (1213) and lock wait timeouts (1205) roll back and
  // run the body again after a jittered backoff, while the deadline allows.
  kWrite,
  // kWrite under READ COMMITTED: no gap locks, for housekeeping deletes
  // that must never block concurrent inserts.
  kWriteReadCommitted,
};

// Runs `body` on a pooled connection. This is where Connector/C++
// exceptions stop: they become a Status via SqlErrorToStatus(`what`).
absl::Status WithConnection(
    MysqlPool& pool, absl::Time deadline, absl::string_view what, TxMode mode,
    const std::function<absl::Status(DbConnection&)>& body);

}  // namespace chibo

#endif  // CHIBO_COMMON_MYSQL_POOL_H_
