#include "services/registry/write_scope.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/idempotency.h"
#include "common/resource_name.h"
#include "common/status_macros.h"

namespace chibo::registry {
namespace {

// The tree is a handful of levels deep; this only stops a corrupt cycle.
constexpr int kMaxDepth = 64;

// Is `ancestor` above `id` (or `id` itself), read with share locks?
bool UnderLocked(DbConnection& db, int64_t id, int64_t ancestor) {
  sql::PreparedStatement& up = db.Prepare(
      "SELECT parent_id FROM organizations WHERE id = ? LOCK IN SHARE MODE");
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    if (id == ancestor) return true;
    up.setInt64(1, id);
    std::unique_ptr<sql::ResultSet> row(up.executeQuery());
    if (!row->next() || row->isNull(1)) return false;  // deleted, or a root
    id = row->getInt64(1);
  }
  return false;
}

// The cell of `member`'s membership in force today (as the scope oracle
// resolves it), read with share locks on the member's memberships, or 0.
// A transfer updates and inserts those rows, so one committed after
// admission is seen here and one not yet started waits.
int64_t CellTodayLocked(DbConnection& db, int64_t member) {
  sql::PreparedStatement& query = db.Prepare(
      "SELECT organization_id FROM memberships WHERE member_id = ?"
      " ORDER BY valid_from <= ? DESC,"
      " CASE WHEN valid_from <= ? THEN valid_from END DESC,"
      " valid_from LIMIT 1 LOCK IN SHARE MODE");
  const std::string today = FormatDate(TodayInVietnam());
  query.setInt64(1, member);
  query.setString(2, today);
  query.setString(3, today);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  return row->next() ? row->getInt64(1) : 0;
}

absl::Status Refused(const CallContext& call, const ScopeProof& proof) {
  // The words admission uses: whether the tree changed is not told.
  return absl::PermissionDeniedError(
      absl::StrCat(proof.field, ": the caller's scope ", call.caller.scope,
                   " does not include the resource this call names"));
}

}  // namespace

absl::Status HoldMemberships(DbConnection& db, const CallContext& call) {
  for (const ScopeProof& proof : call.caller.write_scope) {
    if (proof.resource.empty()) continue;
    absl::StatusOr<int64_t> member =
        ParseResourceId(proof.resource, "members", proof.field);
    if (!member.ok() || CellTodayLocked(db, *member) != proof.organization) {
      return Refused(call, proof);
    }
  }
  return absl::OkStatus();
}

absl::Status HoldWriteScope(DbConnection& db, const CallContext& call) {
  for (const ScopeProof& proof : call.caller.write_scope) {
    if (!UnderLocked(db, proof.organization, proof.ancestor)) {
      return Refused(call, proof);
    }
  }
  return absl::OkStatus();
}

absl::Status ScopedWrite(
    MysqlPool& pool, const CallContext& call, absl::string_view what,
    const std::function<absl::Status(DbConnection&)>& body) {
  return WithConnection(pool, call.deadline, what, TxMode::kWrite,
                        [&](DbConnection& db) -> absl::Status {
                          RETURN_IF_ERROR(HoldMemberships(db, call));
                          RETURN_IF_ERROR(body(db));
                          return HoldWriteScope(db, call);
                        });
}

absl::Status ScopedIdempotentWrite(
    MysqlPool& pool, const CallContext& call, absl::string_view what,
    const google::protobuf::Message& request,
    google::protobuf::Message* response,
    const std::function<absl::Status(DbConnection&)>& write) {
  return IdempotentWrite(pool, call, what, request, response,
                         [&](DbConnection& db) -> absl::Status {
                           RETURN_IF_ERROR(HoldMemberships(db, call));
                           RETURN_IF_ERROR(write(db));
                           return HoldWriteScope(db, call);
                         });
}

}  // namespace chibo::registry
