#include "services/registry/registry_scope_oracle.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "common/feed_consumer.h"
#include "common/outbox.h"
#include "common/resource_name.h"
#include "common/status_macros.h"

namespace chibo::registry {
namespace {

// The single-column query that maps an id of `collection` (bound first)
// to the organisation it belongs to. A member belongs to the cell of its
// membership in force today (bound second and third), not to a transfer's
// cell before the transfer's date; one whose only memberships start later
// to the first of them.
const char* OwnerQuery(absl::string_view collection) {
  if (collection == "members") {
    return "SELECT organization_id FROM memberships WHERE member_id = ?"
           " ORDER BY valid_from <= ? DESC,"
           " CASE WHEN valid_from <= ? THEN valid_from END DESC,"
           " valid_from LIMIT 1";
  }
  if (collection == "positions") {
    return "SELECT organization_id FROM positions WHERE id = ?";
  }
  if (collection == "cadres") {
    return "SELECT committee_id FROM cadres WHERE id = ?";
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> RegistryScopeOracle::OrganizationsOf(
    absl::string_view resource_name, absl::Time deadline) {
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(resource_name, absl::MaxSplits('/', 1));
  ASSIGN_OR_RETURN(int64_t id,
                   ParseResourceId(resource_name, parts.first, "resource"));
  if (parts.first == "organizations") return std::vector<int64_t>{id};
  const char* query_text = OwnerQuery(parts.first);
  if (query_text == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("resource: unknown collection ", parts.first));
  }
  std::vector<int64_t> organizations;
  RETURN_IF_ERROR(WithConnection(
      *pool_, deadline, "resolving a scope", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query = db.Prepare(query_text);
        query.setInt64(1, id);
        if (parts.first == "members") {
          const std::string today = FormatDate(TodayInVietnam());
          query.setString(2, today);
          query.setString(3, today);
        }
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        if (row->next()) organizations.push_back(row->getInt64(1));
        return absl::OkStatus();
      }));
  if (organizations.empty()) {
    return absl::NotFoundError(absl::StrCat(resource_name, " does not exist"));
  }
  return organizations;
}

absl::StatusOr<std::optional<int64_t>> RegistryScopeOracle::OrganizationByCode(
    absl::string_view code, absl::Time deadline) {
  std::optional<int64_t> id;
  RETURN_IF_ERROR(WithConnection(
      *pool_, deadline, "resolving a scope", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query =
            db.Prepare("SELECT id FROM organizations WHERE external_code = ?");
        query.setString(1, std::string(code));
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        if (row->next()) id = row->getInt64(1);
        return absl::OkStatus();
      }));
  return id;
}

absl::StatusOr<std::vector<int64_t>> RegistryScopeOracle::AncestorsOf(
    int64_t id, absl::Time deadline) {
  std::vector<int64_t> ancestors;
  RETURN_IF_ERROR(WithConnection(
      *pool_, deadline, "resolving a scope", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query = db.Prepare(
            "WITH RECURSIVE up (id, parent_id, depth) AS ("
            " SELECT id, parent_id, 0 FROM organizations WHERE id = ?"
            " UNION ALL"
            " SELECT o.id, o.parent_id, up.depth + 1 FROM organizations o"
            " JOIN up ON o.id = up.parent_id WHERE up.depth < 64)"
            " SELECT id FROM up ORDER BY depth");
        query.setInt64(1, id);
        std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
        while (rows->next()) ancestors.push_back(rows->getInt64(1));
        return absl::OkStatus();
      }));
  if (ancestors.empty()) {
    return absl::NotFoundError(
        absl::StrCat(ResourceName("organizations", id), " does not exist"));
  }
  return ancestors;
}

ChangeFollower::Source LocalTreeChanges(MysqlPool& pool) {
  MysqlPool* p = &pool;
  return [p](int64_t after, chibo::feed::v1::ListChangesResponse* out) {
    return ReadOutbox(*p, absl::Now() + absl::Seconds(5), after, "",
                      kFeedPageSize, out);
  };
}

}  // namespace chibo::registry
