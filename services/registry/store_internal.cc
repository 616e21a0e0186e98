#include "services/registry/store_internal.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/etag.h"
#include "common/resource_name.h"
#include "common/sql_time.h"
#include "services/registry/tree_rules.h"

namespace chibo::registry {

std::optional<OrgInfo> LockOrganization(DbConnection& db, int64_t id) {
  sql::PreparedStatement& query = db.Prepare(
      "SELECT id, level, parent_id, province_id, valid_from, valid_to, "
      "version FROM organizations WHERE id = ? FOR UPDATE");
  query.setInt64(1, id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) return std::nullopt;
  OrgInfo info;
  info.id = row->getInt64("id");
  info.level = static_cast<v1::OrganizationLevel>(row->getInt("level"));
  info.parent_id = row->isNull("parent_id") ? 0 : row->getInt64("parent_id");
  info.province_id =
      row->isNull("province_id") ? 0 : row->getInt64("province_id");
  info.valid_from = DateIn(row->getString("valid_from"));
  info.valid_to = DateIn(row->getString("valid_to"));
  info.version = row->getInt64("version");
  return info;
}

absl::Status OrganizationNotFound(int64_t id, absl::string_view field) {
  return absl::NotFoundError(absl::StrCat(field, field.empty() ? "" : ": ",
                                          ResourceName("organizations", id),
                                          " does not exist"));
}

void ReadOrganization(sql::ResultSet& row, v1::Organization* out) {
  out->set_name(ResourceName("organizations", row.getInt64("id")));
  if (!row.isNull("external_code")) {
    out->set_external_code(row.getString("external_code"));
  }
  out->set_display_name(row.getString("display_name"));
  const auto level = static_cast<v1::OrganizationLevel>(row.getInt("level"));
  out->set_level(level);
  out->set_category(static_cast<v1::CellCategory>(row.getInt("category")));
  if (!row.isNull("parent_id")) {
    out->set_parent(ResourceName("organizations", row.getInt64("parent_id")));
  }
  if (!row.isNull("province_id")) {
    out->set_province(
        ResourceName("organizations", row.getInt64("province_id")));
  }
  out->set_valid_from(row.getString("valid_from"));
  out->set_valid_to(DateOut(row.getString("valid_to")));
  out->set_is_cell(IsCell(level));
  out->set_etag(MakeEtag(row.getInt64("version")));
  *out->mutable_create_time() = SqlToTimestamp(row.getString("create_time"));
  *out->mutable_update_time() = SqlToTimestamp(row.getString("update_time"));
}

absl::Status LoadOrganization(DbConnection& db, int64_t id,
                              v1::Organization* out) {
  sql::PreparedStatement& query = db.Prepare(
      "SELECT " CHIBO_ORG_COLUMNS " FROM organizations o WHERE o.id = ?");
  query.setInt64(1, id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) return OrganizationNotFound(id);
  ReadOrganization(*row, out);
  return absl::OkStatus();
}

namespace {

// A member with the cell and status it has on a day (bound four times).
#define CHIBO_MEMBER_COLUMNS                                                 \
  "m.id, m.display_name, m.birth_date, m.gender, m.party_card_number, "      \
  "m.citizen_id, m.external_code, m.version, m.create_time, m.update_time, " \
  "(SELECT ms.organization_id FROM memberships ms WHERE ms.member_id = "     \
  "m.id AND ms.valid_from <= ? AND ms.valid_to >= ?) AS cell_id, "           \
  "(SELECT s.status FROM member_statuses s WHERE s.member_id = m.id AND "    \
  "s.valid_from <= ? AND s.valid_to >= ?) AS status "

void ReadMember(sql::ResultSet& row, v1::Member* out) {
  out->set_name(ResourceName("members", row.getInt64("id")));
  out->set_display_name(row.getString("display_name"));
  if (!row.isNull("birth_date")) {
    out->set_birth_date(row.getString("birth_date"));
  }
  out->set_gender(static_cast<v1::Gender>(row.getInt("gender")));
  if (!row.isNull("party_card_number")) {
    out->set_party_card_number(row.getString("party_card_number"));
  }
  if (!row.isNull("citizen_id")) {
    out->set_citizen_id(row.getString("citizen_id"));
  }
  if (!row.isNull("external_code")) {
    out->set_external_code(row.getString("external_code"));
  }
  if (!row.isNull("cell_id")) {
    out->set_cell(ResourceName("organizations", row.getInt64("cell_id")));
  }
  if (!row.isNull("status")) {
    out->set_status(static_cast<v1::MemberStatus>(row.getInt("status")));
  }
  out->set_etag(MakeEtag(row.getInt64("version")));
  *out->mutable_create_time() = SqlToTimestamp(row.getString("create_time"));
  *out->mutable_update_time() = SqlToTimestamp(row.getString("update_time"));
}

}  // namespace

absl::Status LoadMember(DbConnection& db, int64_t id, absl::CivilDay today,
                        v1::Member* out) {
  sql::PreparedStatement& query = db.Prepare("SELECT " CHIBO_MEMBER_COLUMNS
                                             "FROM members m WHERE m.id = ?");
  const std::string day = FormatDate(today);
  for (int i = 1; i <= 4; ++i) query.setString(i, day);
  query.setInt64(5, id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) {
    return absl::NotFoundError(
        absl::StrCat(ResourceName("members", id), " does not exist"));
  }
  ReadMember(*row, out);
  return absl::OkStatus();
}

void LoadMembers(DbConnection& db, const std::vector<int64_t>& ids,
                 absl::CivilDay today,
                 google::protobuf::RepeatedPtrField<v1::Member>* out) {
  if (ids.empty()) return;
  sql::PreparedStatement& query =
      db.Prepare("SELECT " CHIBO_MEMBER_COLUMNS
                 "FROM JSON_TABLE(?, '$[*]' COLUMNS (n FOR ORDINALITY, "
                 "wanted BIGINT PATH '$')) AS w "
                 "JOIN members m ON m.id = w.wanted ORDER BY w.n");
  const std::string day = FormatDate(today);
  for (int i = 1; i <= 4; ++i) query.setString(i, day);  // the columns' days
  query.setString(5, JsonIdArray(ids));
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  while (row->next()) ReadMember(*row, out->Add());
}

#undef CHIBO_MEMBER_COLUMNS

}  // namespace chibo::registry
