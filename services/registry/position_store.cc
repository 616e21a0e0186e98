// Committee positions with terms, and the cadres of a committee.

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/etag.h"
#include "common/idempotency.h"
#include "common/outbox.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "services/registry/store.h"
#include "services/registry/store_internal.h"
#include "services/registry/tree_rules.h"
#include "services/registry/write_scope.h"

namespace chibo::registry {
namespace {

void ReadPosition(sql::ResultSet& row, v1::Position* out) {
  out->set_name(ResourceName("positions", row.getInt64("id")));
  out->set_organization(
      ResourceName("organizations", row.getInt64("organization_id")));
  out->set_member(ResourceName("members", row.getInt64("member_id")));
  out->set_role(static_cast<v1::PositionRole>(row.getInt("role")));
  out->set_term_start(row.getString("term_start"));
  out->set_term_end(DateOut(row.getString("term_end")));
  out->set_etag(MakeEtag(row.getInt64("version")));
}

absl::Status LoadPosition(DbConnection& db, int64_t id, bool lock,
                          v1::Position* out, int64_t* version) {
  sql::PreparedStatement& query =
      lock ? db.Prepare(
                 "SELECT id, organization_id, member_id, role,"
                 " term_start, term_end, version FROM positions"
                 " WHERE id = ? FOR UPDATE")
           : db.Prepare(
                 "SELECT id, organization_id, member_id, role,"
                 " term_start, term_end, version FROM positions"
                 " WHERE id = ?");
  query.setInt64(1, id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) {
    return absl::NotFoundError(
        absl::StrCat(ResourceName("positions", id), " does not exist"));
  }
  ReadPosition(*row, out);
  *version = row->getInt64("version");
  return absl::OkStatus();
}

absl::Status CheckMemberExists(DbConnection& db, int64_t member_id,
                               absl::string_view field) {
  sql::PreparedStatement& query =
      db.Prepare("SELECT 1 FROM members WHERE id = ?");
  query.setInt64(1, member_id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (row->next()) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(
      field, ": ", ResourceName("members", member_id), " does not exist"));
}

// A committee has one secretary at a time: the terms must not overlap.
absl::Status CheckSingleSecretary(DbConnection& db, const v1::Position& p,
                                  int64_t organization_id, int64_t self_id,
                                  const std::string& start,
                                  const std::string& end) {
  if (p.role() != v1::POSITION_ROLE_SECRETARY) return absl::OkStatus();
  sql::PreparedStatement& query = db.Prepare(
      "SELECT id FROM positions WHERE organization_id = ? AND role = ?"
      " AND id <> ? AND term_start <= ? AND term_end >= ? LIMIT 1");
  query.setInt64(1, organization_id);
  query.setInt(2, v1::POSITION_ROLE_SECRETARY);
  query.setInt64(3, self_id);
  query.setString(4, end);
  query.setString(5, start);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "position.term_start: the term overlaps the secretary term of ",
      ResourceName("positions", row->getInt64(1)), "; end that term first"));
}

}  // namespace

absl::Status RegistryStore::CreatePosition(
    const CallContext& call, const v1::CreatePositionRequest& request,
    v1::Position* out) {
  return ScopedIdempotentWrite(
      *pool_, call, "creating a position", request, out,
      [&](DbConnection& db) -> absl::Status {
        const v1::Position& p = request.position();
        ASSIGN_OR_RETURN(const int64_t org_id,
                         ParseResourceId(p.organization(), "organizations",
                                         "position.organization"));
        ASSIGN_OR_RETURN(
            const int64_t member_id,
            ParseResourceId(p.member(), "members", "position.member"));
        std::optional<OrgInfo> org = LockOrganization(db, org_id);
        if (!org) return OrganizationNotFound(org_id, "position.organization");
        if (org->level == v1::ORGANIZATION_LEVEL_PARTY_GROUP) {
          return absl::FailedPreconditionError(
              "position.organization: a party group (tổ đảng) has no "
              "committee");
        }
        RETURN_IF_ERROR(CheckMemberExists(db, member_id, "position.member"));
        const std::string start = p.term_start();
        const std::string end =
            p.term_end().empty() ? "9999-12-31" : p.term_end();
        RETURN_IF_ERROR(CheckSingleSecretary(db, p, org_id, 0, start, end));
        sql::PreparedStatement& insert = db.Prepare(
            "INSERT INTO positions (organization_id, member_id, role,"
            " term_start, term_end, version) VALUES (?, ?, ?, ?, ?, 1)");
        insert.setInt64(1, org_id);
        insert.setInt64(2, member_id);
        insert.setInt(3, p.role());
        insert.setString(4, start);
        insert.setString(5, end);
        insert.executeUpdate();
        int64_t version = 0;
        RETURN_IF_ERROR(
            LoadPosition(db, LastInsertId(db), false, out, &version));
        AppendChange(db, call, {out->name(), "created", org_id, out});
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::ListPositions(const CallContext& call,
                                          int64_t organization_id,
                                          std::optional<absl::CivilDay> as_of,
                                          int64_t after_id, int limit,
                                          v1::ListPositionsResponse* out,
                                          bool* more) {
  return WithConnection(
      *pool_, call.deadline, "listing positions", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        v1::Organization org;
        RETURN_IF_ERROR(LoadOrganization(db, organization_id, &org));
        sql::PreparedStatement& query = db.Prepare(
            "SELECT id, organization_id, member_id, role, term_start,"
            " term_end, version FROM positions"
            " WHERE organization_id = ? AND id > ?"
            " AND (? = '' OR (term_start <= ? AND term_end >= ?))"
            " ORDER BY id LIMIT ?");
        const std::string day = as_of ? FormatDate(*as_of) : "";
        query.setInt64(1, organization_id);
        query.setInt64(2, after_id);
        query.setString(3, day);
        query.setString(4, day);
        query.setString(5, day);
        query.setInt(6, limit + 1);
        std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
        *more = false;
        while (rows->next()) {
          if (out->positions_size() == limit) {
            *more = true;
            break;
          }
          ReadPosition(*rows, out->add_positions());
        }
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::UpdatePosition(
    const CallContext& call, const v1::UpdatePositionRequest& request,
    int64_t id, v1::Position* out) {
  return ScopedWrite(
      *pool_, call, "updating a position",
      [&](DbConnection& db) -> absl::Status {
        v1::Position current;
        int64_t version = 0;
        RETURN_IF_ERROR(LoadPosition(db, id, true, &current, &version));
        RETURN_IF_ERROR(
            CheckEtag(request.position().etag(), version, current.name()));
        for (const std::string& path : request.update_mask().paths()) {
          if (path == "term_start") {
            current.set_term_start(request.position().term_start());
          } else if (path == "term_end") {
            current.set_term_end(request.position().term_end());
          }
        }
        if (current.term_start().empty()) {
          return absl::InvalidArgumentError("position.term_start: is required");
        }
        const std::string end =
            current.term_end().empty() ? "9999-12-31" : current.term_end();
        if (end < current.term_start()) {
          return absl::InvalidArgumentError(
              "position.term_end: must not be before term_start");
        }
        ASSIGN_OR_RETURN(const int64_t org_id,
                         ParseResourceId(current.organization(),
                                         "organizations", "organization"));
        RETURN_IF_ERROR(CheckSingleSecretary(db, current, org_id, id,
                                             current.term_start(), end));
        sql::PreparedStatement& update = db.Prepare(
            "UPDATE positions SET term_start = ?, term_end = ?,"
            " version = version + 1 WHERE id = ?");
        update.setString(1, current.term_start());
        update.setString(2, end);
        update.setInt64(3, id);
        update.executeUpdate();
        RETURN_IF_ERROR(LoadPosition(db, id, false, out, &version));
        AppendChange(db, call, {out->name(), "updated", org_id, out});
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::DeletePosition(const CallContext& call, int64_t id,
                                           const std::string& etag) {
  return ScopedWrite(
      *pool_, call, "deleting a position",
      [&](DbConnection& db) -> absl::Status {
        v1::Position current;
        int64_t version = 0;
        RETURN_IF_ERROR(LoadPosition(db, id, true, &current, &version));
        RETURN_IF_ERROR(CheckEtag(etag, version, current.name()));
        sql::PreparedStatement& del =
            db.Prepare("DELETE FROM positions WHERE id = ?");
        del.setInt64(1, id);
        del.executeUpdate();
        auto org_id = ParseResourceId(current.organization(), "organizations",
                                      "organization");
        AppendChange(
            db, call,
            {current.name(), "deleted", org_id.ok() ? *org_id : 0, nullptr});
        return absl::OkStatus();
      });
}

namespace {

void ReadCadre(sql::ResultSet& row, v1::Cadre* out) {
  out->set_name(ResourceName("cadres", row.getInt64("id")));
  out->set_committee(
      ResourceName("organizations", row.getInt64("committee_id")));
  out->set_member(ResourceName("members", row.getInt64("member_id")));
  out->set_title(row.getString("title"));
  out->set_valid_from(row.getString("valid_from"));
  out->set_valid_to(DateOut(row.getString("valid_to")));
  out->set_display_name(row.getString("display_name"));
  out->set_etag(MakeEtag(row.getInt64("version")));
}

constexpr char kCadreSelect[] =
    "SELECT c.id, c.committee_id, c.member_id, c.title, c.valid_from,"
    " c.valid_to, c.version, m.display_name FROM cadres c"
    " JOIN members m ON m.id = c.member_id WHERE c.id = ?";

}  // namespace

absl::Status RegistryStore::CreateCadre(const CallContext& call,
                                        const v1::CreateCadreRequest& request,
                                        v1::Cadre* out) {
  return ScopedIdempotentWrite(
      *pool_, call, "creating a cadre", request, out,
      [&](DbConnection& db) -> absl::Status {
        const v1::Cadre& c = request.cadre();
        ASSIGN_OR_RETURN(
            const int64_t committee_id,
            ParseResourceId(c.committee(), "organizations", "cadre.committee"));
        ASSIGN_OR_RETURN(
            const int64_t member_id,
            ParseResourceId(c.member(), "members", "cadre.member"));
        std::optional<OrgInfo> committee = LockOrganization(db, committee_id);
        if (!committee) {
          return OrganizationNotFound(committee_id, "cadre.committee");
        }
        if (!HasCommittee(committee->level)) {
          return absl::FailedPreconditionError(
              absl::StrCat("cadre.committee: ", c.committee(), " is a ",
                           LevelLabel(committee->level),
                           "; cadres belong to a committee (cấp ủy)"));
        }
        RETURN_IF_ERROR(CheckMemberExists(db, member_id, "cadre.member"));
        sql::PreparedStatement& insert = db.Prepare(
            "INSERT INTO cadres (committee_id, member_id, title, valid_from,"
            " valid_to, version) VALUES (?, ?, ?, ?, ?, 1)");
        insert.setInt64(1, committee_id);
        insert.setInt64(2, member_id);
        insert.setString(3, c.title());
        insert.setString(4, c.valid_from());
        insert.setString(5, c.valid_to().empty() ? "9999-12-31" : c.valid_to());
        insert.executeUpdate();
        sql::PreparedStatement& query = db.Prepare(kCadreSelect);
        query.setInt64(1, LastInsertId(db));
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        row->next();
        ReadCadre(*row, out);
        AppendChange(db, call, {out->name(), "created", committee_id, out});
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::ListCadres(const CallContext& call,
                                       int64_t committee_id,
                                       std::optional<absl::CivilDay> as_of,
                                       int64_t after_id, int limit,
                                       v1::ListCadresResponse* out,
                                       bool* more) {
  return WithConnection(
      *pool_, call.deadline, "listing cadres", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        v1::Organization committee;
        RETURN_IF_ERROR(LoadOrganization(db, committee_id, &committee));
        sql::PreparedStatement& query = db.Prepare(
            "SELECT c.id, c.committee_id, c.member_id, c.title, c.valid_from,"
            " c.valid_to, c.version, m.display_name FROM cadres c"
            " JOIN members m ON m.id = c.member_id"
            " WHERE c.committee_id = ? AND c.id > ?"
            " AND (? = '' OR (c.valid_from <= ? AND c.valid_to >= ?))"
            " ORDER BY c.id LIMIT ?");
        const std::string day = as_of ? FormatDate(*as_of) : "";
        query.setInt64(1, committee_id);
        query.setInt64(2, after_id);
        query.setString(3, day);
        query.setString(4, day);
        query.setString(5, day);
        query.setInt(6, limit + 1);
        std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
        *more = false;
        while (rows->next()) {
          if (out->cadres_size() == limit) {
            *more = true;
            break;
          }
          ReadCadre(*rows, out->add_cadres());
        }
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::DeleteCadre(const CallContext& call, int64_t id,
                                        const std::string& etag) {
  return ScopedWrite(
      *pool_, call, "deleting a cadre", [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query = db.Prepare(
            "SELECT committee_id, version FROM cadres WHERE id = ? FOR UPDATE");
        query.setInt64(1, id);
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        const std::string name = ResourceName("cadres", id);
        if (!row->next()) {
          return absl::NotFoundError(absl::StrCat(name, " does not exist"));
        }
        const int64_t committee_id = row->getInt64(1);
        RETURN_IF_ERROR(CheckEtag(etag, row->getInt64(2), name));
        row.reset();
        sql::PreparedStatement& del =
            db.Prepare("DELETE FROM cadres WHERE id = ?");
        del.setInt64(1, id);
        del.executeUpdate();
        AppendChange(db, call, {name, "deleted", committee_id, nullptr});
        return absl::OkStatus();
      });
}

}  // namespace chibo::registry
