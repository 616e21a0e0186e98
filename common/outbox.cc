#include "common/outbox.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/mysql_pool.h"
#include "common/resource_json.h"
#include "common/resource_name.h"
#include "common/rpc.h"
#include "common/sql_batch.h"
#include "common/sql_rows.h"
#include "common/sql_time.h"

namespace chibo {

namespace {

// The row the outbox sequence is taken from (0003_commit_ordered_feed.sql).
constexpr char kNextSequence[] =
    "UPDATE outbox_sequence SET last_sequence = "
    "LAST_INSERT_ID(last_sequence + 1) WHERE id = 1";

// One event as it will be inserted; copied out of the call so that the
// insert can run at commit time.
struct PendingChange {
  std::string subject, role, on_behalf_of, request_id, method, resource, action,
      payload;
  int64_t organization_id = 0;
};

void InsertChange(DbConnection& db, const PendingChange& change) {
  // The counter row stays locked until COMMIT: the next writer's sequence
  // is taken only after this transaction committed, so sequences appear in
  // the order readers can see them, with no gaps.
  db.Prepare(kNextSequence).executeUpdate();
  sql::PreparedStatement& insert = db.Prepare(
      "INSERT INTO outbox (sequence, event_time, subject, role, "
      "on_behalf_of, request_id, method, resource, action, organization_id, "
      "payload_json) "
      "VALUES (LAST_INSERT_ID(), UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.setString(1, change.subject);
  insert.setString(2, change.role);
  insert.setString(3, change.on_behalf_of);
  insert.setString(4, change.request_id);
  insert.setString(5, change.method);
  insert.setString(6, change.resource);
  insert.setString(7, change.action);
  if (change.organization_id > 0) {
    insert.setInt64(8, change.organization_id);
  } else {
    insert.setNull(8, 0);
  }
  insert.setString(9, change.payload);
  insert.executeUpdate();
}

// The sequence of many changes at once: one counter update for all of
// them, then multi-row inserts of fixed sizes (common/sql_batch.h).
constexpr char kTakeSequences[] =
    "UPDATE outbox_sequence SET last_sequence = "
    "LAST_INSERT_ID(last_sequence + ?) WHERE id = 1";
constexpr const char* kInsertChanges[] = CHIBO_SQL_BATCHES(
    "INSERT INTO outbox (sequence, event_time, subject, role, on_behalf_of, "
    "request_id, method, resource, action, organization_id, payload_json) "
    "VALUES ",
    "(?, UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, ?, ?, ?, ?)", "");

void InsertChanges(DbConnection& db, const std::vector<PendingChange>& all) {
  if (all.empty()) return;
  sql::PreparedStatement& take = db.Prepare(kTakeSequences);
  take.setInt64(1, static_cast<int64_t>(all.size()));
  take.executeUpdate();
  const int64_t first = LastInsertId(db) - static_cast<int64_t>(all.size()) + 1;
  for (const SqlBatch& batch : PlanSqlBatches(static_cast<int>(all.size()))) {
    sql::PreparedStatement& insert =
        db.Prepare(kInsertChanges[batch.size_index]);
    int p = 1;
    for (int i = batch.begin; i < batch.begin + batch.count; ++i) {
      const PendingChange& change = all[i];
      insert.setInt64(p++, first + i);
      insert.setString(p++, change.subject);
      insert.setString(p++, change.role);
      insert.setString(p++, change.on_behalf_of);
      insert.setString(p++, change.request_id);
      insert.setString(p++, change.method);
      insert.setString(p++, change.resource);
      insert.setString(p++, change.action);
      if (change.organization_id > 0) {
        insert.setInt64(p++, change.organization_id);
      } else {
        insert.setNull(p++, 0);
      }
      insert.setString(p++, change.payload);
    }
    insert.executeUpdate();
  }
}

PendingChange Pending(const CallContext& call, const ChangeRecord& change) {
  PendingChange pending;
  if (change.payload != nullptr)
    pending.payload = ResourceJson(*change.payload);
  pending.subject = call.caller.subject;
  pending.role = call.caller.role;
  pending.on_behalf_of = call.caller.on_behalf_of;
  pending.request_id = call.request_id;
  pending.method = call.method;
  pending.resource = change.resource;
  pending.action = change.action;
  pending.organization_id = change.organization_id;
  return pending;
}

// The changes of the current transaction, inserted together just before
// its COMMIT: one is two statements (counter, row), several share one
// counter update (InsertChanges). A transaction that holds many writes (a
// bulk import, a group of records written together, common/group_write.h)
// pays for its events once, not two statements per write.
std::vector<PendingChange>& PendingChangesOf(DbConnection& db) {
  // Its address is the key; not const, so no linker can merge it with
  // another key's.
  static char slot_key;
  std::shared_ptr<void>& slot = db.TransactionSlot(&slot_key);
  if (slot == nullptr) {
    auto pending = std::make_shared<std::vector<PendingChange>>();
    slot = pending;
    db.BeforeCommit([pending](DbConnection& tx) {
      if (pending->size() == 1) {
        InsertChange(tx, pending->front());
      } else {
        InsertChanges(tx, *pending);
      }
    });
  }
  return *static_cast<std::vector<PendingChange>*>(slot.get());
}

}  // namespace

void AppendChange(DbConnection& db, const CallContext& call,
                  const ChangeRecord& change) {
  PendingChangesOf(db).push_back(Pending(call, change));
}

void AppendChanges(DbConnection& db, const CallContext& call,
                   const std::vector<ChangeRecord>& changes) {
  if (changes.empty()) return;
  std::vector<PendingChange>& pending = PendingChangesOf(db);
  pending.reserve(pending.size() + changes.size());
  for (const ChangeRecord& change : changes) {
    pending.push_back(Pending(call, change));
  }
}

absl::Status ReadOutbox(MysqlPool& pool, absl::Time deadline, int64_t after,
                        absl::string_view subject, int limit,
                        chibo::feed::v1::ListChangesResponse* out) {
  out->set_last_sequence(after);
  return WithConnection(
      pool, deadline, "reading the change feed", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        // The head first: the page read next can only reach further.
        {
          std::unique_ptr<sql::ResultSet> head(
              db.Prepare("SELECT last_sequence FROM outbox_sequence "
                         "WHERE id = 1")
                  .executeQuery());
          out->set_head_sequence(head->next() ? head->getInt64(1) : 0);
        }
        // At or past the head (a reader asking only for the head, or one
        // that is up to date): whatever the page would find now commits
        // after that read, and the next read returns it.
        if (after >= out->head_sequence()) return absl::OkStatus();
        // Two fixed statements rather than a composed one: with and
        // without the subject filter.
        sql::PreparedStatement& query =
            subject.empty()
                ? db.Prepare(
                      "SELECT sequence, event_time, subject, role, "
                      "on_behalf_of, request_id, method, resource, action, "
                      "organization_id, payload_json FROM outbox "
                      "WHERE sequence > ? ORDER BY sequence LIMIT ?")
                : db.Prepare(
                      "SELECT sequence, event_time, subject, role, "
                      "on_behalf_of, request_id, method, resource, action, "
                      "organization_id, payload_json FROM outbox "
                      "WHERE sequence > ? AND subject = ? "
                      "ORDER BY sequence LIMIT ?");
        int index = 1;
        query.setInt64(index++, after);
        if (!subject.empty()) query.setString(index++, std::string(subject));
        query.setInt(index, limit);
        std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
        while (rows->next()) {
          const int64_t sequence = rows->getInt64(1);
          out->set_last_sequence(sequence);
          const int64_t organization =
              rows->isNull(10) ? 0 : rows->getInt64(10);
          chibo::feed::v1::Change* change = out->add_changes();
          change->set_sequence(sequence);
          *change->mutable_event_time() = SqlToTimestamp(rows->getString(2));
          change->set_subject(rows->getString(3));
          change->set_role(rows->getString(4));
          change->set_on_behalf_of(rows->getString(5));
          change->set_request_id(rows->getString(6));
          change->set_method(rows->getString(7));
          change->set_resource(rows->getString(8));
          change->set_action(rows->getString(9));
          if (organization > 0) {
            change->set_organization(
                absl::StrCat("organizations/", organization));
          }
          change->set_payload_json(rows->getString(11));
        }
        return absl::OkStatus();
      });
}

int64_t OrganizationIdOf(const chibo::feed::v1::Change& change) {
  absl::string_view name = change.organization();
  int64_t id = 0;
  if (!absl::ConsumePrefix(&name, "organizations/") ||
      !absl::SimpleAtoi(name, &id)) {
    return 0;
  }
  return id;
}

}  // namespace chibo
