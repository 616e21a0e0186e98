#include "common/outbox.h"

#include <cppconn/prepared_statement.h>

#include "common/mysql_pool.h"
#include "common/rpc.h"
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

}  // namespace chibo
