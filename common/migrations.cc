#include "common/migrations.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <map>
#include <memory>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/mysql_pool.h"
#include "common/sql_error.h"
#include "common/status_macros.h"

namespace chibo {
namespace {

// FNV-1a: enough to notice an edited migration; not a security measure.
std::string Checksum(absl::string_view text) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return absl::StrCat(absl::Hex(hash, absl::kZeroPad16));
}

// The checksums a migration says it replaces: lines "-- replaces checksum
// <hex> ...". An applied migration may be rewritten only to reach the same
// schema another way (say, portably), and then names the text it replaces,
// so that a database that applied the old text carries on.
std::set<std::string> ReplacedChecksums(absl::string_view sql) {
  constexpr absl::string_view kMarker = "-- replaces checksum ";
  std::set<std::string> replaced;
  for (absl::string_view line : absl::StrSplit(sql, '\n')) {
    line = absl::StripLeadingAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, kMarker)) continue;
    replaced.insert(std::string(line.substr(0, line.find(' '))));
  }
  return replaced;
}

constexpr char kCreateTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " id VARCHAR(191) NOT NULL PRIMARY KEY,"
    " checksum CHAR(16) NOT NULL,"
    " applied_at DATETIME(6) NOT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

absl::Status ApplyLocked(DbConnection& db,
                         const std::vector<Migration>& migrations) {
  std::unique_ptr<sql::Statement> statement(db.raw().createStatement());
  statement->execute(kCreateTable);
  std::map<std::string, std::string> applied;
  {
    std::unique_ptr<sql::ResultSet> rows(
        statement->executeQuery("SELECT id, checksum FROM schema_migrations"));
    while (rows->next()) {
      applied[rows->getString(1)] = rows->getString(2);
    }
  }
  for (const Migration& migration : migrations) {
    const std::string checksum = Checksum(migration.sql);
    auto it = applied.find(migration.id);
    if (it != applied.end()) {
      if (it->second != checksum &&
          ReplacedChecksums(migration.sql).count(it->second) == 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "migration ", migration.id,
            " was edited after it was applied; add a new migration instead"));
      }
      continue;
    }
    for (const std::string& sql_text : SplitSqlStatements(migration.sql)) {
      statement->execute(sql_text);
    }
    sql::PreparedStatement& record = db.Prepare(
        "INSERT INTO schema_migrations (id, checksum, applied_at) "
        "VALUES (?, ?, UTC_TIMESTAMP(6))");
    record.setString(1, migration.id);
    record.setString(2, checksum);
    record.executeUpdate();
    Log(LogLevel::kInfo, "applied migration", {{"id", migration.id}});
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> SplitSqlStatements(absl::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  for (absl::string_view line : absl::StrSplit(sql, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || absl::StartsWith(trimmed, "--")) continue;
    absl::StrAppend(&current, current.empty() ? "" : "\n", line);
    if (absl::EndsWith(trimmed, ";")) {
      current.erase(current.find_last_of(';'));
      if (!absl::StripAsciiWhitespace(current).empty()) {
        statements.push_back(current);
      }
      current.clear();
    }
  }
  if (!absl::StripAsciiWhitespace(current).empty()) {
    statements.push_back(current);
  }
  return statements;
}

absl::Status ApplyMigrations(MysqlPool& pool,
                             const std::vector<Migration>& migrations,
                             absl::Duration lock_timeout) {
  const std::string lock_name =
      absl::StrCat("chibo_migrate.", pool.options().schema);
  const absl::Time deadline = absl::Now() + lock_timeout + absl::Minutes(5);
  return WithConnection(
      pool, deadline, "applying migrations", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& lock = db.Prepare("SELECT GET_LOCK(?, ?)");
        lock.setString(1, lock_name);
        lock.setInt(2, static_cast<int>(absl::ToInt64Seconds(lock_timeout)));
        std::unique_ptr<sql::ResultSet> got(lock.executeQuery());
        if (!got->next() || got->getInt(1) != 1) {
          return absl::DeadlineExceededError(
              "another process holds the migration lock; try again");
        }
        absl::Status status = ApplyLocked(db, migrations);
        sql::PreparedStatement& unlock = db.Prepare("SELECT RELEASE_LOCK(?)");
        unlock.setString(1, lock_name);
        std::unique_ptr<sql::ResultSet> released(unlock.executeQuery());
        return status;
      });
}

absl::Status WaitForDatabase(MysqlPool& pool, absl::Duration wait) {
  const absl::Time give_up = absl::Now() + wait;
  while (true) {
    absl::Status status = WithConnection(
        pool, absl::Now() + absl::Seconds(5), "checking the database",
        TxMode::kRead, [](DbConnection&) { return absl::OkStatus(); });
    if (status.ok() || absl::Now() >= give_up ||
        status.code() != absl::StatusCode::kUnavailable) {
      return status;
    }
    Log(LogLevel::kInfo, "waiting for the database",
        {{"reason", status.message()}});
    absl::SleepFor(absl::Seconds(1));
  }
}

}  // namespace chibo
