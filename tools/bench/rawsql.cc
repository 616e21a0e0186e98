// chibo-rawsql: the raw database work of a write, measured without chibo,
// as the baseline of scripts/bench.sh's write cases. Same pool and
// prepared-statement cache as the services (common/mysql_pool.h), into
// copies of the real tables (CREATE TABLE ... LIKE: same columns and
// indexes, no foreign keys), from --concurrency threads.
//
//   chibo-rawsql --socket=S --schema=chibo_registry --mode=members
//                --rows=100000 --concurrency=8
//     Each transaction inserts 100 members with their status, membership
//     and outbox event: four 100-row INSERTs (what BulkUpsertMembers
//     stores per row). Prints {"mode","rows","seconds","rows_per_second"}.
//
//   chibo-rawsql --socket=S --schema=chibo_scheduling --mode=record
//                --attendance=33 --concurrency=16 --duration=10
//     Each transaction inserts one meeting record, its attendance rows in
//     one multi-row INSERT, takes an outbox sequence and inserts the event
//     (what RecordMeeting stores). Prints {"mode","transactions","seconds",
//     "transactions_per_second"}.
//
//   chibo-rawsql --socket=S --schema=chibo_scheduling --mode=subtree_read
//                --registry_schema=chibo_registry --root=12
//                --start_date=2025-01-01 --end_date=2025-12-31 --calls=5
//     The raw read of scripts/bench.sh's read cases: the cells of the
//     subtree of organisation --root are taken from the registry once
//     (untimed), then each call is one SELECT of the records of those cells
//     in the period joined with their attendance rows, the cells bound as
//     one JSON array read with JSON_TABLE as the services bind them, and
//     the client reads every column (integers) of every row. Prints
//     {"mode","cells", "rows","calls","p50_ms","p99_ms","min_ms"}.

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/mysql_pool.h"
#include "common/sql_batch.h"
#include "common/sql_rows.h"

ABSL_FLAG(std::string, socket, "", "MariaDB's socket");
ABSL_FLAG(std::string, user, "root", "Database user");
ABSL_FLAG(std::string, schema, "", "Schema holding the tables to copy");
ABSL_FLAG(std::string, mode, "members", "members, record or subtree_read");
ABSL_FLAG(int, rows, 10000, "members: rows to insert (multiple of 100)");
ABSL_FLAG(int, attendance, 33, "record: attendance rows per record");
ABSL_FLAG(int, concurrency, 16, "Threads, one connection each");
ABSL_FLAG(double, duration, 5, "record: seconds to run");
ABSL_FLAG(std::string, registry_schema, "chibo_registry",
          "subtree_read: the registry's schema (the subtree's cells)");
ABSL_FLAG(int64_t, root, 0, "subtree_read: the subtree's root organisation id");
ABSL_FLAG(std::string, start_date, "", "subtree_read: first day, YYYY-MM-DD");
ABSL_FLAG(std::string, end_date, "", "subtree_read: last day, YYYY-MM-DD");
ABSL_FLAG(int, calls, 5, "subtree_read: timed reads");

namespace chibo {
namespace {

constexpr int kBatch = 100;
// 100 rows = 64 + 32 + 4 of the fixed sizes; a run takes the 100-row
// literal by building it from those (all fixed at compile time).
#define CHIBO_X100(x) CHIBO_SQL_X64(x) "," CHIBO_SQL_X32(x) "," CHIBO_SQL_X4(x)

constexpr const char* kSetup[] = {
    "CREATE TABLE IF NOT EXISTS raw_members LIKE members",
    "CREATE TABLE IF NOT EXISTS raw_member_statuses LIKE member_statuses",
    "CREATE TABLE IF NOT EXISTS raw_memberships LIKE memberships",
    "CREATE TABLE IF NOT EXISTS raw_outbox LIKE outbox",
    "CREATE TABLE IF NOT EXISTS raw_outbox_sequence LIKE outbox_sequence",
    "INSERT IGNORE INTO raw_outbox_sequence (id, last_sequence) VALUES (1, 0)",
};
constexpr const char* kRecordSetup[] = {
    "CREATE TABLE IF NOT EXISTS raw_meetings LIKE meetings",
    "CREATE TABLE IF NOT EXISTS raw_attendance LIKE attendance",
    "CREATE TABLE IF NOT EXISTS raw_outbox LIKE outbox",
    "CREATE TABLE IF NOT EXISTS raw_outbox_sequence LIKE outbox_sequence",
    "INSERT IGNORE INTO raw_outbox_sequence (id, last_sequence) VALUES (1, 0)",
};

constexpr char kMembers[] =
    "INSERT INTO raw_members (id, display_name, name_folded, gender, "
    "party_card_number, external_code, version, create_time, update_time) "
    "VALUES " CHIBO_X100(
        "(?, ?, ?, 1, ?, ?, 1, UTC_TIMESTAMP(6), "
        "UTC_TIMESTAMP(6))");
constexpr char kStatuses[] =
    "INSERT INTO raw_member_statuses (member_id, valid_from, status, reason) "
    "VALUES " CHIBO_X100("(?, '2020-01-01', 1, '')");
constexpr char kMemberships[] =
    "INSERT INTO raw_memberships (member_id, valid_from, organization_id) "
    "VALUES " CHIBO_X100("(?, '2020-01-01', 7)");
constexpr char kTakeSequences[] =
    "UPDATE raw_outbox_sequence SET last_sequence = "
    "LAST_INSERT_ID(last_sequence + ?) WHERE id = 1";
constexpr char kOutbox[] =
    "INSERT INTO raw_outbox (sequence, event_time, subject, role, method, "
    "resource, action, organization_id, payload_json) VALUES " CHIBO_X100(
        "(?, UTC_TIMESTAMP(6), 'bench', 'system_admin', "
        "'chibo.registry.v1.RegistryService/BulkUpsertMembers', ?, "
        "'created', 7, ?)");

constexpr char kMeeting[] =
    "INSERT INTO raw_meetings (cell_id, nominal_day, kind, form, start_time, "
    "end_time, guests, agenda, conclusions, resolution, rule_id, "
    "rule_version, min_minutes, recorded_by, create_time) VALUES (7, NULL, "
    "2, 1, '2026-01-05 14:00', '2026-01-05 15:30', '', 'Sinh hoạt chuyên "
    "đề', '', '', 0, 0, 90, 'bench', UTC_TIMESTAMP(6))";
constexpr const char* kAttendance[] = CHIBO_SQL_BATCHES(
    "INSERT INTO raw_attendance (meeting_id, member_id, mark, reason) VALUES ",
    "(?, ?, 1, '')", "");
constexpr char kOneEvent[] =
    "INSERT INTO raw_outbox (sequence, event_time, subject, role, method, "
    "resource, action, organization_id, payload_json) VALUES "
    "(?, UTC_TIMESTAMP(6), 'bench', 'system_admin', "
    "'chibo.scheduling.v1.SchedulingService/RecordMeeting', ?, 'recorded', "
    "7, ?)";

// Cells are the two cell levels (ORGANIZATION_LEVEL_GRASSROOTS_CELL and
// the cell under a grassroots committee), as the services' reads take them.
constexpr char kSubtreeCells[] =
    "SELECT o.id FROM organization_ancestors a "
    "JOIN organizations o ON o.id = a.descendant_id "
    "WHERE a.ancestor_id = ? AND o.level IN (6, 7) ORDER BY o.id";
// What a report needs of each record (id, cell, kind, form, the held day)
// and of each mark (member, mark), every column an integer so that the
// client's cost is the rows, not string copies.
constexpr char kSubtreeRead[] =
    "SELECT m.id, m.cell_id, m.kind, m.form, TO_DAYS(m.start_time), "
    "a.member_id, a.mark "
    "FROM JSON_TABLE(?, '$[*]' COLUMNS (wanted BIGINT PATH '$')) AS w "
    "JOIN meetings m ON m.cell_id = w.wanted "
    "LEFT JOIN attendance a ON a.meeting_id = m.id "
    "WHERE m.start_time >= ? AND m.start_time < DATE_ADD(?, INTERVAL 1 DAY)";

absl::StatusOr<std::string> SubtreeCells(MysqlPool& pool, int64_t root,
                                         int64_t* count) {
  std::string ids = "[";
  absl::Status status = WithConnection(
      pool, absl::Now() + absl::Seconds(30), "reading the subtree's cells",
      TxMode::kRead, [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& q = db.Prepare(kSubtreeCells);
        q.setInt64(1, root);
        std::unique_ptr<sql::ResultSet> row(q.executeQuery());
        while (row->next()) {
          if (*count > 0) ids.push_back(',');
          absl::StrAppend(&ids, row->getInt64(1));
          ++*count;
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  ids.push_back(']');
  return ids;
}

// One timed read; every column of every row goes through the client.
absl::Status SubtreeRead(MysqlPool& pool, const std::string& ids,
                         int64_t* rows) {
  return WithConnection(pool, absl::Now() + absl::Seconds(60),
                        "reading the subtree", TxMode::kRead,
                        [&](DbConnection& db) -> absl::Status {
                          sql::PreparedStatement& q = db.Prepare(kSubtreeRead);
                          q.setString(1, ids);
                          q.setString(2, absl::GetFlag(FLAGS_start_date));
                          q.setString(3, absl::GetFlag(FLAGS_end_date));
                          std::unique_ptr<sql::ResultSet> row(q.executeQuery());
                          int64_t n = 0, sink = 0;
                          while (row->next()) {
                            for (int c = 1; c <= 7; ++c)
                              sink += row->getInt64(c);
                            ++n;
                          }
                          *rows = n + (sink == -1 ? 1 : 0);
                          return absl::OkStatus();
                        });
}

int SubtreeMain() {
  MysqlOptions options;
  options.host = absl::StrCat("unix://", absl::GetFlag(FLAGS_socket));
  options.user = absl::GetFlag(FLAGS_user);
  options.pool_size = 1;
  InitMysqlDriver();
  options.schema = absl::GetFlag(FLAGS_registry_schema);
  int64_t cells = 0;
  absl::StatusOr<std::string> ids;
  {
    MysqlPool registry(options);
    ids = SubtreeCells(registry, absl::GetFlag(FLAGS_root), &cells);
  }
  if (!ids.ok()) {
    std::fprintf(stderr, "chibo-rawsql: %s\n", ids.status().ToString().c_str());
    return 1;
  }
  options.schema = absl::GetFlag(FLAGS_schema);
  MysqlPool pool(options);
  std::vector<double> ms;
  int64_t rows = 0;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_calls)); ++i) {
    const absl::Time start = absl::Now();
    absl::Status status = SubtreeRead(pool, *ids, &rows);
    if (!status.ok()) {
      std::fprintf(stderr, "chibo-rawsql: %s\n", status.ToString().c_str());
      return 1;
    }
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))];
  };
  std::printf(
      "{\"mode\":\"subtree_read\",\"cells\":%ld,\"rows\":%ld,\"calls\":%zu,"
      "\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"min_ms\":%.1f}\n",
      static_cast<long>(cells), static_cast<long>(rows), ms.size(), at(0.5),
      at(0.99), ms.front());
  return 0;
}

absl::Status Setup(MysqlPool& pool, bool record) {
  return WithConnection(pool, absl::Now() + absl::Seconds(30), "setting up",
                        TxMode::kRead, [&](DbConnection& db) -> absl::Status {
                          if (record) {
                            for (const char* q : kRecordSetup)
                              db.Prepare(q).execute();
                          } else {
                            for (const char* q : kSetup)
                              db.Prepare(q).execute();
                          }
                          return absl::OkStatus();
                        });
}

absl::Status MembersBatch(MysqlPool& pool, int64_t first_id) {
  return WithConnection(
      pool, absl::Now() + absl::Seconds(30), "inserting members",
      TxMode::kWrite, [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& members = db.Prepare(kMembers);
        sql::PreparedStatement& statuses = db.Prepare(kStatuses);
        sql::PreparedStatement& memberships = db.Prepare(kMemberships);
        int p = 1;
        for (int i = 0; i < kBatch; ++i) {
          const int64_t id = first_id + i;
          members.setInt64(p++, id);
          members.setString(p++, "Nguyễn Văn An");
          members.setString(p++, "nguyen van an");
          members.setString(p++, absl::StrCat(id));
          members.setString(p++, absl::StrCat("RAW-", id));
          statuses.setInt64(i + 1, id);
          memberships.setInt64(i + 1, id);
        }
        members.executeUpdate();
        statuses.executeUpdate();
        memberships.executeUpdate();
        sql::PreparedStatement& take = db.Prepare(kTakeSequences);
        take.setInt64(1, kBatch);
        take.executeUpdate();
        const int64_t seq = LastInsertId(db) - kBatch + 1;
        sql::PreparedStatement& outbox = db.Prepare(kOutbox);
        p = 1;
        for (int i = 0; i < kBatch; ++i) {
          outbox.setInt64(p++, seq + i);
          outbox.setString(p++, absl::StrCat("members/", first_id + i));
          outbox.setString(p++,
                           "{\"name\":\"members/1\",\"displayName\":\"Nguyễn "
                           "Văn An\",\"cell\":\"organizations/7\"}");
        }
        outbox.executeUpdate();
        return absl::OkStatus();
      });
}

absl::Status Record(MysqlPool& pool, int attendance, int64_t member_base) {
  return WithConnection(
      pool, absl::Now() + absl::Seconds(30), "inserting a record",
      TxMode::kWrite, [&](DbConnection& db) -> absl::Status {
        db.Prepare(kMeeting).executeUpdate();
        const int64_t meeting = LastInsertId(db);
        for (const SqlBatch& batch : PlanSqlBatches(attendance)) {
          sql::PreparedStatement& s = db.Prepare(kAttendance[batch.size_index]);
          int p = 1;
          for (int i = batch.begin; i < batch.begin + batch.count; ++i) {
            s.setInt64(p++, meeting);
            s.setInt64(p++, member_base + i);
          }
          s.executeUpdate();
        }
        sql::PreparedStatement& take = db.Prepare(kTakeSequences);
        take.setInt64(1, 1);
        take.executeUpdate();
        sql::PreparedStatement& event = db.Prepare(kOneEvent);
        event.setInt64(1, LastInsertId(db));
        event.setString(2, absl::StrCat("meetings/", meeting));
        event.setString(3, std::string(2000, 'x'));
        event.executeUpdate();
        return absl::OkStatus();
      });
}

// This process's CPU time (user and system) so far.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) /
             1e6;
}

int Main() {
  if (absl::GetFlag(FLAGS_mode) == "subtree_read") return SubtreeMain();
  const int threads = absl::GetFlag(FLAGS_concurrency);
  const bool record = absl::GetFlag(FLAGS_mode) == "record";
  MysqlOptions options;
  options.host = absl::StrCat("unix://", absl::GetFlag(FLAGS_socket));
  options.user = absl::GetFlag(FLAGS_user);
  options.schema = absl::GetFlag(FLAGS_schema);
  options.pool_size = threads;
  InitMysqlDriver();
  MysqlPool pool(options);
  absl::Status setup = Setup(pool, record);
  if (!setup.ok()) {
    std::fprintf(stderr, "chibo-rawsql: %s\n", setup.ToString().c_str());
    return 1;
  }
  std::atomic<int64_t> next{0}, done{0}, failed{0};
  // Ids far from any earlier run's, so reruns need no cleanup.
  const int64_t base = absl::ToUnixMicros(absl::Now()) * 10;
  const int batches = absl::GetFlag(FLAGS_rows) / kBatch;
  const absl::Time end =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_duration));
  const absl::Time start = absl::Now();
  const double cpu_start = CpuSeconds();
  std::vector<std::thread> pool_threads;
  for (int t = 0; t < threads; ++t) {
    pool_threads.emplace_back([&] {
      while (true) {
        absl::Status status;
        if (record) {
          if (absl::Now() >= end) return;
          status = Record(pool, absl::GetFlag(FLAGS_attendance), base);
        } else {
          const int64_t b = next.fetch_add(1);
          if (b >= batches) return;
          status = MembersBatch(pool, base + b * kBatch);
        }
        if (status.ok()) {
          ++done;
        } else if (++failed == 1) {
          std::fprintf(stderr, "chibo-rawsql: %s\n", status.ToString().c_str());
        }
      }
    });
  }
  for (auto& thread : pool_threads) thread.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double cpu_seconds = CpuSeconds() - cpu_start;
  if (record) {
    std::printf(
        "{\"mode\":\"record\",\"transactions\":%ld,\"failed\":%ld,"
        "\"seconds\":%.3f,\"transactions_per_second\":%.1f,"
        "\"client_cpu_us\":%.0f}\n",
        static_cast<long>(done.load()), static_cast<long>(failed.load()),
        seconds, done.load() / seconds,
        done.load() > 0 ? cpu_seconds * 1e6 / done.load() : 0.0);
  } else {
    std::printf(
        "{\"mode\":\"members\",\"rows\":%ld,\"failed\":%ld,\"seconds\":%.3f,"
        "\"rows_per_second\":%.1f}\n",
        static_cast<long>(done.load() * kBatch),
        static_cast<long>(failed.load()), seconds,
        done.load() * kBatch / seconds);
  }
  return failed.load() == 0 ? 0 : 1;
}

}  // namespace
}  // namespace chibo

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return chibo::Main();
}
