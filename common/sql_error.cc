#include "common/sql_error.h"

#include <cppconn/exception.h>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace chibo {
namespace {

// Client-side errors (CR_*) meaning the server is unreachable or the
// connection died, plus server errors that end the session.
bool IsUnavailableCode(int code) {
  switch (code) {
    case 2002:  // CR_CONNECTION_ERROR
    case 2003:  // CR_CONN_HOST_ERROR
    case 2005:  // CR_UNKNOWN_HOST
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 1040:  // ER_CON_COUNT_ERROR
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
      return true;
    default:
      return false;
  }
}

}  // namespace

bool IsConnectionBroken(const sql::SQLException& error) {
  const int code = error.getErrorCode();
  // Connector/C++ raises code 0 for driver-level failures (e.g. a closed
  // connection); treat those as broken too.
  return code == 0 || IsUnavailableCode(code);
}

absl::Status SqlErrorToStatus(const sql::SQLException& error,
                              absl::string_view what) {
  const int code = error.getErrorCode();
  Log(LogLevel::kWarning, "database error",
      {{"during", what},
       {"mysql_errno", static_cast<int64_t>(code)},
       {"sqlstate", error.getSQLState()},
       {"detail", error.what()}});
  if (IsConnectionBroken(error)) {
    return absl::UnavailableError(
        absl::StrCat("database unavailable while ", what, "; retry later"));
  }
  switch (code) {
    case 1044:  // ER_DBACCESS_DENIED_ERROR: no access to the schema
    case 1045:  // ER_ACCESS_DENIED_ERROR: wrong user or password
      // The service's own credentials are wrong: nothing the caller can
      // mend, and it serves again once the secret is fixed.
      return absl::UnavailableError(
          absl::StrCat("database unavailable (credentials refused) while ",
                       what, "; retry later"));
    case kErrDuplicateKey:
      return absl::AlreadyExistsError(
          absl::StrCat("a conflicting record exists while ", what));
    case kErrDeadlock:
    case kErrLockWaitTimeout:
      return absl::AbortedError(
          absl::StrCat("concurrent update while ", what, "; retry"));
    case kErrRowIsReferenced:
      return absl::FailedPreconditionError(
          absl::StrCat("record is still referenced while ", what));
    case kErrNoReferencedRow:
      return absl::FailedPreconditionError(
          absl::StrCat("a referenced record does not exist while ", what));
    case 1969:  // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
    case 3024:  // ER_QUERY_TIMEOUT (MySQL max_execution_time)
      return absl::DeadlineExceededError(
          absl::StrCat("database took too long while ", what));
    default:
      return absl::InternalError(absl::StrCat("database error while ", what));
  }
}

}  // namespace chibo
