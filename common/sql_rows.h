#ifndef CHIBO_COMMON_SQL_ROWS_H_
#define CHIBO_COMMON_SQL_ROWS_H_

// Row helpers every store uses. They run on a connection inside
// WithConnection and may throw sql::SQLException like any store call.

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "common/mysql_pool.h"

namespace sql {
class PreparedStatement;
}  // namespace sql

namespace chibo {

// "9999-12-31" -> "" (open-ended), other dates unchanged.
std::string DateOut(const std::string& sql_date);
// A DATE column's text -> day; unparseable text (never stored) -> kOpenEnd.
absl::CivilDay DateIn(const std::string& sql_date);

int64_t LastInsertId(DbConnection& db);

// Binds `value`, or NULL when it is empty (optional unique columns).
void SetNullableString(sql::PreparedStatement& statement, int index,
                       const std::string& value);

}  // namespace chibo

#endif  // CHIBO_COMMON_SQL_ROWS_H_
