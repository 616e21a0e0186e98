#include "common/outbox.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/mysql_pool.h"
#include "common/resource_name.h"
#include "common/rpc.h"
#include "common/sql_time.h"
#include "google/protobuf/util/json_util.h"

namespace chibo {

void AppendChange(DbConnection& db, const CallContext& call,
                  const ChangeRecord& change) {
  std::string payload;
  if (change.payload != nullptr) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = false;
    // A message we just built always converts; an empty payload is still a
    // valid event.
    (void)google::protobuf::util::MessageToJsonString(*change.payload, &payload,
                                                      options);
  }
  sql::PreparedStatement& insert = db.Prepare(
      "INSERT INTO outbox (event_time, subject, role, on_behalf_of, "
      "request_id, method, resource, action, organization_id, payload_json) "
      "VALUES (UTC_TIMESTAMP(6), ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.setString(1, call.caller.subject);
  insert.setString(2, call.caller.role);
  insert.setString(3, call.caller.on_behalf_of);
  insert.setString(4, call.request_id);
  insert.setString(5, call.method);
  insert.setString(6, change.resource);
  insert.setString(7, change.action);
  if (change.organization_id > 0) {
    insert.setInt64(8, change.organization_id);
  } else {
    insert.setNull(8, 0);
  }
  insert.setString(9, payload);
  insert.executeUpdate();
}

absl::Status ReadOutbox(MysqlPool& pool, absl::Time deadline, int64_t after,
                        absl::string_view subject, int limit,
                        chibo::feed::v1::ListChangesResponse* out) {
  out->set_last_sequence(after);
  return WithConnection(
      pool, deadline, "reading the change feed", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
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
