#include "common/mysql_pool.h"

#include <cppconn/connection.h>
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/sql_error.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"

namespace chibo {
namespace {

sql::Driver* Driver() {
  // get_driver_instance() is not thread-safe on first use.
  static sql::Driver* driver = sql::mysql::get_mysql_driver_instance();
  return driver;
}

int TimeoutSeconds(absl::Duration d) {
  return std::max(1, static_cast<int>(absl::ToInt64Seconds(d)));
}

}  // namespace

void InitMysqlDriver() { Driver(); }

// Runs WithConnection's transaction steps that touch DbConnection's
// private hook list.
class TransactionRunner {
 public:
  static void Begin(DbConnection& db, TxMode mode) {
    Forget(db);
    std::unique_ptr<sql::Statement> begin(db.raw().createStatement());
    if (mode == TxMode::kWriteReadCommitted) {
      begin->execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
    }
    begin->execute("START TRANSACTION");
  }
  // Runs the hooks (also for a read-mode body, which has no transaction
  // to join: its statements are each their own).
  static void RunHooks(DbConnection& db) {
    std::vector<std::function<void(DbConnection&)>> hooks;
    hooks.swap(db.before_commit_);
    for (auto& hook : hooks) hook(db);
    db.slots_.clear();
  }
  static void Commit(DbConnection& db) {
    RunHooks(db);
    db.raw().commit();
  }
  static void Forget(DbConnection& db) {
    db.before_commit_.clear();
    db.slots_.clear();
  }
};

namespace {

// Backoff before the n-th retry of a deadlocked transaction: random in
// [base, 2 * base) with base doubling per retry, so the transactions that
// collided do not collide again in step.
absl::Duration RetryBackoff(int retry) {
  thread_local std::mt19937 random{std::random_device{}()};
  const int64_t base_us = int64_t{2000} << std::min(retry, 5);
  std::uniform_int_distribution<int64_t> jitter(base_us, 2 * base_us);
  return absl::Microseconds(jitter(random));
}

}  // namespace

void DbConnection::BeforeCommit(std::function<void(DbConnection&)> hook) {
  before_commit_.push_back(std::move(hook));
}

std::shared_ptr<void>& DbConnection::TransactionSlot(const void* key) {
  for (auto& [slot_key, value] : slots_) {
    if (slot_key == key) return value;
  }
  return slots_.emplace_back(key, nullptr).second;
}

DbConnection::DbConnection(std::unique_ptr<sql::Connection> connection)
    : connection_(std::move(connection)) {}

DbConnection::~DbConnection() {
  statements_.clear();
  try {
    connection_->close();
  } catch (const sql::SQLException&) {
    // Closing a dead connection fails; nothing is left to release.
  }
}

sql::PreparedStatement& DbConnection::Prepare(const std::string& sql_text) {
  auto it = statements_.find(sql_text);
  if (it == statements_.end()) {
    std::unique_ptr<sql::PreparedStatement> statement(
        connection_->prepareStatement(sql_text));
    it = statements_.emplace(sql_text, std::move(statement)).first;
  } else {
    it->second->clearParameters();
  }
  return *it->second;
}

MysqlPool::MysqlPool(MysqlOptions options) : options_(std::move(options)) {
  InitMysqlDriver();
  if (!options_.metrics_name.empty()) {
    metrics_ =
        std::make_unique<PoolMetrics>(PoolMetricsFor(options_.metrics_name));
    metrics_->max->Set(options_.pool_size);
  }
}

void MysqlPool::NoteSizesLocked() {
  if (metrics_ == nullptr) return;
  metrics_->open->Set(open_);
  metrics_->idle->Set(static_cast<double>(idle_.size()));
}

MysqlPool::~MysqlPool() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

int MysqlPool::open_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

absl::StatusOr<std::unique_ptr<DbConnection>> MysqlPool::Connect() {
  sql::ConnectOptionsMap opts;
  opts["hostName"] = sql::SQLString(options_.host);
  opts["userName"] = sql::SQLString(options_.user);
  opts["password"] = sql::SQLString(options_.password);
  opts["schema"] = sql::SQLString(options_.schema);
  const int timeout = TimeoutSeconds(options_.io_timeout);
  opts["OPT_CONNECT_TIMEOUT"] = timeout;
  opts["OPT_READ_TIMEOUT"] = timeout;
  opts["OPT_WRITE_TIMEOUT"] = timeout;
  opts["OPT_RECONNECT"] = false;
  opts["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  try {
    std::unique_ptr<sql::Connection> raw(Driver()->connect(opts));
    std::unique_ptr<sql::Statement> init(raw->createStatement());
    // Timestamps are stored and compared in UTC everywhere.
    init->execute("SET time_zone = '+00:00'");
    std::unique_ptr<sql::PreparedStatement> lock_wait(
        raw->prepareStatement("SET SESSION innodb_lock_wait_timeout = ?"));
    lock_wait->setInt64(
        1,
        std::max<int64_t>(1, absl::ToInt64Seconds(options_.lock_wait_timeout)));
    lock_wait->execute();
    return std::make_unique<DbConnection>(std::move(raw));
  } catch (const sql::SQLException& e) {
    return SqlErrorToStatus(e, "connecting to the database");
  }
}

absl::StatusOr<MysqlPool::Lease> MysqlPool::Acquire(absl::Time deadline) {
  if (metrics_ == nullptr) return AcquireUntimed(deadline);
  const absl::Time start = absl::Now();
  absl::StatusOr<Lease> lease = AcquireUntimed(deadline);
  metrics_->wait->Observe(absl::ToDoubleSeconds(absl::Now() - start));
  return lease;
}

absl::StatusOr<MysqlPool::Lease> MysqlPool::AcquireUntimed(
    absl::Time deadline) {
  while (true) {
    std::unique_ptr<DbConnection> candidate;
    absl::Time idle_since;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto wake = absl::ToChronoTime(deadline);
      while (idle_.empty() && open_ >= options_.pool_size) {
        if (released_.wait_until(lock, wake) == std::cv_status::timeout &&
            idle_.empty() && open_ >= options_.pool_size) {
          return absl::UnavailableError(
              "all database connections are busy; retry later");
        }
      }
      if (!idle_.empty()) {
        candidate = std::move(idle_.back().connection);
        idle_since = idle_.back().since;
        idle_.pop_back();
      } else {
        ++open_;  // Reserve the slot; connect outside the lock.
      }
      NoteSizesLocked();
    }
    if (candidate == nullptr) {
      auto connected = Connect();
      if (!connected.ok()) {
        Release(nullptr, /*broken=*/true);
        return connected.status();
      }
      return Lease(this, *std::move(connected));
    }
    if (absl::Now() - idle_since < options_.validate_after_idle) {
      return Lease(this, std::move(candidate));
    }
    bool valid = false;
    try {
      valid = candidate->raw().isValid();
    } catch (const sql::SQLException&) {
      valid = false;
    }
    if (valid) return Lease(this, std::move(candidate));
    Release(std::move(candidate), /*broken=*/true);
  }
}

void MysqlPool::Release(std::unique_ptr<DbConnection> connection, bool broken) {
  std::unique_ptr<DbConnection> to_close;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (broken) {
      --open_;
      if (metrics_ != nullptr) {
        (connection != nullptr ? metrics_->broken : metrics_->connect_failures)
            ->Increment();
      }
      to_close = std::move(connection);
    } else {
      idle_.push_back({std::move(connection), absl::Now()});
    }
    NoteSizesLocked();
  }
  released_.notify_one();
  // to_close is destroyed outside the lock: closing may block on the network.
}

MysqlPool::Lease::Lease(MysqlPool* pool,
                        std::unique_ptr<DbConnection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

MysqlPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      connection_(std::move(other.connection_)),
      broken_(other.broken_) {
  other.pool_ = nullptr;
}

MysqlPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) {
    pool_->Release(std::move(connection_), broken_);
  }
}

absl::Status WithConnection(
    MysqlPool& pool, absl::Time deadline, absl::string_view what, TxMode mode,
    const std::function<absl::Status(DbConnection&)>& body) {
  // Deadlocks are retried while the deadline allows; this bounds the
  // attempts of a call with a very long deadline.
  constexpr int kMaxAttempts = 8;
  const bool write = mode != TxMode::kRead;
  for (int attempt = 1;; ++attempt) {
    auto lease = pool.Acquire(deadline);
    if (!lease.ok()) return lease.status();
    DbConnection& connection = **lease;
    bool in_transaction = false;
    try {
      if (write) {
        TransactionRunner::Begin(connection, mode);
        in_transaction = true;
      }
      absl::Status status = body(connection);
      if (!in_transaction) {
        if (status.ok()) TransactionRunner::RunHooks(connection);
        TransactionRunner::Forget(connection);
      } else {
        if (status.ok()) {
          TransactionRunner::Commit(connection);
        } else {
          TransactionRunner::Forget(connection);
          connection.raw().rollback();
        }
      }
      return status;
    } catch (const sql::SQLException& e) {
      TransactionRunner::Forget(connection);
      if (IsConnectionBroken(e)) {
        lease->MarkBroken();
      } else if (in_transaction) {
        try {
          connection.raw().rollback();
        } catch (const sql::SQLException&) {
          lease->MarkBroken();
        }
      }
      const int code = e.getErrorCode();
      const bool retryable =
          write && (code == kErrDeadlock || code == kErrLockWaitTimeout);
      if (retryable && attempt < kMaxAttempts) {
        const absl::Duration pause = RetryBackoff(attempt);
        if (absl::Now() + pause < deadline) {
          RecordTransactionRetry(code == kErrDeadlock);
          // Hand the connection back before sleeping.
          { auto released = std::move(*lease); }
          absl::SleepFor(pause);
          continue;
        }
      }
      return SqlErrorToStatus(e, what);
    } catch (const std::exception& e) {
      TransactionRunner::Forget(connection);
      lease->MarkBroken();
      Log(LogLevel::kError, "unexpected exception in database call",
          {{"during", what}, {"detail", e.what()}});
      return absl::InternalError(absl::StrCat("internal error while ", what));
    }
  }
}

}  // namespace chibo
