#include "common/sql_rows.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "common/dates.h"

namespace chibo {

std::string DateOut(const std::string& sql_date) {
  return sql_date == "9999-12-31" ? "" : sql_date;
}

absl::CivilDay DateIn(const std::string& sql_date) {
  auto parsed = ParseDate(sql_date, "date");
  return parsed.ok() ? *parsed : kOpenEnd;
}

int64_t LastInsertId(DbConnection& db) {
  std::unique_ptr<sql::ResultSet> row(
      db.Prepare("SELECT LAST_INSERT_ID()").executeQuery());
  row->next();
  return row->getInt64(1);
}

void SetNullableString(sql::PreparedStatement& statement, int index,
                       const std::string& value) {
  if (value.empty()) {
    statement.setNull(index, 0);
  } else {
    statement.setString(index, value);
  }
}

std::string JsonIdArray(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  out += ']';
  return out;
}

}  // namespace chibo
