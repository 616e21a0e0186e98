#include "services/registry/organization_labels.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>
#include <memory>
#include <utility>

#include "common/dates.h"
#include "common/resource_name.h"
#include "common/sql_rows.h"

namespace chibo::registry {
namespace {

int64_t IdOf(const v1::Organization& org) {
  absl::StatusOr<int64_t> id =
      ParseResourceId(org.name(), "organizations", "name");
  return id.ok() ? *id : 0;
}

}  // namespace

void OpenLabels(DbConnection& db, int64_t id, absl::CivilDay valid_from,
                const std::string& display_name,
                const std::string& external_code) {
  sql::PreparedStatement& open = db.Prepare(
      "INSERT INTO organization_labels"
      " (organization_id, valid_from, display_name, external_code)"
      " VALUES (?, ?, ?, ?)");
  open.setInt64(1, id);
  open.setString(2, FormatDate(valid_from));
  open.setString(3, display_name);
  SetNullableString(open, 4, external_code);
  open.executeUpdate();
}

void ChangeLabels(DbConnection& db, int64_t id, absl::CivilDay today,
                  const std::string& display_name,
                  const std::string& external_code) {
  // The organisation's row lock (held by the caller) serialises changes.
  sql::PreparedStatement& latest = db.Prepare(
      "SELECT valid_from FROM organization_labels WHERE organization_id = ?"
      " ORDER BY valid_from DESC LIMIT 1");
  latest.setInt64(1, id);
  std::unique_ptr<sql::ResultSet> row(latest.executeQuery());
  if (row->next()) {
    const std::string from = row->getString(1);
    row.reset();
    if (DateIn(from) >= today) {
      sql::PreparedStatement& replace = db.Prepare(
          "UPDATE organization_labels SET display_name = ?, external_code = ?"
          " WHERE organization_id = ? AND valid_from = ?");
      replace.setString(1, display_name);
      SetNullableString(replace, 2, external_code);
      replace.setInt64(3, id);
      replace.setString(4, from);
      replace.executeUpdate();
      return;
    }
    sql::PreparedStatement& close = db.Prepare(
        "UPDATE organization_labels SET valid_to = ?"
        " WHERE organization_id = ? AND valid_from = ?");
    close.setString(1, FormatDate(today - 1));
    close.setInt64(2, id);
    close.setString(3, from);
    close.executeUpdate();
  }
  OpenLabels(db, id, today, display_name, external_code);
}

void LabelsOn(DbConnection& db, const std::string& day,
              v1::ListOrganizationsResponse* out) {
  if (out->organizations_size() == 0) return;
  sql::PreparedStatement& query = db.Prepare(
      "SELECT organization_id, display_name, external_code"
      " FROM organization_labels"
      " WHERE organization_id BETWEEN ? AND ? AND valid_from <= ?"
      " AND valid_to >= ?");
  query.setInt64(1, IdOf(out->organizations(0)));
  query.setInt64(2, IdOf(*out->organizations().rbegin()));
  query.setString(3, day);
  query.setString(4, day);
  std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
  std::map<int64_t, std::pair<std::string, std::string>> labels;
  while (rows->next()) {
    labels[rows->getInt64(1)] = {
        rows->getString(2),
        rows->isNull(3) ? std::string() : std::string(rows->getString(3))};
  }
  for (v1::Organization& org : *out->mutable_organizations()) {
    auto label = labels.find(IdOf(org));
    if (label == labels.end()) continue;
    org.set_display_name(label->second.first);
    org.set_external_code(label->second.second);
  }
}

}  // namespace chibo::registry
