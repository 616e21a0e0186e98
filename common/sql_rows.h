#ifndef CHIBO_COMMON_SQL_ROWS_H_
#define CHIBO_COMMON_SQL_ROWS_H_

// Row helpers every store uses. They run on a connection inside
// WithConnection and may throw sql::SQLException like any store call.

#include <cstdint>
#include <string>
#include <vector>

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

// `ids` as a JSON array ("[3,7,9]"), bound as the one parameter of
//   JSON_TABLE(?, '$[*]' COLUMNS (wanted BIGINT PATH '$')) AS w
// so that one fixed statement reads the rows of any number of ids (MariaDB
// 10.6+ and MySQL 8 both have JSON_TABLE): set-based reads without an
// IN-list assembled at run time.
std::string JsonIdArray(const std::vector<int64_t>& ids);

}  // namespace chibo

#endif  // CHIBO_COMMON_SQL_ROWS_H_
