#include "services/scheduling/scheduling_scope_oracle.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
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

SchedulingScopeOracle::SchedulingScopeOracle(MysqlPool* pool,
                                             RegistryClient* registry)
    : pool_(pool), registry_(registry), directory_(pool, registry) {}

CallContext SchedulingScopeOracle::Background(absl::Time deadline) const {
  CallContext call = registry_->BackgroundCall(absl::ZeroDuration());
  call.deadline = deadline;
  return call;
}

absl::StatusOr<std::vector<int64_t>> SchedulingScopeOracle::OrganizationsOf(
    absl::string_view resource_name, absl::Time deadline) {
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(resource_name, absl::MaxSplits('/', 1));
  if (parts.first == "organizations") {
    // Existence is AncestorsOf's question (cached); an unknown id is then
    // refused like any out-of-scope one.
    ASSIGN_OR_RETURN(int64_t id,
                     ParseResourceId(resource_name, "organizations", "name"));
    return std::vector<int64_t>{id};
  }
  auto own = OwnCollections().find(parts.first);
  if (own == OwnCollections().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a scheduling resource: ", resource_name));
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

absl::StatusOr<std::optional<int64_t>>
SchedulingScopeOracle::OrganizationByCode(absl::string_view, absl::Time) {
  // No scheduling RPC names an organisation by external code.
  return std::optional<int64_t>();
}

absl::StatusOr<std::vector<int64_t>> SchedulingScopeOracle::AncestorsOf(
    int64_t id, absl::Time deadline) {
  ASSIGN_OR_RETURN(OrgInfo info, directory_.Get(Background(deadline), id, ""));
  return info.ancestors;
}

ChangeFollower::Source RegistryTreeChanges(RegistryClient* registry) {
  return [registry](int64_t after,
                    chibo::feed::v1::ListChangesResponse* out) -> absl::Status {
    ASSIGN_OR_RETURN(
        *out, registry->ListChanges(registry->BackgroundCall(absl::Seconds(5)),
                                    after, 500));
    return absl::OkStatus();
  };
}

}  // namespace chibo::scheduling
