// common/sql_error.cc: every MySQL/MariaDB error we act on becomes its
// canonical code, and no message ever carries the server's text or SQL.

#include "common/sql_error.h"

#include <cppconn/exception.h>

#include <string>

#include "absl/strings/match.h"
#include "common/log.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

// What the server would say: SQL text, a table, a user and a password.
constexpr char kServerText[] =
    "You have an error in your SQL syntax near 'SELECT citizen_id FROM "
    "members WHERE password = \"hunter2\"' for user 'chibo_registry'";

sql::SQLException Error(int code, const std::string& state = "HY000") {
  return sql::SQLException(kServerText, state, code);
}

void ExpectClean(const absl::Status& status) {
  for (const char* leak : {"SELECT", "syntax", "members", "hunter2", "password",
                           "chibo_registry", "HY000", "23000"}) {
    EXPECT_FALSE(absl::StrContains(status.message(), leak))
        << status.message() << " leaks " << leak;
  }
}

class SqlErrorTest : public ::testing::Test {
 protected:
  void SetUp() override { SetMinLogLevel(LogLevel::kError); }
};

struct Case {
  int mysql_errno;
  absl::StatusCode code;
};

TEST_F(SqlErrorTest, EachErrorNumberMapsToItsCanonicalCode) {
  const Case cases[] = {
      // Unreachable or dead: clients retry.
      {0, absl::StatusCode::kUnavailable},
      {1040, absl::StatusCode::kUnavailable},  // too many connections
      {1053, absl::StatusCode::kUnavailable},  // server shutdown
      {1927, absl::StatusCode::kUnavailable},  // connection killed
      {2002, absl::StatusCode::kUnavailable},  // cannot connect (socket)
      {2003, absl::StatusCode::kUnavailable},  // cannot connect (TCP)
      {2005, absl::StatusCode::kUnavailable},  // unknown host
      {2006, absl::StatusCode::kUnavailable},  // server gone away
      {2013, absl::StatusCode::kUnavailable},  // lost connection
      {2055, absl::StatusCode::kUnavailable},  // lost connection (extended)
      {4031, absl::StatusCode::kUnavailable},  // interaction timeout
      // The service cannot log in: misconfigured, not the caller's fault.
      {1044, absl::StatusCode::kUnavailable},  // access denied to schema
      {1045, absl::StatusCode::kUnavailable},  // bad user or password
      // Constraint and concurrency outcomes.
      {kErrDuplicateKey, absl::StatusCode::kAlreadyExists},
      {kErrDeadlock, absl::StatusCode::kAborted},
      {kErrLockWaitTimeout, absl::StatusCode::kAborted},
      {kErrRowIsReferenced, absl::StatusCode::kFailedPrecondition},
      {kErrNoReferencedRow, absl::StatusCode::kFailedPrecondition},
      {1969, absl::StatusCode::kDeadlineExceeded},  // max_statement_time
      {3024, absl::StatusCode::kDeadlineExceeded},  // max_execution_time
      // Our own bugs: a missing table, bad SQL.
      {1146, absl::StatusCode::kInternal},
      {1064, absl::StatusCode::kInternal},
      {1054, absl::StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    const absl::Status status =
        SqlErrorToStatus(Error(c.mysql_errno), "reading a member");
    EXPECT_EQ(status.code(), c.code)
        << "errno " << c.mysql_errno << ": " << status;
    EXPECT_TRUE(absl::StrContains(status.message(), "reading a member"))
        << status.message();
    ExpectClean(status);
  }
}

TEST_F(SqlErrorTest, MessagesSayWhatFailedAndWhatToDo) {
  EXPECT_EQ(SqlErrorToStatus(Error(2006), "creating a cadre").message(),
            "database unavailable while creating a cadre; retry later");
  EXPECT_EQ(SqlErrorToStatus(Error(kErrDeadlock), "creating a cadre").message(),
            "concurrent update while creating a cadre; retry");
  EXPECT_EQ(
      SqlErrorToStatus(Error(kErrDuplicateKey, "23000"), "creating a cadre")
          .message(),
      "a conflicting record exists while creating a cadre");
}

TEST_F(SqlErrorTest, OnlyConnectionLevelErrorsBreakTheConnection) {
  for (int code : {0, 1040, 1053, 1927, 2002, 2003, 2006, 2013, 2055, 4031}) {
    EXPECT_TRUE(IsConnectionBroken(Error(code))) << code;
  }
  for (int code :
       {kErrDuplicateKey, kErrDeadlock, kErrLockWaitTimeout,
        kErrRowIsReferenced, kErrNoReferencedRow, 1064, 1146, 1969, 3024}) {
    EXPECT_FALSE(IsConnectionBroken(Error(code))) << code;
  }
}

}  // namespace
}  // namespace chibo
