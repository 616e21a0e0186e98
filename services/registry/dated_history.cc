#include "services/registry/dated_history.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "common/dates.h"
#include "common/periods.h"
#include "common/status_macros.h"
#include "services/registry/store_internal.h"

namespace chibo::registry {

const HistoryTable kPlacements = {
    "SELECT valid_from, parent_id FROM organization_parents"
    " WHERE organization_id = ? ORDER BY valid_from DESC LIMIT 1 FOR UPDATE",
    "UPDATE organization_parents SET parent_id = ?"
    " WHERE organization_id = ? AND valid_from = ?",
    "UPDATE organization_parents SET valid_to = ?"
    " WHERE organization_id = ? AND valid_from = ?",
    "INSERT INTO organization_parents (organization_id, valid_from,"
    " parent_id) VALUES (?, ?, ?)",
    false};

const HistoryTable kStatuses = {
    "SELECT valid_from, status FROM member_statuses WHERE member_id = ?"
    " ORDER BY valid_from DESC LIMIT 1 FOR UPDATE",
    "UPDATE member_statuses SET status = ?, reason = ?"
    " WHERE member_id = ? AND valid_from = ?",
    "UPDATE member_statuses SET valid_to = ?"
    " WHERE member_id = ? AND valid_from = ?",
    "INSERT INTO member_statuses (member_id, valid_from, status, reason)"
    " VALUES (?, ?, ?, ?)",
    true};

const HistoryTable kMemberships = {
    "SELECT valid_from, organization_id FROM memberships WHERE member_id = ?"
    " ORDER BY valid_from DESC LIMIT 1 FOR UPDATE",
    "UPDATE memberships SET organization_id = ?"
    " WHERE member_id = ? AND valid_from = ?",
    "UPDATE memberships SET valid_to = ?"
    " WHERE member_id = ? AND valid_from = ?",
    "INSERT INTO memberships (member_id, valid_from, organization_id)"
    " VALUES (?, ?, ?)",
    false};

std::optional<LatestPeriod> LockLatestPeriod(DbConnection& db,
                                             const HistoryTable& table,
                                             int64_t owner) {
  sql::PreparedStatement& query = db.Prepare(table.latest);
  query.setInt64(1, owner);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) return std::nullopt;
  return LatestPeriod{row->getString(1), row->getInt64(2)};
}

absl::Status AppendPeriod(DbConnection& db, const HistoryTable& table,
                          int64_t owner, const LatestPeriod& latest,
                          absl::CivilDay effective, int64_t value,
                          const std::string& note, absl::string_view field) {
  ASSIGN_OR_RETURN(
      PeriodChange change,
      PlanPeriodChange(DateIn(latest.valid_from), effective, field));
  if (change == PeriodChange::kReplaceLatest) {
    sql::PreparedStatement& replace = db.Prepare(table.replace);
    int i = 1;
    replace.setInt64(i++, value);
    if (table.has_note) replace.setString(i++, note);
    replace.setInt64(i++, owner);
    replace.setString(i, latest.valid_from);
    replace.executeUpdate();
    return absl::OkStatus();
  }
  sql::PreparedStatement& close = db.Prepare(table.close);
  close.setString(1, FormatDate(effective - 1));
  close.setInt64(2, owner);
  close.setString(3, latest.valid_from);
  close.executeUpdate();
  sql::PreparedStatement& open = db.Prepare(table.open);
  open.setInt64(1, owner);
  open.setString(2, FormatDate(effective));
  open.setInt64(3, value);
  if (table.has_note) open.setString(4, note);
  open.executeUpdate();
  return absl::OkStatus();
}

}  // namespace chibo::registry
