// Members: identity, dated statuses and cell memberships.

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <limits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/etag.h"
#include "common/idempotency.h"
#include "common/outbox.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "common/text_fold.h"
#include "services/registry/dated_history.h"
#include "services/registry/member_rules.h"
#include "services/registry/store.h"
#include "services/registry/store_internal.h"
#include "services/registry/tree_rules.h"
#include "services/registry/write_scope.h"

namespace chibo::registry {
namespace {

// The cell `cell_id`, checked to be a cell that exists on `day`.
absl::Status CheckCell(DbConnection& db, int64_t cell_id, absl::CivilDay day,
                       absl::string_view field) {
  std::optional<OrgInfo> cell = LockOrganization(db, cell_id);
  if (!cell) return OrganizationNotFound(cell_id, field);
  const std::string name = ResourceName("organizations", cell_id);
  if (!IsCell(cell->level)) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": ", name, " is a ", LevelLabel(cell->level),
                     ", not a cell; members belong to cells"));
  }
  if (day < cell->valid_from || day > cell->valid_to) {
    return absl::FailedPreconditionError(absl::StrCat(
        field, ": ", name, " does not exist on ", FormatDate(day)));
  }
  return absl::OkStatus();
}

// Identity numbers are unique. An unscoped caller (system admin, a
// service) is told with whom a number clashes; a scoped caller only which
// field, the same words whoever holds it and wherever, so that the check
// is no lookup of members outside its scope. Sets `*clash` on a clash.
absl::Status CheckIdentityFree(DbConnection& db, const CallContext& call,
                               const v1::Member& member, int64_t self_id,
                               bool* clash) {
  sql::PreparedStatement& query = db.Prepare(
      "SELECT id, party_card_number = ? FROM members"
      " WHERE (party_card_number = ? OR citizen_id = ?) AND id <> ? LIMIT 1");
  query.setString(1, member.party_card_number());
  SetNullableString(query, 2, member.party_card_number());
  SetNullableString(query, 3, member.citizen_id());
  query.setInt64(4, self_id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) return absl::OkStatus();
  *clash = true;
  const char* field =
      row->getBoolean(2) ? "member.party_card_number" : "member.citizen_id";
  if (call.caller.scope != "*") {
    return absl::AlreadyExistsError(
        absl::StrCat(field,
                     ": is already recorded for another member; the attempt is "
                     "recorded in the change feed"));
  }
  return absl::AlreadyExistsError(
      absl::StrCat(field, ": is already recorded for ",
                   ResourceName("members", row->getInt64(1))));
}

// The audit event of a write refused on an identity clash, in a
// transaction of its own (the write's rolled back): on `resource` (the
// member, or the cell a new member was meant for), without payload, so it
// shows who tried, when and where, and names no other member.
void RecordIdentityClash(MysqlPool& pool, const CallContext& call,
                         const std::string& resource, int64_t cell_id) {
  (void)WithConnection(
      pool, call.deadline, "recording a refused attempt", TxMode::kWrite,
      [&](DbConnection& db) -> absl::Status {
        AppendChange(db, call,
                     {resource, "identity_clash_refused", cell_id, nullptr});
        return absl::OkStatus();
      });
}

// Locks the member row; NOT_FOUND when absent. Returns its version.
absl::StatusOr<int64_t> LockMember(DbConnection& db, int64_t id) {
  sql::PreparedStatement& query =
      db.Prepare("SELECT version FROM members WHERE id = ? FOR UPDATE");
  query.setInt64(1, id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) {
    return absl::NotFoundError(
        absl::StrCat(ResourceName("members", id), " does not exist"));
  }
  return row->getInt64(1);
}

void TouchMember(DbConnection& db, int64_t id) {
  sql::PreparedStatement& touch = db.Prepare(
      "UPDATE members SET version = version + 1,"
      " update_time = UTC_TIMESTAMP(6) WHERE id = ?");
  touch.setInt64(1, id);
  touch.executeUpdate();
}

int64_t CellOf(const v1::Member& member) {
  auto id = ParseResourceId(member.cell(), "organizations", "cell");
  return id.ok() ? *id : 0;
}

}  // namespace

absl::Status RegistryStore::GetMember(const CallContext& call, int64_t id,
                                      v1::Member* out) {
  return WithConnection(*pool_, call.deadline, "reading a member",
                        TxMode::kRead, [&](DbConnection& db) {
                          return LoadMember(db, id, TodayInVietnam(), out);
                        });
}

namespace {

// The text filter every ListMembers statement ends with, then the order
// and the limit.
#define CHIBO_MEMBER_QUERY_TAIL                                     \
  " AND (? = '' OR m.name_folded LIKE ? OR m.party_card_number = ?" \
  " OR m.citizen_id = ?) ORDER BY m.id LIMIT ?"

// One page of ListMembers' ids, from the row set its filter names: every
// member by id; a cell's memberships on the day (memberships_cell); or a
// subtree's, from the closure table of the tree as it stands. So a page
// costs what its cell or subtree holds, never a scan of every member in
// the country (one statement for all three, with a recursive subtree
// and a LEFT JOIN, took over 5 s for a cell of the generated national
// registry and 0.7-0.8 s for a province).
sql::PreparedStatement& MemberIdsPage(DbConnection& db,
                                      const MemberFilter& filter) {
  const std::string day = FormatDate(filter.today);
  int i = 1;
  sql::PreparedStatement* query = nullptr;
  if (filter.ancestor_id != 0) {
    query = &db.Prepare(
        "SELECT m.id FROM organization_ancestors a"
        " JOIN memberships ms ON ms.organization_id = a.descendant_id"
        " AND ms.valid_from <= ? AND ms.valid_to >= ?"
        " JOIN members m ON m.id = ms.member_id"
        " WHERE a.ancestor_id = ? AND (? = 0 OR ms.organization_id = ?)"
        " AND m.id > ?" CHIBO_MEMBER_QUERY_TAIL);
    query->setString(i++, day);
    query->setString(i++, day);
    query->setInt64(i++, filter.ancestor_id);
    query->setInt64(i++, filter.cell_id);
    query->setInt64(i++, filter.cell_id);
  } else if (filter.cell_id != 0) {
    query = &db.Prepare(
        "SELECT m.id FROM memberships ms"
        " JOIN members m ON m.id = ms.member_id"
        " WHERE ms.organization_id = ? AND ms.valid_from <= ?"
        " AND ms.valid_to >= ? AND m.id > ?" CHIBO_MEMBER_QUERY_TAIL);
    query->setInt64(i++, filter.cell_id);
    query->setString(i++, day);
    query->setString(i++, day);
  } else {
    query = &db.Prepare(
        "SELECT m.id FROM members m WHERE m.id > ?" CHIBO_MEMBER_QUERY_TAIL);
  }
  query->setInt64(i++, filter.after_id);
  query->setString(i++, filter.folded_query);
  query->setString(i++, absl::StrCat("%", filter.folded_query, "%"));
  query->setString(i++, filter.exact_query);
  query->setString(i++, filter.exact_query);
  query->setInt(i++, filter.limit + 1);
  return *query;
}

#undef CHIBO_MEMBER_QUERY_TAIL

// A ByCell page's ids: the subtree's organisations in id order, kCellBatch
// at a time from the closure table, and their memberships on the day, so a
// page costs a few small statements whatever page of the subtree it is
// (sorting the whole subtree's members by id on every page took 0.75 s a
// page for a province of the national registry). At most kRounds batches
// a page: a run of organisations without members (committees) ends a page
// early, with a token that goes on after them.
constexpr int kCellBatch = 32;
constexpr int kRounds = 16;

struct CellMemberId {
  int64_t cell = 0;
  int64_t member = 0;
};

std::vector<CellMemberId> SubtreeMemberIds(DbConnection& db,
                                           const MemberFilter& filter,
                                           RegistryStore::MemberPageEnd* end) {
  const std::string day = FormatDate(filter.today);
  std::vector<CellMemberId> out;
  int64_t after_cell = filter.after_cell_id;
  int64_t after_member = filter.after_id;
  end->more = false;
  for (int round = 0; round < kRounds; ++round) {
    sql::PreparedStatement& cells = db.Prepare(
        "SELECT descendant_id FROM organization_ancestors"
        " WHERE ancestor_id = ? AND descendant_id >= ?"
        " ORDER BY descendant_id LIMIT ?");
    cells.setInt64(1, filter.ancestor_id);
    cells.setInt64(2, after_cell);
    cells.setInt(3, kCellBatch);
    std::vector<int64_t> batch;
    {
      std::unique_ptr<sql::ResultSet> row(cells.executeQuery());
      while (row->next()) batch.push_back(row->getInt64(1));
    }
    if (batch.empty()) return out;
    sql::PreparedStatement& members = db.Prepare(
        "SELECT ms.organization_id, ms.member_id"
        " FROM JSON_TABLE(?, '$[*]' COLUMNS (wanted BIGINT PATH '$')) AS w"
        " JOIN memberships ms ON ms.organization_id = w.wanted"
        " WHERE ms.valid_from <= ? AND ms.valid_to >= ?"
        " AND (ms.organization_id > ? OR ms.member_id > ?)"
        " ORDER BY ms.organization_id, ms.member_id LIMIT ?");
    members.setString(1, JsonIdArray(batch));
    members.setString(2, day);
    members.setString(3, day);
    members.setInt64(4, after_cell);
    members.setInt64(5, after_member);
    members.setInt(6, filter.limit + 1 - static_cast<int>(out.size()));
    {
      std::unique_ptr<sql::ResultSet> row(members.executeQuery());
      while (row->next()) out.push_back({row->getInt64(1), row->getInt64(2)});
    }
    if (static_cast<int>(out.size()) > filter.limit) {
      out.pop_back();
      end->more = true;
      end->cell = out.back().cell;
      end->member = out.back().member;
      return out;
    }
    if (static_cast<int>(batch.size()) < kCellBatch) return out;
    // On after the batch's last organisation, all of whose members (if
    // any) are in `out` now.
    after_cell = batch.back();
    after_member = std::numeric_limits<int64_t>::max();
  }
  // Rounds used up: the next page goes on from where this one stopped
  // (a short or even empty page, with a token).
  end->more = true;
  end->cell = after_cell;
  end->member = after_member;
  return out;
}

}  // namespace

absl::Status RegistryStore::ListMembers(const CallContext& call,
                                        const MemberFilter& filter,
                                        v1::ListMembersResponse* out,
                                        MemberPageEnd* end) {
  *end = MemberPageEnd();
  return WithConnection(
      *pool_, call.deadline, "listing members", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        std::vector<int64_t> ids;
        if (filter.ByCell()) {
          for (const CellMemberId& id : SubtreeMemberIds(db, filter, end)) {
            ids.push_back(id.member);
          }
        } else {
          sql::PreparedStatement& query = MemberIdsPage(db, filter);
          std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
          while (rows->next()) ids.push_back(rows->getInt64(1));
          rows.reset();
          end->more = static_cast<int>(ids.size()) > filter.limit;
          if (end->more) {
            ids.pop_back();
            end->member = ids.back();
          }
        }
        LoadMembers(db, ids, filter.today, out->mutable_members());
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::CreateMember(const CallContext& call,
                                         const v1::CreateMemberRequest& request,
                                         int64_t cell_id, absl::CivilDay joined,
                                         v1::Member* out) {
  bool clash = false;
  absl::Status written = ScopedIdempotentWrite(
      *pool_, call, "creating a member", request, out,
      [&](DbConnection& db) -> absl::Status {
        const v1::Member& member = request.member();
        RETURN_IF_ERROR(CheckCell(db, cell_id, joined, "cell"));
        RETURN_IF_ERROR(CheckIdentityFree(db, call, member, 0, &clash));
        sql::PreparedStatement& insert = db.Prepare(
            "INSERT INTO members (display_name, name_folded, birth_date,"
            " gender, party_card_number, citizen_id, version, create_time,"
            " update_time) VALUES (?, ?, ?, ?, ?, ?, 1, UTC_TIMESTAMP(6),"
            " UTC_TIMESTAMP(6))");
        insert.setString(1, member.display_name());
        insert.setString(2, FoldForSearch(member.display_name()));
        SetNullableString(insert, 3, member.birth_date());
        insert.setInt(4, member.gender());
        SetNullableString(insert, 5, member.party_card_number());
        SetNullableString(insert, 6, member.citizen_id());
        insert.executeUpdate();
        const int64_t id = LastInsertId(db);
        const std::string day = FormatDate(joined);
        sql::PreparedStatement& status = db.Prepare(
            "INSERT INTO member_statuses (member_id, valid_from, status,"
            " reason) VALUES (?, ?, ?, ?)");
        status.setInt64(1, id);
        status.setString(2, day);
        status.setInt(3, request.status());
        status.setString(4, "");
        status.executeUpdate();
        sql::PreparedStatement& membership = db.Prepare(
            "INSERT INTO memberships (member_id, valid_from, organization_id)"
            " VALUES (?, ?, ?)");
        membership.setInt64(1, id);
        membership.setString(2, day);
        membership.setInt64(3, cell_id);
        membership.executeUpdate();
        RETURN_IF_ERROR(LoadMember(db, id, TodayInVietnam(), out));
        AppendChange(db, call, {out->name(), "created", cell_id, out});
        return absl::OkStatus();
      });
  if (clash && written.code() == absl::StatusCode::kAlreadyExists) {
    RecordIdentityClash(*pool_, call, ResourceName("organizations", cell_id),
                        cell_id);
  }
  return written;
}

absl::Status RegistryStore::UpdateMember(const CallContext& call,
                                         const v1::UpdateMemberRequest& request,
                                         int64_t id, v1::Member* out) {
  bool clash = false;
  int64_t cell_id = 0;
  absl::Status written = ScopedWrite(
      *pool_, call, "updating a member", [&](DbConnection& db) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t version, LockMember(db, id));
        const std::string name = ResourceName("members", id);
        RETURN_IF_ERROR(CheckEtag(request.member().etag(), version, name));
        v1::Member next;
        RETURN_IF_ERROR(LoadMember(db, id, TodayInVietnam(), &next));
        const v1::Member& fields = request.member();
        for (const std::string& path : request.update_mask().paths()) {
          if (path == "display_name") {
            next.set_display_name(fields.display_name());
          } else if (path == "birth_date") {
            next.set_birth_date(fields.birth_date());
          } else if (path == "gender") {
            next.set_gender(fields.gender());
          } else if (path == "party_card_number") {
            next.set_party_card_number(fields.party_card_number());
          } else if (path == "citizen_id") {
            next.set_citizen_id(fields.citizen_id());
          }
        }
        cell_id = CellOf(next);
        RETURN_IF_ERROR(CheckIdentityFree(db, call, next, id, &clash));
        sql::PreparedStatement& update = db.Prepare(
            "UPDATE members SET display_name = ?, name_folded = ?,"
            " birth_date = ?, gender = ?, party_card_number = ?,"
            " citizen_id = ?, version = version + 1,"
            " update_time = UTC_TIMESTAMP(6) WHERE id = ?");
        update.setString(1, next.display_name());
        update.setString(2, FoldForSearch(next.display_name()));
        SetNullableString(update, 3, next.birth_date());
        update.setInt(4, next.gender());
        SetNullableString(update, 5, next.party_card_number());
        SetNullableString(update, 6, next.citizen_id());
        update.setInt64(7, id);
        update.executeUpdate();
        RETURN_IF_ERROR(LoadMember(db, id, TodayInVietnam(), out));
        AppendChange(db, call, {name, "updated", CellOf(*out), out});
        return absl::OkStatus();
      });
  if (clash && written.code() == absl::StatusCode::kAlreadyExists) {
    RecordIdentityClash(*pool_, call, ResourceName("members", id), cell_id);
  }
  return written;
}

absl::Status RegistryStore::DeleteMember(const CallContext& call, int64_t id,
                                         const std::string& etag) {
  return ScopedWrite(
      *pool_, call, "deleting a member", [&](DbConnection& db) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t version, LockMember(db, id));
        const std::string name = ResourceName("members", id);
        RETURN_IF_ERROR(CheckEtag(etag, version, name));
        v1::Member current;
        RETURN_IF_ERROR(LoadMember(db, id, TodayInVietnam(), &current));
        sql::PreparedStatement& refs = db.Prepare(
            "SELECT (SELECT COUNT(*) FROM positions WHERE member_id = ?) +"
            " (SELECT COUNT(*) FROM cadres WHERE member_id = ?)");
        refs.setInt64(1, id);
        refs.setInt64(2, id);
        std::unique_ptr<sql::ResultSet> row(refs.executeQuery());
        row->next();
        if (row->getInt64(1) > 0) {
          return absl::FailedPreconditionError(absl::StrCat(
              name, " holds positions or is a cadre; delete those first"));
        }
        sql::PreparedStatement& del =
            db.Prepare("DELETE FROM members WHERE id = ?");
        del.setInt64(1, id);
        del.executeUpdate();
        AppendChange(db, call, {name, "deleted", CellOf(current), nullptr});
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::ChangeMemberStatus(
    const CallContext& call, const v1::ChangeMemberStatusRequest& request,
    int64_t id, absl::CivilDay effective, v1::Member* out) {
  return ScopedIdempotentWrite(
      *pool_, call, "changing a member's status", request, out,
      [&](DbConnection& db) -> absl::Status {
        RETURN_IF_ERROR(LockMember(db, id).status());
        std::optional<LatestPeriod> latest =
            LockLatestPeriod(db, kStatuses, id);
        if (!latest) {
          return absl::InternalError("member has no status history");
        }
        if (latest->value == request.status()) {
          return absl::FailedPreconditionError(
              absl::StrCat("status: ", request.member(), " already has status ",
                           v1::MemberStatus_Name(request.status()), " since ",
                           latest->valid_from));
        }
        RETURN_IF_ERROR(AppendPeriod(db, kStatuses, id, *latest, effective,
                                     request.status(), request.reason(),
                                     "effective_date"));
        TouchMember(db, id);
        RETURN_IF_ERROR(LoadMember(db, id, TodayInVietnam(), out));
        AppendChange(db, call,
                     {out->name(), "status_changed", CellOf(*out), out});
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::ListMemberStatuses(
    const CallContext& call, int64_t id, v1::ListMemberStatusesResponse* out) {
  return WithConnection(
      *pool_, call.deadline, "reading a member's statuses", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        v1::Member member;
        RETURN_IF_ERROR(LoadMember(db, id, TodayInVietnam(), &member));
        sql::PreparedStatement& query = db.Prepare(
            "SELECT status, valid_from, valid_to, reason FROM member_statuses"
            " WHERE member_id = ? ORDER BY valid_from");
        query.setInt64(1, id);
        std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
        while (rows->next()) {
          v1::StatusPeriod* period = out->add_statuses();
          period->set_status(static_cast<v1::MemberStatus>(rows->getInt(1)));
          period->set_valid_from(rows->getString(2));
          period->set_valid_to(DateOut(rows->getString(3)));
          period->set_reason(rows->getString(4));
        }
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::TransferMember(
    const CallContext& call, const v1::TransferMemberRequest& request,
    int64_t id, int64_t to_cell_id, absl::CivilDay effective, v1::Member* out) {
  return ScopedIdempotentWrite(
      *pool_, call, "transferring a member", request, out,
      [&](DbConnection& db) -> absl::Status {
        RETURN_IF_ERROR(LockMember(db, id).status());
        RETURN_IF_ERROR(CheckCell(db, to_cell_id, effective, "to_cell"));
        std::optional<LatestPeriod> status =
            LockLatestPeriod(db, kStatuses, id);
        if (status && status->value == v1::MEMBER_STATUS_REMOVED) {
          return absl::FailedPreconditionError(
              absl::StrCat(request.member(),
                           " was removed from the party and cannot be "
                           "transferred"));
        }
        std::optional<LatestPeriod> latest =
            LockLatestPeriod(db, kMemberships, id);
        if (!latest) {
          return absl::InternalError("member has no membership history");
        }
        if (latest->value == to_cell_id) {
          return absl::FailedPreconditionError(
              absl::StrCat("to_cell: ", request.member(), " is already in ",
                           request.to_cell()));
        }
        RETURN_IF_ERROR(AppendPeriod(db, kMemberships, id, *latest, effective,
                                     to_cell_id, "", "effective_date"));
        TouchMember(db, id);
        RETURN_IF_ERROR(LoadMember(db, id, TodayInVietnam(), out));
        // A transfer dated later belongs, until its date, to the cell the
        // member is in today: the receiving side sees neither the member
        // nor its identity fields early.
        const int64_t owner =
            effective > TodayInVietnam() ? CellOf(*out) : to_cell_id;
        AppendChange(db, call, {out->name(), "transferred", owner, out});
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::ListMemberships(const CallContext& call, int64_t id,
                                            v1::ListMembershipsResponse* out) {
  return WithConnection(
      *pool_, call.deadline, "reading a member's memberships", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        v1::Member member;
        RETURN_IF_ERROR(LoadMember(db, id, TodayInVietnam(), &member));
        sql::PreparedStatement& query = db.Prepare(
            "SELECT ms.organization_id, o.display_name, ms.valid_from,"
            " ms.valid_to FROM memberships ms"
            " JOIN organizations o ON o.id = ms.organization_id"
            " WHERE ms.member_id = ? ORDER BY ms.valid_from");
        query.setInt64(1, id);
        std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
        while (rows->next()) {
          v1::Membership* membership = out->add_memberships();
          membership->set_cell(
              ResourceName("organizations", rows->getInt64(1)));
          membership->set_cell_display_name(rows->getString(2));
          membership->set_valid_from(rows->getString(3));
          membership->set_valid_to(DateOut(rows->getString(4)));
        }
        return absl::OkStatus();
      });
}

absl::Status RegistryStore::ListCellMembers(
    const CallContext& call, int64_t cell_id, absl::CivilDay as_of,
    std::optional<absl::CivilDay> ancestry_day, const std::string& status_set,
    int64_t after_id, int limit, v1::ListCellMembersResponse* out, bool* more) {
  return WithConnection(
      *pool_, call.deadline, "listing a cell's members", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        v1::Organization cell;
        RETURN_IF_ERROR(LoadOrganization(db, cell_id, &cell));
        if (ancestry_day) {
          RETURN_IF_ERROR(ReadAncestry(db, cell_id, cell, *ancestry_day,
                                       "ancestry_as_of_date",
                                       out->mutable_ancestry()));
        }
        if (!cell.is_cell()) {
          return absl::FailedPreconditionError(
              absl::StrCat("cell: ", cell.name(), " is a ",
                           LevelLabel(cell.level()), ", not a cell"));
        }
        const std::string day = FormatDate(as_of);
        sql::PreparedStatement& query = db.Prepare(
            "SELECT m.id, m.display_name, s.status FROM memberships ms"
            " JOIN members m ON m.id = ms.member_id"
            " JOIN member_statuses s ON s.member_id = m.id"
            " AND s.valid_from <= ? AND s.valid_to >= ?"
            " WHERE ms.organization_id = ? AND ms.valid_from <= ?"
            " AND ms.valid_to >= ? AND m.id > ?"
            " AND FIND_IN_SET(s.status, ?) > 0"
            " ORDER BY m.id LIMIT ?");
        query.setString(1, day);
        query.setString(2, day);
        query.setInt64(3, cell_id);
        query.setString(4, day);
        query.setString(5, day);
        query.setInt64(6, after_id);
        query.setString(7, status_set);
        query.setInt(8, limit + 1);
        std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
        out->set_cell(cell.name());
        out->set_as_of_date(day);
        *more = false;
        while (rows->next()) {
          if (out->members_size() == limit) {
            *more = true;
            break;
          }
          v1::CellMember* entry = out->add_members();
          const auto status = static_cast<v1::MemberStatus>(rows->getInt(3));
          entry->set_member(ResourceName("members", rows->getInt64(1)));
          entry->set_display_name(rows->getString(2));
          entry->set_status(status);
          entry->set_may_vote(MayVote(status));
          entry->set_counts_in_attendance(CountsInAttendance(status));
        }
        return absl::OkStatus();
      });
}

}  // namespace chibo::registry
