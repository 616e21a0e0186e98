#ifndef CHIBO_SERVICES_REGISTRY_WRITE_SCOPE_H_
#define CHIBO_SERVICES_REGISTRY_WRITE_SCOPE_H_

// A scoped caller's write holds its scope inside its own transaction.
//
// Admission (common/auth) decides a write's scope on the tree as it stands
// at admission, with plain reads, and hands what it found to the handler
// as Caller::write_scope. A move that commits after admission but before
// the write would otherwise let the write through on a scope the move has
// already taken away. So every registry write transaction ends by proving
// each of those facts again with locking reads: it walks from the
// organisation up organizations.parent_id to the ancestor, share-locking
// each row on the way (the locking rule of organization_ancestors.h). A
// move locks the organisation it moves (FOR UPDATE) in its own
// transaction, so a move of anything on that path either committed before
// the walk, which then reads the new parent and refuses the write
// (PERMISSION_DENIED, nothing written), or waits until the write commits.
// The walk stops at the ancestor: a move above it moves both together.

#include <functional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/mysql_pool.h"
#include "common/rpc.h"
#include "google/protobuf/message.h"

namespace chibo::registry {

//
// A member the request named resolved at admission to its cell today; a
// transfer committing in between would change that, so before the body
// runs each such member's memberships are read with share locks and must
// still give that cell (first, so that a write which deletes the member
// still finds them).

// Proves the members of call.caller.write_scope still belong to the cells
// admission found, on `db`. OK when there are none.
absl::Status HoldMemberships(DbConnection& db, const CallContext& call);

// Proves call.caller.write_scope's ancestry on `db`, inside the write's
// transaction. OK when it is empty (reads, unscoped callers).
absl::Status HoldWriteScope(DbConnection& db, const CallContext& call);

// The registry's write transactions: HoldMemberships, `body`, then
// HoldWriteScope, in one transaction (TxMode::kWrite).
absl::Status ScopedWrite(
    MysqlPool& pool, const CallContext& call, absl::string_view what,
    const std::function<absl::Status(DbConnection&)>& body);

// The same through IdempotentWrite (common/idempotency.h).
absl::Status ScopedIdempotentWrite(
    MysqlPool& pool, const CallContext& call, absl::string_view what,
    const google::protobuf::Message& request,
    google::protobuf::Message* response,
    const std::function<absl::Status(DbConnection&)>& write);

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_WRITE_SCOPE_H_
