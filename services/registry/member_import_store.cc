// BulkUpsertMembers: the import of a province's members in a few set-based
// statements per request. Rows are read, compared and written in batches of
// the fixed statement sizes of common/sql_batch.h, so 1000 rows cost a few
// dozen statements, not a few per row.

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>
#include <memory>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "common/idempotency.h"
#include "common/outbox.h"
#include "common/resource_name.h"
#include "common/sql_batch.h"
#include "common/sql_error.h"
#include "common/status_macros.h"
#include "common/text_fold.h"
#include "services/registry/member_import_rules.h"
#include "services/registry/store.h"
#include "services/registry/store_internal.h"
#include "services/registry/tree_rules.h"
#include "services/registry/write_scope.h"

namespace chibo::registry {
namespace {

// The members a batch of rows names, by any of their three unique numbers,
// with the cell and status they have today and whether either history has a
// period dated after today.
#define CHIBO_FIND_MEMBERS(X) \
  "SELECT m.id, m.version, m.party_card_number, m.external_code, "            \
  "m.citizen_id, m.display_name, m.birth_date, m.gender, "                    \
  "(SELECT ms.organization_id FROM memberships ms WHERE ms.member_id = m.id " \
  "AND ms.valid_from <= ? AND ms.valid_to >= ?) AS cell_id, "                 \
  "(SELECT s.status FROM member_statuses s WHERE s.member_id = m.id "         \
  "AND s.valid_from <= ? AND s.valid_to >= ?) AS status, "                    \
  "(SELECT MAX(ms.valid_from) > ? FROM memberships ms "                       \
  "WHERE ms.member_id = m.id) AS future_membership, "                         \
  "(SELECT MAX(s.valid_from) > ? FROM member_statuses s "                     \
  "WHERE s.member_id = m.id) AS future_status "                               \
  "FROM members m WHERE m.party_card_number IN (" X("?") ") "                 \
  "OR m.external_code IN (" X("?") ") OR m.citizen_id IN (" X("?") ")"
constexpr const char* kFindMembers[] = CHIBO_SQL_EACH_SIZE(CHIBO_FIND_MEMBERS);
#undef CHIBO_FIND_MEMBERS

// The ids of members just inserted, by their keys (no history columns:
// they have none yet): the party card where a row has one, else the
// external code. Each half reads only its unique index (which holds the
// id); one statement with OR made MariaDB merge both indexes and fetch
// every row, a fifth of an import's database time.
#define CHIBO_FIND_IDS(X) \
  "SELECT id, party_card_number, NULL FROM members "                       \
  "WHERE party_card_number IN (" X("?") ") "                               \
  "UNION ALL SELECT id, NULL, external_code FROM members "                 \
  "WHERE external_code IN (" X("?") ")"
constexpr const char* kFindIds[] = CHIBO_SQL_EACH_SIZE(CHIBO_FIND_IDS);
#undef CHIBO_FIND_IDS

// Cells by external code, with whether they lie in the import's subtree
// (root 0: anywhere).
constexpr const char* kFindCells[] = CHIBO_SQL_BATCHES(
    "SELECT o.id, o.external_code, o.level, o.valid_from, o.valid_to, "
    "(? = 0 OR EXISTS (SELECT 1 FROM organization_ancestors a "
    "WHERE a.ancestor_id = ? AND a.descendant_id = o.id)) AS in_scope "
    "FROM organizations o WHERE o.external_code IN (",
    "?", ")");

// Which of these organisations lie in the subtree of the first parameter.
constexpr const char* kInSubtree[] = CHIBO_SQL_BATCHES(
    "SELECT descendant_id FROM organization_ancestors WHERE ancestor_id = ? "
    "AND descendant_id IN (",
    "?", ")");

// Record locks on existing members (primary key, so no gap locks): a
// concurrent import or edit of the same member waits here.
constexpr const char* kLockMembers[] = CHIBO_SQL_BATCHES(
    "SELECT id, version FROM members WHERE id IN (", "?", ") FOR UPDATE");

constexpr const char* kInsertMembers[] = CHIBO_SQL_BATCHES(
    "INSERT INTO members (display_name, name_folded, birth_date, gender, "
    "party_card_number, citizen_id, external_code, version, create_time, "
    "update_time) VALUES ",
    "(?, ?, ?, ?, ?, ?, ?, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", "");

// Every row names an existing id, so each takes the update branch: a
// multi-row UPDATE with per-row values.
constexpr const char* kUpdateMembers[] = CHIBO_SQL_BATCHES(
    "INSERT INTO members (id, display_name, name_folded, birth_date, gender, "
    "party_card_number, citizen_id, external_code, version, create_time, "
    "update_time) VALUES ",
    "(?, ?, ?, ?, ?, ?, ?, ?, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
    " ON DUPLICATE KEY UPDATE display_name = VALUES(display_name), "
    "name_folded = VALUES(name_folded), birth_date = VALUES(birth_date), "
    "gender = VALUES(gender), party_card_number = VALUES(party_card_number), "
    "citizen_id = VALUES(citizen_id), external_code = VALUES(external_code), "
    "version = version + 1, update_time = VALUES(update_time)");

constexpr const char* kInsertStatuses[] = CHIBO_SQL_BATCHES(
    "INSERT INTO member_statuses (member_id, valid_from, status, reason) "
    "VALUES ",
    "(?, ?, ?, '')", "");
constexpr const char* kInsertMemberships[] = CHIBO_SQL_BATCHES(
    "INSERT INTO memberships (member_id, valid_from, organization_id) VALUES ",
    "(?, ?, ?)", "");

// A change from today replaces a period that began today and closes the
// open one yesterday (as PlanPeriodChange does for a single member).
constexpr const char* kDropTodayStatuses[] = CHIBO_SQL_BATCHES(
    "DELETE FROM member_statuses WHERE valid_from = ? AND member_id IN (", "?",
    ")");
constexpr const char* kCloseStatuses[] = CHIBO_SQL_BATCHES(
    "UPDATE member_statuses SET valid_to = ? WHERE valid_to = '9999-12-31' "
    "AND member_id IN (",
    "?", ")");
constexpr const char* kDropTodayMemberships[] = CHIBO_SQL_BATCHES(
    "DELETE FROM memberships WHERE valid_from = ? AND member_id IN (", "?",
    ")");
constexpr const char* kCloseMemberships[] = CHIBO_SQL_BATCHES(
    "UPDATE memberships SET valid_to = ? WHERE valid_to = '9999-12-31' "
    "AND member_id IN (",
    "?", ")");

// A concurrent import created one of this request's members between our
// read and our insert: the attempt is rolled back and run again, and then
// finds that member.
constexpr char kRaced[] = "members: created concurrently; retry";
constexpr int kRaceAttempts = 6;

struct CellInfo {
  int64_t id = 0;
  v1::OrganizationLevel level = v1::ORGANIZATION_LEVEL_UNSPECIFIED;
  absl::CivilDay valid_from, valid_to;
  bool in_scope = false;
};

// What the import decided for one row.
struct RowPlan {
  std::string error;
  const CellInfo* cell = nullptr;
  const StoredMember* stored = nullptr;
  MemberChange change;
  absl::CivilDay joined;
  int64_t member_id = 0;
};

void BindOptional(sql::PreparedStatement& s, int index,
                  const std::string& value) {
  SetNullableString(s, index, value);
}

// Runs `fn(batch)` for the fixed-size batches of `n` items.
template <typename Fn>
void ForBatches(size_t n, Fn fn) {
  for (const SqlBatch& batch : PlanSqlBatches(static_cast<int>(n))) fn(batch);
}

std::map<std::string, CellInfo> FindCells(DbConnection& db,
                                          const std::set<std::string>& codes,
                                          int64_t root) {
  std::map<std::string, CellInfo> out;
  const std::vector<std::string> list(codes.begin(), codes.end());
  ForBatches(list.size(), [&](const SqlBatch& batch) {
    sql::PreparedStatement& query = db.Prepare(kFindCells[batch.size_index]);
    query.setInt64(1, root);
    query.setInt64(2, root);
    for (int i = 0; i < batch.count; ++i) {
      query.setString(3 + i, list[batch.begin + i]);
    }
    std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
    while (rows->next()) {
      CellInfo& cell = out[rows->getString(2)];
      cell.id = rows->getInt64(1);
      cell.level = static_cast<v1::OrganizationLevel>(rows->getInt(3));
      cell.valid_from = DateIn(rows->getString(4));
      cell.valid_to = DateIn(rows->getString(5));
      cell.in_scope = rows->getBoolean(6);
    }
  });
  return out;
}

// The members named by `rows` (their indexes in the request).
std::vector<StoredMember> FindMembers(
    DbConnection& db,
    const google::protobuf::RepeatedPtrField<v1::MemberRow>& rows,
    const std::vector<int>& indexes, absl::CivilDay today) {
  std::map<int64_t, StoredMember> found;
  const std::string day = FormatDate(today);
  ForBatches(indexes.size(), [&](const SqlBatch& batch) {
    sql::PreparedStatement& query = db.Prepare(kFindMembers[batch.size_index]);
    for (int p = 1; p <= 6; ++p) query.setString(p, day);
    for (int i = 0; i < batch.count; ++i) {
      const v1::MemberRow& row = rows[indexes[batch.begin + i]];
      BindOptional(query, 7 + i, row.party_card_number());
      BindOptional(query, 7 + batch.count + i, row.external_code());
      BindOptional(query, 7 + 2 * batch.count + i, row.citizen_id());
    }
    std::unique_ptr<sql::ResultSet> result(query.executeQuery());
    while (result->next()) {
      StoredMember m;
      m.id = result->getInt64(1);
      m.version = result->getInt64(2);
      auto text = [&](int column) {
        return result->isNull(column) ? std::string()
                                      : std::string(result->getString(column));
      };
      m.party_card_number = text(3);
      m.external_code = text(4);
      m.citizen_id = text(5);
      m.display_name = text(6);
      m.birth_date = text(7);
      m.gender = static_cast<v1::Gender>(result->getInt(8));
      m.cell_id = result->isNull(9) ? 0 : result->getInt64(9);
      m.status = result->isNull(10)
                     ? v1::MEMBER_STATUS_UNSPECIFIED
                     : static_cast<v1::MemberStatus>(result->getInt(10));
      m.future_membership = !result->isNull(11) && result->getBoolean(11);
      m.future_status = !result->isNull(12) && result->getBoolean(12);
      found[m.id] = std::move(m);
    }
  });
  std::vector<StoredMember> out;
  out.reserve(found.size());
  for (auto& [id, member] : found) out.push_back(std::move(member));
  return out;
}

// Locks the members; false when one changed since it was read (a
// concurrent write committed in between: the attempt runs again).
bool LockMembers(DbConnection& db, const std::vector<StoredMember>& members) {
  std::map<int64_t, int64_t> locked;
  ForBatches(members.size(), [&](const SqlBatch& batch) {
    sql::PreparedStatement& lock = db.Prepare(kLockMembers[batch.size_index]);
    for (int i = 0; i < batch.count; ++i) {
      lock.setInt64(1 + i, members[batch.begin + i].id);
    }
    std::unique_ptr<sql::ResultSet> rows(lock.executeQuery());
    while (rows->next()) locked[rows->getInt64(1)] = rows->getInt64(2);
  });
  for (const StoredMember& m : members) {
    auto it = locked.find(m.id);
    if (it == locked.end() || it->second != m.version) return false;
  }
  return true;
}

std::set<int64_t> InSubtree(DbConnection& db, int64_t root,
                            const std::set<int64_t>& ids) {
  std::set<int64_t> out;
  const std::vector<int64_t> list(ids.begin(), ids.end());
  ForBatches(list.size(), [&](const SqlBatch& batch) {
    sql::PreparedStatement& query = db.Prepare(kInSubtree[batch.size_index]);
    query.setInt64(1, root);
    for (int i = 0; i < batch.count; ++i) {
      query.setInt64(2 + i, list[batch.begin + i]);
    }
    std::unique_ptr<sql::ResultSet> rows(query.executeQuery());
    while (rows->next()) out.insert(rows->getInt64(1));
  });
  return out;
}

// Runs a member-ids statement ("... WHERE x = ? AND member_id IN (...)")
// over `ids` with `day` as its first parameter.
void ForMembers(DbConnection& db, const char* const* statements,
                const std::vector<int64_t>& ids, const std::string& day) {
  ForBatches(ids.size(), [&](const SqlBatch& batch) {
    sql::PreparedStatement& s = db.Prepare(statements[batch.size_index]);
    s.setString(1, day);
    for (int i = 0; i < batch.count; ++i) {
      s.setInt64(2 + i, ids[batch.begin + i]);
    }
    s.executeUpdate();
  });
}

// One new period (status or membership) of one member.
struct NewPeriod {
  int64_t member_id;
  std::string from;
  int64_t value;
};

void InsertPeriods(DbConnection& db, const char* const* statements,
                   const std::vector<NewPeriod>& periods) {
  ForBatches(periods.size(), [&](const SqlBatch& batch) {
    sql::PreparedStatement& s = db.Prepare(statements[batch.size_index]);
    int p = 1;
    for (int i = batch.begin; i < batch.begin + batch.count; ++i) {
      s.setInt64(p++, periods[i].member_id);
      s.setString(p++, periods[i].from);
      s.setInt64(p++, periods[i].value);
    }
    s.executeUpdate();
  });
}

// Binds a row's identity columns from `p` on; returns the next index.
int BindIdentity(sql::PreparedStatement& s, int p, const v1::MemberRow& row,
                 const StoredMember* stored) {
  s.setString(p++, row.display_name());
  s.setString(p++, FoldForSearch(row.display_name()));
  BindOptional(s, p++, row.birth_date());
  s.setInt(p++, row.gender());
  // An empty card number or code keeps the stored one.
  BindOptional(s, p++,
               row.party_card_number().empty() && stored != nullptr
                   ? stored->party_card_number
                   : row.party_card_number());
  BindOptional(s, p++, row.citizen_id());
  BindOptional(s, p++,
               row.external_code().empty() && stored != nullptr
                   ? stored->external_code
                   : row.external_code());
  return p;
}

bool IsDuplicate(const sql::SQLException& e) {
  return e.getErrorCode() == kErrDuplicateKey;
}

class Import {
 public:
  Import(DbConnection& db, const CallContext& call,
         const v1::BulkUpsertMembersRequest& request, int64_t root,
         absl::CivilDay today, v1::BulkUpsertMembersResponse* out)
      : db_(db),
        call_(call),
        rows_(request.rows()),
        mode_(request.failure_mode()),
        root_(root),
        today_(today),
        out_(out),
        plans_(request.rows_size()) {}

  absl::Status Run() {
    out_->Clear();
    CheckShapes();
    ReadCells();
    RETURN_IF_ERROR(ReadMembers());
    Plan();
    bool failed = false;
    for (int i = 0; i < rows_.size(); ++i) {
      v1::MemberRowResult* result = out_->add_results();
      result->set_key(MemberRowKey(rows_[i]));
      const RowPlan& plan = plans_[i];
      if (!plan.error.empty()) {
        failed = true;
        result->set_action(v1::UPSERT_ACTION_FAILED);
        result->set_error(plan.error);
        continue;
      }
      result->set_action(ActionOf(plan));
      if (plan.stored != nullptr) {
        result->set_member(ResourceName("members", plan.stored->id));
      }
    }
    if (failed && mode_ == v1::BULK_FAILURE_MODE_ALL_OR_NOTHING) {
      out_->set_applied(false);
      return absl::OkStatus();
    }
    out_->set_applied(true);
    return Write();
  }

 private:
  static v1::UpsertAction ActionOf(const RowPlan& plan) {
    if (plan.stored == nullptr) return v1::UPSERT_ACTION_CREATED;
    if (plan.change.cell) return v1::UPSERT_ACTION_MOVED;
    if (plan.change.any()) return v1::UPSERT_ACTION_UPDATED;
    return v1::UPSERT_ACTION_UNCHANGED;
  }

  void Fail(int i, absl::string_view field, absl::string_view why) {
    if (plans_[i].error.empty()) {
      plans_[i].error = absl::StrCat(RowLabel(i), ".", field, ": ", why);
    }
  }

  void CheckShapes() {
    const std::vector<std::string> repeated = FindRepeatedRows(rows_);
    for (int i = 0; i < rows_.size(); ++i) {
      absl::Status shape = ValidateMemberRow(rows_[i], today_);
      if (!shape.ok()) {
        plans_[i].error = absl::StrCat(RowLabel(i), ".", shape.message());
      } else if (!repeated[i].empty()) {
        plans_[i].error = repeated[i];
      } else {
        // Valid by the check above.
        plans_[i].joined =
            *ParseDateOr(rows_[i].joined_date(), "joined_date", today_);
        good_.push_back(i);
      }
    }
  }

  void ReadCells() {
    std::set<std::string> codes;
    for (int i : good_) codes.insert(rows_[i].cell_external_code());
    cells_ = FindCells(db_, codes, root_);
  }

  absl::Status ReadMembers() {
    stored_ = FindMembers(db_, rows_, good_, today_);
    if (!LockMembers(db_, stored_)) return absl::AbortedError(kRaced);
    for (const StoredMember& m : stored_) {
      if (!m.party_card_number.empty()) by_card_[m.party_card_number] = &m;
      if (!m.external_code.empty()) by_code_[m.external_code] = &m;
      if (!m.citizen_id.empty()) by_citizen_[m.citizen_id] = &m;
    }
    if (root_ != 0) {
      std::set<int64_t> current;
      for (const StoredMember& m : stored_) {
        if (m.cell_id != 0) current.insert(m.cell_id);
      }
      current_in_scope_ = InSubtree(db_, root_, current);
    }
    return absl::OkStatus();
  }

  static const StoredMember* Lookup(
      const std::map<std::string, const StoredMember*>& index,
      const std::string& value) {
    if (value.empty()) return nullptr;
    auto it = index.find(value);
    return it == index.end() ? nullptr : it->second;
  }

  void Plan() {
    for (int i : good_) {
      const v1::MemberRow& row = rows_[i];
      RowPlan& plan = plans_[i];
      auto cell = cells_.find(row.cell_external_code());
      // Outside the subtree reads exactly as absent: no oracle.
      if (cell == cells_.end() || !cell->second.in_scope) {
        Fail(i, "cell_external_code",
             absl::StrCat("no cell has code \"", row.cell_external_code(),
                          "\""));
        continue;
      }
      if (!IsCell(cell->second.level)) {
        Fail(i, "cell_external_code",
             absl::StrCat("\"", row.cell_external_code(), "\" is a ",
                          LevelLabel(cell->second.level),
                          ", not a cell; members belong to cells"));
        continue;
      }
      plan.cell = &cell->second;
      const bool by_card = !row.party_card_number().empty();
      const char* key_field = by_card ? "party_card_number" : "external_code";
      plan.stored = by_card ? Lookup(by_card_, row.party_card_number())
                            : Lookup(by_code_, row.external_code());
      const StoredMember* other_code = Lookup(by_code_, row.external_code());
      if (by_card && other_code != nullptr && other_code != plan.stored) {
        Fail(i, "external_code", "is recorded for another member");
        continue;
      }
      const StoredMember* other_citizen = Lookup(by_citizen_, row.citizen_id());
      if (other_citizen != nullptr && other_citizen != plan.stored) {
        Fail(i, "citizen_id", "is recorded for another member");
        continue;
      }
      if (plan.stored == nullptr) {
        PlanCreate(i);
      } else {
        PlanUpdate(i, key_field);
      }
    }
  }

  void PlanCreate(int i) {
    const v1::MemberRow& row = rows_[i];
    RowPlan& plan = plans_[i];
    if (row.status() == v1::MEMBER_STATUS_REMOVED) {
      Fail(i, "status", "a new member cannot be REMOVED");
      return;
    }
    if (plan.joined < plan.cell->valid_from ||
        plan.joined > plan.cell->valid_to) {
      Fail(i, "joined_date",
           absl::StrCat("cell \"", row.cell_external_code(),
                        "\" does not exist on ", FormatDate(plan.joined)));
    }
  }

  void PlanUpdate(int i, const char* key_field) {
    const v1::MemberRow& row = rows_[i];
    RowPlan& plan = plans_[i];
    const StoredMember& stored = *plan.stored;
    if (root_ != 0 && stored.cell_id != 0 &&
        current_in_scope_.count(stored.cell_id) == 0) {
      Fail(i, key_field,
           absl::StrCat("names a member outside ",
                        ResourceName("organizations", root_),
                        "; this call may not change them"));
      return;
    }
    plan.change = CompareMember(stored, row, plan.cell->id);
    if (plan.change.cell && stored.future_membership) {
      Fail(i, "cell_external_code",
           "the member has a transfer dated after today; an import does "
           "not rewrite it (use TransferMember)");
      return;
    }
    if (plan.change.status && stored.future_status) {
      Fail(i, "status",
           "the member has a status change dated after today; an import "
           "does not rewrite it (use ChangeMemberStatus)");
      return;
    }
    if (plan.change.cell &&
        (today_ < plan.cell->valid_from || today_ > plan.cell->valid_to)) {
      Fail(i, "cell_external_code",
           absl::StrCat("cell \"", row.cell_external_code(),
                        "\" does not exist on ", FormatDate(today_)));
    }
  }

  absl::Status Write() {
    std::vector<int> creates, changes;
    for (int i : good_) {
      const RowPlan& plan = plans_[i];
      if (!plan.error.empty()) continue;
      if (plan.stored == nullptr) {
        creates.push_back(i);
      } else if (plan.change.any()) {
        changes.push_back(i);
      }
    }
    try {
      InsertNewMembers(creates);
    } catch (const sql::SQLException& e) {
      if (IsDuplicate(e)) return absl::AbortedError(kRaced);
      throw;
    }
    RETURN_IF_ERROR(ReadNewIds(creates));
    UpdateMembers(changes);
    WritePeriods(creates, changes);
    AppendEvents(creates, changes);
    return absl::OkStatus();
  }

  void InsertNewMembers(const std::vector<int>& creates) {
    ForBatches(creates.size(), [&](const SqlBatch& batch) {
      sql::PreparedStatement& s = db_.Prepare(kInsertMembers[batch.size_index]);
      int p = 1;
      for (int k = batch.begin; k < batch.begin + batch.count; ++k) {
        p = BindIdentity(s, p, rows_[creates[k]], nullptr);
      }
      s.executeUpdate();
    });
  }

  // The ids the inserts took, read back by key (AUTO_INCREMENT ranges of a
  // multi-row insert are not promised to be consecutive).
  absl::Status ReadNewIds(const std::vector<int>& creates) {
    if (creates.empty()) return absl::OkStatus();
    std::map<std::string, int64_t> card_ids, code_ids;
    ForBatches(creates.size(), [&](const SqlBatch& batch) {
      sql::PreparedStatement& query = db_.Prepare(kFindIds[batch.size_index]);
      for (int k = 0; k < batch.count; ++k) {
        const v1::MemberRow& row = rows_[creates[batch.begin + k]];
        const bool by_card = !row.party_card_number().empty();
        BindOptional(query, 1 + k, row.party_card_number());
        BindOptional(query, 1 + batch.count + k,
                     by_card ? std::string() : row.external_code());
      }
      std::unique_ptr<sql::ResultSet> found(query.executeQuery());
      while (found->next()) {
        if (!found->isNull(2))
          card_ids[found->getString(2)] = found->getInt64(1);
        if (!found->isNull(3))
          code_ids[found->getString(3)] = found->getInt64(1);
      }
    });
    for (int i : creates) {
      const v1::MemberRow& row = rows_[i];
      const auto& index = row.party_card_number().empty() ? code_ids : card_ids;
      auto it = index.find(MemberRowKey(row));
      if (it == index.end()) {
        return absl::InternalError("a member just inserted was not found");
      }
      plans_[i].member_id = it->second;
      out_->mutable_results(i)->set_member(ResourceName("members", it->second));
    }
    return absl::OkStatus();
  }

  void UpdateMembers(const std::vector<int>& changes) {
    ForBatches(changes.size(), [&](const SqlBatch& batch) {
      sql::PreparedStatement& s = db_.Prepare(kUpdateMembers[batch.size_index]);
      int p = 1;
      for (int k = batch.begin; k < batch.begin + batch.count; ++k) {
        const RowPlan& plan = plans_[changes[k]];
        s.setInt64(p++, plan.stored->id);
        p = BindIdentity(s, p, rows_[changes[k]], plan.stored);
      }
      s.executeUpdate();
    });
    for (int i : changes) plans_[i].member_id = plans_[i].stored->id;
  }

  void WritePeriods(const std::vector<int>& creates,
                    const std::vector<int>& changes) {
    const std::string today = FormatDate(today_);
    const std::string yesterday = FormatDate(today_ - 1);
    std::vector<int64_t> moved, restated;
    std::vector<NewPeriod> statuses, memberships;
    for (int i : creates) {
      const RowPlan& plan = plans_[i];
      const std::string joined = FormatDate(plan.joined);
      statuses.push_back({plan.member_id, joined, rows_[i].status()});
      memberships.push_back({plan.member_id, joined, plan.cell->id});
    }
    for (int i : changes) {
      const RowPlan& plan = plans_[i];
      if (plan.change.status) {
        restated.push_back(plan.member_id);
        statuses.push_back({plan.member_id, today, rows_[i].status()});
      }
      if (plan.change.cell) {
        moved.push_back(plan.member_id);
        memberships.push_back({plan.member_id, today, plan.cell->id});
      }
    }
    ForMembers(db_, kDropTodayStatuses, restated, today);
    ForMembers(db_, kCloseStatuses, restated, yesterday);
    ForMembers(db_, kDropTodayMemberships, moved, today);
    ForMembers(db_, kCloseMemberships, moved, yesterday);
    InsertPeriods(db_, kInsertStatuses, statuses);
    InsertPeriods(db_, kInsertMemberships, memberships);
  }

  // The feed events, with the member as the import left it (built from the
  // row: reading each member back would cost a statement per row).
  void AppendEvents(const std::vector<int>& creates,
                    const std::vector<int>& changes) {
    std::vector<v1::Member> payloads;
    payloads.reserve(creates.size() + changes.size());
    std::vector<ChangeRecord> events;
    auto add = [&](int i, const char* action) {
      const v1::MemberRow& row = rows_[i];
      const RowPlan& plan = plans_[i];
      v1::Member& m = payloads.emplace_back();
      m.set_name(ResourceName("members", plan.member_id));
      m.set_display_name(row.display_name());
      m.set_birth_date(row.birth_date());
      m.set_gender(row.gender());
      m.set_party_card_number(row.party_card_number().empty() &&
                                      plan.stored != nullptr
                                  ? plan.stored->party_card_number
                                  : row.party_card_number());
      m.set_citizen_id(row.citizen_id());
      m.set_external_code(row.external_code().empty() && plan.stored != nullptr
                              ? plan.stored->external_code
                              : row.external_code());
      if (plan.joined <= today_) {
        m.set_cell(ResourceName("organizations", plan.cell->id));
        m.set_status(row.status());
      }
      events.push_back({m.name(), action, plan.cell->id, nullptr});
    };
    for (int i : creates) add(i, "created");
    for (int i : changes) {
      add(i, plans_[i].change.cell ? "transferred" : "updated");
    }
    for (size_t k = 0; k < events.size(); ++k) events[k].payload = &payloads[k];
    AppendChanges(db_, call_, events);
  }

  DbConnection& db_;
  const CallContext& call_;
  const google::protobuf::RepeatedPtrField<v1::MemberRow>& rows_;
  const v1::BulkFailureMode mode_;
  const int64_t root_;
  const absl::CivilDay today_;
  v1::BulkUpsertMembersResponse* out_;
  std::vector<RowPlan> plans_;
  std::vector<int> good_;  // rows whose shape passed, in order
  std::map<std::string, CellInfo> cells_;
  std::vector<StoredMember> stored_;
  std::map<std::string, const StoredMember*> by_card_, by_code_, by_citizen_;
  std::set<int64_t> current_in_scope_;
};

}  // namespace

absl::Status RegistryStore::BulkUpsertMembers(
    const CallContext& call, const v1::BulkUpsertMembersRequest& request,
    int64_t root_id, v1::BulkUpsertMembersResponse* out) {
  const absl::CivilDay today = TodayInVietnam();
  absl::Status status;
  for (int attempt = 1; attempt <= kRaceAttempts; ++attempt) {
    status = ScopedIdempotentWrite(
        *pool_, call, "importing members", request, out, [&](DbConnection& db) {
          return Import(db, call, request, root_id, today, out).Run();
        });
    if (status.code() != absl::StatusCode::kAborted ||
        status.message() != kRaced || absl::Now() >= call.deadline) {
      break;
    }
    // The other import has committed by now (our insert waited for it).
    absl::SleepFor(absl::Milliseconds(attempt));
  }
  return status;
}

}  // namespace chibo::registry
