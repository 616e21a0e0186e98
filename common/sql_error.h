#ifndef CHIBO_COMMON_SQL_ERROR_H_
#define CHIBO_COMMON_SQL_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sql {
class SQLException;
}

namespace chibo {

// The one place where a Connector/C++ exception becomes an absl::Status.
// The message never carries SQL text or server detail: it says what failed
// (`what`, e.g. "creating organization") and the class of failure. The
// server's own message is logged instead.
absl::Status SqlErrorToStatus(const sql::SQLException& error,
                              absl::string_view what);

// True when the connection that raised `error` cannot be used again
// (server gone, lost connection, aborted): the pool must discard it.
bool IsConnectionBroken(const sql::SQLException& error);

// MySQL error numbers we act on.
inline constexpr int kErrDuplicateKey = 1062;
inline constexpr int kErrLockWaitTimeout = 1205;
inline constexpr int kErrDeadlock = 1213;
inline constexpr int kErrRowIsReferenced = 1451;
inline constexpr int kErrNoReferencedRow = 1452;

}  // namespace chibo

#endif  // CHIBO_COMMON_SQL_ERROR_H_
