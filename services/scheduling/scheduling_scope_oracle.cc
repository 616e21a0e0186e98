#include "services/scheduling/scheduling_scope_oracle.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "common/status_macros.h"

namespace chibo::scheduling {
namespace {

// Each of scheduling's collections and the query for its organisation.
const std::map<std::string, std::string, std::less<>>& OwnCollections() {
  static const auto* collections =
      new std::map<std::string, std::string, std::less<>>{
          {"meetingRules",
           "SELECT organization_id FROM meeting_rules WHERE id = ?"},
          {"meetings", "SELECT cell_id FROM meetings WHERE id = ?"},
          {"postponements", "SELECT cell_id FROM postponements WHERE id = ?"},
          {"tasks", "SELECT cell_id FROM tasks WHERE id = ?"},
          {"topics", "SELECT organization_id FROM topics WHERE id = ?"},
      };
  return *collections;
}

}  // namespace

SchedulingScopeOracle::SchedulingScopeOracle(MysqlPool* pool, TreeView* view)
    : TreeScopeOracle("scheduling", view), pool_(pool) {}

SchedulingScopeOracle::SchedulingScopeOracle(MysqlPool* pool,
                                             RegistryClient* registry)
    : TreeScopeOracle("scheduling", std::make_unique<TreeView>(pool, registry)),
      pool_(pool) {}

absl::StatusOr<absl::CivilDay> SchedulingScopeOracle::DayOf(
    absl::string_view resource_name, absl::Time deadline) {
  ASSIGN_OR_RETURN(int64_t id,
                   ParseResourceId(resource_name, "meetings", "name"));
  std::optional<absl::CivilDay> day;
  RETURN_IF_ERROR(WithConnection(
      *pool_, deadline, "scope", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query =
            db.Prepare("SELECT DATE(start_time) FROM meetings WHERE id = ?");
        query.setInt64(1, id);
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        absl::CivilDay parsed;
        if (row->next() &&
            absl::ParseCivilTime(std::string(row->getString(1)), &parsed)) {
          day = parsed;
        }
        return absl::OkStatus();
      }));
  if (!day) {
    return absl::NotFoundError(absl::StrCat(resource_name, " does not exist"));
  }
  return *day;
}

absl::StatusOr<std::vector<int64_t>> SchedulingScopeOracle::OwnOrganizationsOf(
    absl::string_view collection, absl::string_view resource_name,
    absl::Time deadline) {
  auto own = OwnCollections().find(collection);
  if (own == OwnCollections().end()) {
    return TreeScopeOracle::OwnOrganizationsOf(collection, resource_name,
                                               deadline);
  }
  ASSIGN_OR_RETURN(int64_t id,
                   ParseResourceId(resource_name, own->first, "name"));
  std::vector<int64_t> organizations;
  RETURN_IF_ERROR(WithConnection(
      *pool_, deadline, "scope", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query = db.Prepare(own->second);
        query.setInt64(1, id);
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        if (!row->next()) {
          return absl::NotFoundError(
              absl::StrCat(resource_name, " does not exist"));
        }
        organizations.push_back(row->getInt64(1));
        return absl::OkStatus();
      }));
  return organizations;
}

}  // namespace chibo::scheduling
