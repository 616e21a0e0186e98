// Meeting-day rules with their versions, and holiday calendars.

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "common/etag.h"
#include "common/idempotency.h"
#include "common/outbox.h"
#include "common/resource_name.h"
#include "common/sql_rows.h"
#include "common/sql_time.h"
#include "common/status_macros.h"
#include "services/scheduling/proto_codec.h"
#include "services/scheduling/store.h"

namespace chibo::scheduling {
namespace {

MeetingRule ReadVersion(sql::ResultSet& row, int64_t rule_id) {
  MeetingRule rule;
  rule.id = rule_id;
  rule.version = row.getInt("version");
  rule.pattern = static_cast<DayPattern>(row.getInt("pattern"));
  rule.day_of_month = row.getInt("day_of_month");
  rule.nth = row.getInt("nth");
  rule.weekday = static_cast<absl::Weekday>(row.getInt("weekday"));
  rule.start_minute = row.getInt("start_minute");
  rule.min_minutes = row.getInt("min_minutes");
  rule.combined_min_minutes = row.getInt("combined_min_minutes");
  rule.shift = static_cast<NonWorkingDayShift>(row.getInt("shift"));
  rule.effective_from = DateIn(row.getString("effective_from"));
  rule.effective_to = DateIn(row.getString("effective_to"));
  return rule;
}

std::vector<MeetingRule> LoadVersions(DbConnection& db, int64_t rule_id,
                                      std::vector<std::string>* created) {
  sql::PreparedStatement& query = db.Prepare(
      "SELECT version, pattern, day_of_month, nth, weekday, start_minute, "
      "min_minutes, combined_min_minutes, shift, effective_from, "
      "effective_to, create_time FROM meeting_rule_versions "
      "WHERE rule_id = ? ORDER BY version");
  query.setInt64(1, rule_id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  std::vector<MeetingRule> versions;
  while (row->next()) {
    versions.push_back(ReadVersion(*row, rule_id));
    if (created != nullptr) created->push_back(row->getString("create_time"));
  }
  return versions;
}

void InsertVersion(DbConnection& db, int64_t rule_id, const MeetingRule& r) {
  sql::PreparedStatement& insert = db.Prepare(
      "INSERT INTO meeting_rule_versions (rule_id, version, pattern, "
      "day_of_month, nth, weekday, start_minute, min_minutes, "
      "combined_min_minutes, shift, effective_from, effective_to, "
      "create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "UTC_TIMESTAMP(6))");
  insert.setInt64(1, rule_id);
  insert.setInt(2, r.version);
  insert.setInt(3, static_cast<int>(r.pattern));
  insert.setInt(4, r.day_of_month);
  insert.setInt(5, r.nth);
  insert.setInt(6, static_cast<int>(r.weekday));
  insert.setInt(7, r.start_minute);
  insert.setInt(8, r.min_minutes);
  insert.setInt(9, r.combined_min_minutes);
  insert.setInt(10, static_cast<int>(r.shift));
  insert.setString(11, FormatDate(r.effective_from));
  insert.setString(12, FormatDate(r.effective_to));
  insert.executeUpdate();
}

// Loads rule `id` (row-locked when `lock`) into `out`; `*version` is its
// row version (the etag).
absl::Status LoadRule(DbConnection& db, int64_t id, bool lock,
                      v1::MeetingRule* out, int64_t* version) {
  sql::PreparedStatement& query =
      lock ? db.Prepare(
                 "SELECT id, organization_id, target, category, source, "
                 "version FROM meeting_rules WHERE id = ? FOR UPDATE")
           : db.Prepare(
                 "SELECT id, organization_id, target, category, source, "
                 "version FROM meeting_rules WHERE id = ?");
  query.setInt64(1, id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) {
    return absl::NotFoundError(
        absl::StrCat(ResourceName("meetingRules", id), " does not exist"));
  }
  out->Clear();
  out->set_name(ResourceName("meetingRules", id));
  out->set_organization(
      ResourceName("organizations", row->getInt64("organization_id")));
  out->set_target(static_cast<v1::RuleTarget>(row->getInt("target")));
  out->set_category(row->getInt("category"));
  out->set_source(row->getString("source"));
  *version = row->getInt64("version");
  out->set_etag(MakeEtag(*version));
  std::vector<std::string> created;
  for (const MeetingRule& rule : LoadVersions(db, id, &created)) {
    v1::MeetingRuleVersion* v = out->add_versions();
    RuleToProto(rule, v);
    *v->mutable_create_time() =
        SqlToTimestamp(created[out->versions_size() - 1]);
  }
  return absl::OkStatus();
}

// Calendar `version` of `year` (0: the latest); NOT_FOUND when none.
absl::Status LoadCalendar(DbConnection& db, int year, int version,
                          v1::HolidayCalendar* out) {
  sql::PreparedStatement& query =
      version > 0
          ? db.Prepare(
                "SELECT version, source, create_time FROM holiday_calendars "
                "WHERE year = ? AND version = ?")
          : db.Prepare(
                "SELECT version, source, create_time FROM holiday_calendars "
                "WHERE year = ? ORDER BY version DESC LIMIT 1");
  query.setInt(1, year);
  if (version > 0) query.setInt(2, version);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) {
    return absl::NotFoundError(absl::StrCat(
        "holidayCalendars/", year,
        version > 0 ? absl::StrCat(" version ", version) : std::string(),
        " does not exist"));
  }
  out->Clear();
  out->set_year(year);
  out->set_version(row->getInt("version"));
  out->set_source(row->getString("source"));
  *out->mutable_create_time() = SqlToTimestamp(row->getString("create_time"));
  sql::PreparedStatement& days = db.Prepare(
      "SELECT day, title FROM holidays WHERE year = ? AND version = ? "
      "ORDER BY day");
  days.setInt(1, year);
  days.setInt(2, out->version());
  std::unique_ptr<sql::ResultSet> day(days.executeQuery());
  while (day->next()) {
    v1::Holiday* holiday = out->add_holidays();
    holiday->set_date(day->getString("day"));
    holiday->set_title(day->getString("title"));
  }
  sql::PreparedStatement& worked = db.Prepare(
      "SELECT day, title FROM holiday_working_days WHERE year = ? AND "
      "version = ? ORDER BY day");
  worked.setInt(1, year);
  worked.setInt(2, out->version());
  std::unique_ptr<sql::ResultSet> work(worked.executeQuery());
  while (work->next()) {
    v1::Holiday* day_worked = out->add_working_days();
    day_worked->set_date(work->getString("day"));
    day_worked->set_title(work->getString("title"));
  }
  return absl::OkStatus();
}

int64_t OrganizationOfRule(const v1::MeetingRule& rule) {
  auto id = ParseResourceId(rule.organization(), "organizations", "rule");
  return id.ok() ? *id : 0;
}

}  // namespace

absl::Status SchedulingStore::CreateRule(
    const CallContext& call, const v1::CreateMeetingRuleRequest& request,
    int64_t organization_id, const MeetingRule& first, v1::MeetingRule* out) {
  return IdempotentWrite(
      *pool_, call, "creating a meeting rule", request, out,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& insert = db.Prepare(
            "INSERT INTO meeting_rules (organization_id, target, category, "
            "source, version, created_by, create_time) VALUES "
            "(?, ?, ?, ?, 1, ?, UTC_TIMESTAMP(6))");
        insert.setInt64(1, organization_id);
        insert.setInt(2, request.rule().target());
        insert.setInt(3, request.rule().category());
        insert.setString(4, request.rule().source());
        insert.setString(5, call.caller.subject);
        insert.executeUpdate();
        const int64_t id = LastInsertId(db);
        MeetingRule version = first;
        version.version = 1;
        InsertVersion(db, id, version);
        int64_t row_version = 0;
        RETURN_IF_ERROR(LoadRule(db, id, false, out, &row_version));
        BumpRuleDataGeneration(db);
        AppendChange(db, call, {out->name(), "created", organization_id, out});
        return absl::OkStatus();
      });
}

absl::Status SchedulingStore::GetRule(const CallContext& call, int64_t id,
                                      v1::MeetingRule* out) {
  return WithConnection(*pool_, call.deadline, "reading a meeting rule",
                        TxMode::kRead, [&](DbConnection& db) {
                          int64_t version = 0;
                          return LoadRule(db, id, false, out, &version);
                        });
}

absl::Status SchedulingStore::ListRules(const CallContext& call,
                                        int64_t organization_id,
                                        int64_t after_id, int limit,
                                        v1::ListMeetingRulesResponse* out,
                                        bool* more) {
  return WithConnection(
      *pool_, call.deadline, "listing meeting rules", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query = db.Prepare(
            "SELECT id FROM meeting_rules WHERE organization_id = ? AND "
            "id > ? ORDER BY id LIMIT ?");
        query.setInt64(1, organization_id);
        query.setInt64(2, after_id);
        query.setInt(3, limit + 1);
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        std::vector<int64_t> ids;
        while (row->next()) ids.push_back(row->getInt64(1));
        *more = static_cast<int>(ids.size()) > limit;
        if (*more) ids.pop_back();
        for (int64_t id : ids) {
          int64_t version = 0;
          RETURN_IF_ERROR(LoadRule(db, id, false, out->add_rules(), &version));
        }
        return absl::OkStatus();
      });
}

absl::Status SchedulingStore::ReviseRule(
    const CallContext& call, const v1::ReviseMeetingRuleRequest& request,
    int64_t id, MeetingRule next, v1::MeetingRule* out) {
  return IdempotentWrite(
      *pool_, call, "revising a meeting rule", request, out,
      [&](DbConnection& db) -> absl::Status {
        int64_t row_version = 0;
        RETURN_IF_ERROR(LoadRule(db, id, true, out, &row_version));
        RETURN_IF_ERROR(CheckEtag(request.etag(), row_version, out->name()));
        std::vector<MeetingRule> versions = LoadVersions(db, id, nullptr);
        const MeetingRule& latest = versions.back();
        if (next.effective_from <= latest.effective_from) {
          return absl::InvalidArgumentError(absl::StrCat(
              "version.effective_from: must be after the latest version's (",
              FormatDate(latest.effective_from),
              "); versions are history and are never rewritten"));
        }
        // The latest version ends the day before the new one starts.
        sql::PreparedStatement& close = db.Prepare(
            "UPDATE meeting_rule_versions SET effective_to = ? WHERE "
            "rule_id = ? AND version = ? AND effective_to >= ?");
        close.setString(1, FormatDate(next.effective_from - 1));
        close.setInt64(2, id);
        close.setInt(3, latest.version);
        close.setString(4, FormatDate(next.effective_from));
        close.executeUpdate();
        next.version = latest.version + 1;
        InsertVersion(db, id, next);
        sql::PreparedStatement& bump = db.Prepare(
            "UPDATE meeting_rules SET version = version + 1 WHERE id = ?");
        bump.setInt64(1, id);
        bump.executeUpdate();
        RETURN_IF_ERROR(LoadRule(db, id, false, out, &row_version));
        BumpRuleDataGeneration(db);
        AppendChange(db, call,
                     {out->name(), "revised", OrganizationOfRule(*out), out});
        return absl::OkStatus();
      });
}

std::optional<int64_t> SchedulingStore::RuleDataGeneration(DbConnection& db) {
  std::unique_ptr<sql::ResultSet> row(
      db.Prepare("SELECT generation FROM rule_data_generation WHERE id = 1")
          .executeQuery());
  if (!row->next()) return std::nullopt;
  return row->getInt64(1);
}

namespace {

constexpr char kRuleDataMovedPayload[] = "chibo.scheduling/rule_data_moved";

}  // namespace

absl::Status SchedulingStore::ConfirmRuleDataGeneration(DbConnection& db,
                                                        int64_t generation) {
  // One read per transaction: the records of a group share it.
  // Its address is the key; not const, so no linker can merge it with
  // another key's.
  static char slot_key;
  std::shared_ptr<void>& slot = db.TransactionSlot(&slot_key);
  if (slot == nullptr) {
    slot = std::make_shared<std::optional<int64_t>>(RuleDataGeneration(db));
  }
  if (*static_cast<std::optional<int64_t>*>(slot.get()) == generation) {
    return absl::OkStatus();
  }
  absl::Status moved = absl::AbortedError(
      "the meeting rules or holiday calendars changed while the record was "
      "checked; retry");
  moved.SetPayload(kRuleDataMovedPayload, absl::Cord("1"));
  return moved;
}

bool SchedulingStore::RuleDataMoved(const absl::Status& status) {
  return status.GetPayload(kRuleDataMovedPayload).has_value();
}

void SchedulingStore::BumpRuleDataGeneration(DbConnection& db) {
  // Taken late in each rule write, after its own rows; only the three rule
  // writes take it, so no two of them wait on each other in opposite
  // order. A missing row comes back with this write.
  db.Prepare(
        "INSERT INTO rule_data_generation (id, generation) VALUES (1, 1) "
        "ON DUPLICATE KEY UPDATE generation = generation + 1")
      .executeUpdate();
}

bool SchedulingStore::UseKeptRuleData(std::optional<int64_t> generation) {
  if (!generation) return false;
  const absl::Time now = absl::Now();
  const bool fresh = KeptRuleDataYoung(now);
  if (*generation == rule_data_generation_ && fresh) return true;
  if (*generation < rule_data_generation_ && fresh) return false;
  rule_data_generation_ = *generation;
  rule_data_since_ = now;
  rules_by_owner_.clear();
  holidays_by_years_.clear();
  return true;
}

namespace {

// The rules of `owners`, by owner (an owner without rules maps to none).
std::map<int64_t, std::vector<ScopedRule>> ReadRulesOf(
    DbConnection& db, const std::vector<int64_t>& owners) {
  std::map<int64_t, std::vector<ScopedRule>> rules;
  for (int64_t id : owners) rules[id];  // none is an answer too
  // The owners as a semi-join: MariaDB materialises them once and the few
  // rules probe them. As a plain join it scanned the JSON table once per
  // rule version (5.7 against 1.3 ms for a page of 1,000 cells).
  sql::PreparedStatement& query = db.Prepare(
      "SELECT r.id AS rule_id, r.organization_id, r.target, "
      "r.category, v.version, v.pattern, v.day_of_month, v.nth, "
      "v.weekday, v.start_minute, v.min_minutes, "
      "v.combined_min_minutes, v.shift, v.effective_from, "
      "v.effective_to "
      "FROM meeting_rules r "
      "JOIN meeting_rule_versions v ON v.rule_id = r.id "
      "WHERE r.organization_id IN (SELECT w.wanted FROM JSON_TABLE(?, "
      "'$[*]' COLUMNS (wanted BIGINT PATH '$')) AS w) "
      "ORDER BY r.organization_id, r.id, v.version");
  query.setString(1, JsonIdArray(owners));
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  while (row->next()) {
    ScopedRule scoped;
    scoped.scope.organization_id = row->getInt64("organization_id");
    const int target = row->getInt("target");
    scoped.scope.for_cell_itself = target == v1::RULE_TARGET_CELL;
    scoped.scope.category =
        target == v1::RULE_TARGET_CATEGORY ? row->getInt("category") : 0;
    scoped.rule = ReadVersion(*row, row->getInt64("rule_id"));
    rules[scoped.scope.organization_id].push_back(std::move(scoped));
  }
  return rules;
}

}  // namespace

absl::Status SchedulingStore::RulesOn(DbConnection& db,
                                      std::optional<int64_t> generation,
                                      const std::set<int64_t>& organization_ids,
                                      std::vector<ScopedRule>* out) {
  // owner -> its rules: the kept ones, then the rest from the database.
  std::map<int64_t, std::vector<ScopedRule>> found;
  std::vector<int64_t> missing;
  bool keep = false;
  {
    std::lock_guard<std::mutex> lock(rule_data_mu_);
    keep = UseKeptRuleData(generation);
    for (int64_t id : organization_ids) {
      auto kept = rules_by_owner_.find(id);
      if (!keep || kept == rules_by_owner_.end()) {
        missing.push_back(id);
      } else {
        found[id] = kept->second;
      }
    }
  }
  if (!missing.empty()) {
    std::map<int64_t, std::vector<ScopedRule>> loaded =
        ReadRulesOf(db, missing);
    {
      // Read at `generation` or later: kept under it, and retired by the
      // next bump either way.
      std::lock_guard<std::mutex> lock(rule_data_mu_);
      if (keep && rule_data_generation_ == *generation) {
        if (rules_by_owner_.size() + loaded.size() > kMaxKeptRuleOwners) {
          rules_by_owner_.clear();
        }
        rules_by_owner_.insert(loaded.begin(), loaded.end());
      }
    }
    found.merge(loaded);
  }
  // By owner, and within one as the statement orders them.
  out->clear();
  for (auto& [owner, owned] : found) {
    for (ScopedRule& rule : owned) out->push_back(std::move(rule));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ScopedRule>> SchedulingStore::LoadRules(
    const CallContext& call, const std::set<int64_t>& organization_ids) {
  std::vector<ScopedRule> rules;
  if (organization_ids.empty()) return rules;
  RETURN_IF_ERROR(WithConnection(*pool_, call.deadline, "loading meeting rules",
                                 TxMode::kRead, [&](DbConnection& db) {
                                   return RulesOn(db, RuleDataGeneration(db),
                                                  organization_ids, &rules);
                                 }));
  return rules;
}

std::optional<int64_t> SchedulingStore::KeptRulesAndHolidays(
    const std::set<int64_t>& organization_ids, int first_year, int last_year,
    std::vector<ScopedRule>* rules, LoadedHolidays* holidays) {
  if (rule_data_generation_ < 0 || !KeptRuleDataYoung(absl::Now())) {
    return std::nullopt;
  }
  auto held = holidays_by_years_.find({first_year, last_year});
  if (held == holidays_by_years_.end()) return std::nullopt;
  for (int64_t id : organization_ids) {
    if (rules_by_owner_.count(id) == 0) return std::nullopt;
  }
  rules->clear();
  for (int64_t id : organization_ids) {
    const std::vector<ScopedRule>& owned = rules_by_owner_.at(id);
    rules->insert(rules->end(), owned.begin(), owned.end());
  }
  *holidays = held->second;
  return rule_data_generation_;
}

absl::Status SchedulingStore::LoadRulesAndHolidays(
    const CallContext& call, const std::set<int64_t>& organization_ids,
    int first_year, int last_year, std::vector<ScopedRule>* rules,
    LoadedHolidays* holidays, std::optional<int64_t>* unconfirmed) {
  if (unconfirmed != nullptr) {
    std::lock_guard<std::mutex> lock(rule_data_mu_);
    *unconfirmed = KeptRulesAndHolidays(organization_ids, first_year, last_year,
                                        rules, holidays);
    if (*unconfirmed) return absl::OkStatus();
  }
  return WithConnection(
      *pool_, call.deadline, "loading meeting rules and holidays",
      TxMode::kRead, [&](DbConnection& db) -> absl::Status {
        const std::optional<int64_t> generation = RuleDataGeneration(db);
        RETURN_IF_ERROR(RulesOn(db, generation, organization_ids, rules));
        return HolidaysOn(db, generation, first_year, last_year, holidays);
      });
}

absl::Status SchedulingStore::SetHolidays(
    const CallContext& call, const v1::SetHolidayCalendarRequest& request,
    const std::vector<absl::CivilDay>& days,
    const std::vector<absl::CivilDay>& working_days, v1::HolidayCalendar* out) {
  const int year = request.calendar().year();
  return IdempotentWrite(
      *pool_, call, "setting a holiday calendar", request, out,
      [&](DbConnection& db) -> absl::Status {
        // Locks the year's versions: concurrent writers queue here and
        // each gets the next number.
        sql::PreparedStatement& latest = db.Prepare(
            "SELECT version FROM holiday_calendars WHERE year = ? "
            "ORDER BY version DESC LIMIT 1 FOR UPDATE");
        latest.setInt(1, year);
        std::unique_ptr<sql::ResultSet> row(latest.executeQuery());
        const int version = row->next() ? row->getInt(1) + 1 : 1;
        sql::PreparedStatement& insert = db.Prepare(
            "INSERT INTO holiday_calendars (year, version, source, "
            "created_by, create_time) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))");
        insert.setInt(1, year);
        insert.setInt(2, version);
        insert.setString(3, request.calendar().source());
        insert.setString(4, call.caller.subject);
        insert.executeUpdate();
        sql::PreparedStatement& day = db.Prepare(
            "INSERT INTO holidays (year, version, day, title) VALUES "
            "(?, ?, ?, ?)");
        for (size_t i = 0; i < days.size(); ++i) {
          day.setInt(1, year);
          day.setInt(2, version);
          day.setString(3, FormatDate(days[i]));
          day.setString(4, request.calendar().holidays(i).title());
          day.executeUpdate();
        }
        sql::PreparedStatement& worked = db.Prepare(
            "INSERT INTO holiday_working_days (year, version, day, title) "
            "VALUES (?, ?, ?, ?)");
        for (size_t i = 0; i < working_days.size(); ++i) {
          worked.setInt(1, year);
          worked.setInt(2, version);
          worked.setString(3, FormatDate(working_days[i]));
          worked.setString(4, request.calendar().working_days(i).title());
          worked.executeUpdate();
        }
        RETURN_IF_ERROR(LoadCalendar(db, year, version, out));
        BumpRuleDataGeneration(db);
        AppendChange(db, call,
                     {absl::StrCat("holidayCalendars/", year), "set", 0, out});
        return absl::OkStatus();
      });
}

absl::Status SchedulingStore::GetHolidays(const CallContext& call, int year,
                                          int version,
                                          v1::HolidayCalendar* out) {
  return WithConnection(
      *pool_, call.deadline, "reading a holiday calendar", TxMode::kRead,
      [&](DbConnection& db) { return LoadCalendar(db, year, version, out); });
}

absl::StatusOr<std::shared_ptr<const SchedulingStore::CalendarDays>>
SchedulingStore::DaysOf(DbConnection& db, int year, int version) {
  {
    std::lock_guard<std::mutex> lock(calendars_mu_);
    auto it = calendars_.find({year, version});
    if (it != calendars_.end()) return it->second;
  }
  v1::HolidayCalendar calendar;
  RETURN_IF_ERROR(LoadCalendar(db, year, version, &calendar));
  auto days = std::make_shared<CalendarDays>();
  for (const v1::Holiday& holiday : calendar.holidays()) {
    days->holidays.insert(DateIn(holiday.date()));
  }
  for (const v1::Holiday& worked : calendar.working_days()) {
    days->working_days.insert(DateIn(worked.date()));
  }
  std::lock_guard<std::mutex> lock(calendars_mu_);
  // A few versions per year are ever set; the bound is against surprises.
  if (calendars_.size() >= 256) calendars_.clear();
  return calendars_.emplace(std::make_pair(year, version), std::move(days))
      .first->second;
}

absl::Status SchedulingStore::HolidaysOn(DbConnection& db,
                                         std::optional<int64_t> generation,
                                         int first_year, int last_year,
                                         LoadedHolidays* out) {
  LoadedHolidays loaded;
  bool keep = false;
  {
    std::lock_guard<std::mutex> lock(rule_data_mu_);
    keep = UseKeptRuleData(generation);
    auto held = holidays_by_years_.find({first_year, last_year});
    if (keep && held != holidays_by_years_.end()) {
      *out = held->second;
      return absl::OkStatus();
    }
  }
  // One statement names each year's latest version; the days of a version
  // are read once per process (versions never change).
  sql::PreparedStatement& latest = db.Prepare(
      "SELECT year, MAX(version) FROM holiday_calendars "
      "WHERE year BETWEEN ? AND ? GROUP BY year");
  latest.setInt(1, first_year);
  latest.setInt(2, last_year);
  std::map<int, int> versions;
  {
    std::unique_ptr<sql::ResultSet> row(latest.executeQuery());
    while (row->next()) versions[row->getInt(1)] = row->getInt(2);
  }
  std::set<absl::CivilDay> days;
  std::set<absl::CivilDay> working_days;
  for (int year = first_year; year <= last_year; ++year) {
    auto version = versions.find(year);
    if (version == versions.end()) {
      loaded.versions.push_back(absl::StrCat(year, " none"));
      loaded.years_without.push_back(year);
      continue;
    }
    ASSIGN_OR_RETURN(std::shared_ptr<const CalendarDays> held,
                     DaysOf(db, year, version->second));
    loaded.versions.push_back(absl::StrCat(year, " v", version->second));
    days.insert(held->holidays.begin(), held->holidays.end());
    working_days.insert(held->working_days.begin(), held->working_days.end());
  }
  loaded.calendar = WorkingCalendar(std::move(days), std::move(working_days));
  {
    std::lock_guard<std::mutex> lock(rule_data_mu_);
    if (keep && rule_data_generation_ == *generation) {
      // A few ranges of years are ever asked; the bound is against
      // surprises.
      if (holidays_by_years_.size() >= 256) holidays_by_years_.clear();
      holidays_by_years_[{first_year, last_year}] = loaded;
    }
  }
  *out = std::move(loaded);
  return absl::OkStatus();
}

absl::StatusOr<LoadedHolidays> SchedulingStore::LoadHolidays(
    const CallContext& call, int first_year, int last_year) {
  LoadedHolidays loaded;
  RETURN_IF_ERROR(WithConnection(*pool_, call.deadline, "loading holidays",
                                 TxMode::kRead, [&](DbConnection& db) {
                                   return HolidaysOn(db, RuleDataGeneration(db),
                                                     first_year, last_year,
                                                     &loaded);
                                 }));
  return loaded;
}

}  // namespace chibo::scheduling
