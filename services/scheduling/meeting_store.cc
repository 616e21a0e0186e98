// Postponements, meeting records (documents, attendance, tasks, topics).

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <tuple>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/dates.h"
#include "common/etag.h"
#include "common/idempotency.h"
#include "common/log.h"
#include "common/outbox.h"
#include "common/resource_name.h"
#include "common/sql_rows.h"
#include "common/sql_time.h"
#include "common/status_macros.h"
#include "services/scheduling/attendance_digest.h"
#include "services/scheduling/proto_codec.h"
#include "services/scheduling/record_update_store.h"
#include "services/scheduling/store.h"
#include "services/scheduling/vote_store.h"

namespace chibo::scheduling {
namespace {

// "2025-03-01 14:00:00" (a DATETIME column) -> civil minute.
absl::CivilMinute MinuteIn(const std::string& text) {
  if (text.size() < 16) return absl::CivilMinute();
  std::string iso = text.substr(0, 16);
  iso[10] = 'T';
  auto parsed = ParseLocalDateTime(iso, "time");
  return parsed.ok() ? *parsed : absl::CivilMinute();
}

std::string MinuteOut(absl::CivilMinute minute) {
  std::string text = FormatLocalDateTime(minute);
  text[10] = ' ';
  return absl::StrCat(text, ":00");
}

void ReadPostponement(sql::ResultSet& row, v1::Postponement* out) {
  out->set_name(ResourceName("postponements", row.getInt64("id")));
  out->set_cell(ResourceName("organizations", row.getInt64("cell_id")));
  out->set_nominal_date(row.getString("nominal_day"));
  out->set_sequence(row.getInt("sequence"));
  out->set_previous_date(row.getString("previous_day"));
  out->set_new_date(row.getString("new_day"));
  out->set_new_time(FormatTimeOfDay(row.getInt("new_start_minute")));
  out->set_reason(row.getString("reason"));
  out->set_reported_by(row.getString("reported_by"));
  *out->mutable_report_time() = SqlToTimestamp(row.getString("report_time"));
  const absl::CivilDay reported_day = absl::ToCivilDay(
      absl::FromUnixSeconds(out->report_time().seconds()), VietnamTimeZone());
  out->set_reported_late(
      ReportedLate(DateIn(out->previous_date()), reported_day));
}

#define CHIBO_POSTPONEMENT_COLUMNS                              \
  "id, cell_id, nominal_day, sequence, previous_day, new_day, " \
  "new_start_minute, reason, reported_by, report_time"

void ReadTask(sql::ResultSet& row, v1::Task* out) {
  out->set_name(ResourceName("tasks", row.getInt64("id")));
  out->set_meeting(ResourceName("meetings", row.getInt64("meeting_id")));
  out->set_cell(ResourceName("organizations", row.getInt64("cell_id")));
  out->set_title(row.getString("title"));
  out->set_assignee(row.getString("assignee"));
  out->set_due_date(row.getString("due_day"));
  out->set_status(static_cast<v1::TaskStatus>(row.getInt("status")));
  out->set_etag(MakeEtag(row.getInt64("version")));
}

absl::Status LoadTask(DbConnection& db, int64_t id, bool lock, v1::Task* out,
                      int64_t* version) {
  sql::PreparedStatement& query =
      lock ? db.Prepare(
                 "SELECT id, meeting_id, cell_id, title, assignee, due_day, "
                 "status, version FROM tasks WHERE id = ? FOR UPDATE")
           : db.Prepare(
                 "SELECT id, meeting_id, cell_id, title, assignee, due_day, "
                 "status, version FROM tasks WHERE id = ?");
  query.setInt64(1, id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) {
    return absl::NotFoundError(
        absl::StrCat(ResourceName("tasks", id), " does not exist"));
  }
  ReadTask(*row, out);
  *version = row->getInt64("version");
  return absl::OkStatus();
}

// A document is in time when members could read it a full day before.
bool InTime(absl::CivilMinute available, absl::CivilMinute start) {
  return available != absl::CivilMinute() && available <= start - 24 * 60;
}

void LoadAttendance(DbConnection& db, int64_t meeting_id,
                    std::vector<v1::Attendance>* out) {
  sql::PreparedStatement& query = db.Prepare(
      "SELECT member_id, mark, reason FROM attendance WHERE meeting_id = ? "
      "ORDER BY member_id");
  query.setInt64(1, meeting_id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  while (row->next()) {
    v1::Attendance entry;
    entry.set_member(ResourceName("members", row->getInt64("member_id")));
    entry.set_mark(static_cast<v1::AttendanceMark>(row->getInt("mark")));
    entry.set_reason(row->getString("reason"));
    out->push_back(std::move(entry));
  }
}

std::vector<AttendanceEntry> ToRuleAttendance(
    const std::vector<v1::Attendance>& attendance) {
  std::vector<AttendanceEntry> entries;
  for (const v1::Attendance& a : attendance) {
    auto id = ParseResourceId(a.member(), "members", "member");
    entries.push_back({id.ok() ? *id : 0, MarkFromProto(a.mark())});
  }
  return entries;
}

// The parts of a record LoadRecord reads beyond its row and attendance. A
// record just written reads back only the parts it wrote: each is one
// more statement, and RecordMeeting ran six for parts a plain record does
// not have.
struct RecordParts {
  bool attendance = true;  // false: the caller filled it in
  bool documents = true;
  bool vote = true;  // the vote and the members' vote facts
  bool tasks = true;
  bool topics = true;
};

// Everything of record `id` beyond its row (read into `out` already, the
// meeting starting at `start`): the parts asked for, its attendance unless
// `out` holds it, and the attendance rate.
absl::Status LoadRecordParts(DbConnection& db, int64_t id,
                             absl::CivilMinute start, const RecordParts& parts,
                             v1::MeetingRecord* out) {
  std::unique_ptr<sql::ResultSet> doc;
  if (parts.documents) {
    sql::PreparedStatement& docs = db.Prepare(
        "SELECT number, issue_date, issuing_body, title, link, "
        "available_time FROM meeting_documents WHERE meeting_id = ? "
        "ORDER BY position");
    docs.setInt64(1, id);
    doc.reset(docs.executeQuery());
  }
  while (doc != nullptr && doc->next()) {
    v1::DocumentReference* d = out->add_documents();
    d->set_number(doc->getString("number"));
    if (!doc->isNull("issue_date")) d->set_issue_date(doc->getString(2));
    d->set_issuing_body(doc->getString("issuing_body"));
    d->set_title(doc->getString("title"));
    d->set_link(doc->getString("link"));
    if (!doc->isNull("available_time")) {
      const absl::CivilMinute available =
          MinuteIn(doc->getString("available_time"));
      d->set_available_time(FormatLocalDateTime(available));
      d->set_available_in_time(InTime(available, start));
    }
  }
  if (parts.attendance) {
    std::vector<v1::Attendance> attendance;
    LoadAttendance(db, id, &attendance);
    for (auto& a : attendance) *out->add_attendance() = std::move(a);
  }
  if (parts.vote) LoadVote(db, id, out);
  out->set_attendance_rate(AttendanceRate(
      ToRuleAttendance({out->attendance().begin(), out->attendance().end()})));

  if (parts.tasks) {
    sql::PreparedStatement& tasks = db.Prepare(
        "SELECT id, meeting_id, cell_id, title, assignee, due_day, status, "
        "version FROM tasks WHERE meeting_id = ? ORDER BY id");
    tasks.setInt64(1, id);
    std::unique_ptr<sql::ResultSet> task(tasks.executeQuery());
    while (task->next()) ReadTask(*task, out->add_tasks());
  }
  if (parts.topics) {
    sql::PreparedStatement& topics = db.Prepare(
        "SELECT topic_id FROM meeting_topics WHERE meeting_id = ? "
        "ORDER BY topic_id");
    topics.setInt64(1, id);
    std::unique_ptr<sql::ResultSet> topic(topics.executeQuery());
    while (topic->next()) {
      out->add_topics(ResourceName("topics", topic->getInt64(1)));
    }
  }
  return absl::OkStatus();
}

absl::Status LoadRecord(DbConnection& db, int64_t id, v1::MeetingRecord* out,
                        const RecordParts& parts = {}) {
  sql::PreparedStatement& query = db.Prepare(
      "SELECT id, cell_id, nominal_day, kind, form, start_time, end_time, "
      "chair_member_id, secretary_member_id, guests, agenda, conclusions, "
      "resolution, rule_id, rule_version, min_minutes, recorded_by, "
      "create_time, version FROM meetings WHERE id = ?");
  query.setInt64(1, id);
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) {
    return absl::NotFoundError(
        absl::StrCat(ResourceName("meetings", id), " does not exist"));
  }
  out->Clear();
  out->set_name(ResourceName("meetings", id));
  out->set_cell(ResourceName("organizations", row->getInt64("cell_id")));
  if (!row->isNull("nominal_day")) {
    out->set_nominal_date(row->getString("nominal_day"));
  }
  out->set_kind(static_cast<v1::MeetingKind>(row->getInt("kind")));
  out->set_form(static_cast<v1::MeetingForm>(row->getInt("form")));
  const absl::CivilMinute start = MinuteIn(row->getString("start_time"));
  const absl::CivilMinute end = MinuteIn(row->getString("end_time"));
  out->set_start_time(FormatLocalDateTime(start));
  out->set_end_time(FormatLocalDateTime(end));
  if (!row->isNull("chair_member_id")) {
    out->set_chair(ResourceName("members", row->getInt64("chair_member_id")));
  }
  if (!row->isNull("secretary_member_id")) {
    out->set_secretary(
        ResourceName("members", row->getInt64("secretary_member_id")));
  }
  const std::string guests = row->getString("guests");
  for (absl::string_view guest :
       absl::StrSplit(guests, '\n', absl::SkipEmpty())) {
    out->add_guests(std::string(guest));
  }
  out->set_agenda(row->getString("agenda"));
  out->set_conclusions(row->getString("conclusions"));
  out->set_resolution(row->getString("resolution"));
  if (row->getInt64("rule_id") != 0) {
    out->set_rule(ResourceName("meetingRules", row->getInt64("rule_id")));
    out->set_rule_version(row->getInt("rule_version"));
  }
  const int min_minutes = row->getInt("min_minutes");
  out->set_recorded_by(row->getString("recorded_by"));
  *out->mutable_create_time() = SqlToTimestamp(row->getString("create_time"));
  out->set_etag(MakeEtag(row->getInt64("version")));
  const int length = static_cast<int>(end - start);
  out->set_length_minutes(length);
  out->set_meets_minimum_length(length >= min_minutes);

  return LoadRecordParts(db, id, start, parts, out);
}

// What LoadRecord reads of a record's row and its marks, for a record
// just inserted from `r` and `record` as row `id` (version 1).
void RecordAsWritten(const v1::MeetingRecord& r, const NewRecord& record,
                     int64_t id, const std::string& recorded_by,
                     const std::string& create_time, v1::MeetingRecord* out) {
  out->Clear();
  out->set_name(ResourceName("meetings", id));
  out->set_cell(ResourceName("organizations", record.cell_id));
  if (record.nominal_day)
    out->set_nominal_date(FormatDate(*record.nominal_day));
  out->set_kind(r.kind());
  out->set_form(r.form());
  out->set_start_time(FormatLocalDateTime(record.start));
  out->set_end_time(FormatLocalDateTime(record.end));
  if (record.chair_id != 0) {
    out->set_chair(ResourceName("members", record.chair_id));
  }
  if (record.secretary_id != 0) {
    out->set_secretary(ResourceName("members", record.secretary_id));
  }
  *out->mutable_guests() = r.guests();  // one non-empty line each
  out->set_agenda(r.agenda());
  out->set_conclusions(r.conclusions());
  out->set_resolution(r.resolution());
  if (record.rule_id != 0) {
    out->set_rule(ResourceName("meetingRules", record.rule_id));
    out->set_rule_version(record.rule_version);
  }
  out->set_recorded_by(recorded_by);
  *out->mutable_create_time() = SqlToTimestamp(create_time);
  out->set_etag(MakeEtag(1));
  const int length = static_cast<int>(record.end - record.start);
  out->set_length_minutes(length);
  out->set_meets_minimum_length(length >= record.min_minutes);
  std::vector<const NewAttendance*> by_member;
  for (const NewAttendance& a : record.attendance) by_member.push_back(&a);
  std::sort(by_member.begin(), by_member.end(),
            [](const NewAttendance* a, const NewAttendance* b) {
              return a->member_id < b->member_id;
            });
  for (const NewAttendance* a : by_member) {
    v1::Attendance* entry = out->add_attendance();
    entry->set_member(ResourceName("members", a->member_id));
    entry->set_mark(a->mark);
    entry->set_reason(a->reason);
  }
}

// Makes the writers of one meeting (its record, its postponements) take
// turns: locks the meeting's slot row (0007_meeting_slots.sql), creating it
// the first time. Under REPEATABLE READ it must be the first statement of
// the transaction (the snapshot is taken at the first read, after the lock
// was granted); under READ COMMITTED, as records are written (a group of
// records is one transaction, see store.h), each read after it sees
// everything an earlier writer of the meeting committed. A record lock
// only: a locking read of the
// meeting's postponements locked, when there were none, the gap shared
// with other meetings, and concurrent postponements deadlocked on it.
void LockMeeting(DbConnection& db, int64_t cell_id,
                 absl::CivilDay nominal_day) {
  sql::PreparedStatement& lock = db.Prepare(
      "INSERT INTO meeting_slots (cell_id, nominal_day) VALUES (?, ?) "
      "ON DUPLICATE KEY UPDATE cell_id = cell_id");
  lock.setInt64(1, cell_id);
  lock.setString(2, FormatDate(nominal_day));
  lock.executeUpdate();
}

// The meeting's postponements, oldest first (under LockMeeting).
std::vector<v1::Postponement> PostponementsOf(DbConnection& db, int64_t cell_id,
                                              absl::CivilDay nominal_day) {
  sql::PreparedStatement& query =
      db.Prepare("SELECT " CHIBO_POSTPONEMENT_COLUMNS
                 " FROM postponements WHERE cell_id = ? AND nominal_day = ? "
                 "ORDER BY sequence");
  query.setInt64(1, cell_id);
  query.setString(2, FormatDate(nominal_day));
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  std::vector<v1::Postponement> out;
  while (row->next()) {
    out.emplace_back();
    ReadPostponement(*row, &out.back());
  }
  return out;
}

std::optional<int64_t> RecordOf(DbConnection& db, int64_t cell_id,
                                absl::CivilDay nominal_day) {
  sql::PreparedStatement& query = db.Prepare(
      "SELECT id FROM meetings WHERE cell_id = ? AND nominal_day = ?");
  query.setInt64(1, cell_id);
  query.setString(2, FormatDate(nominal_day));
  std::unique_ptr<sql::ResultSet> row(query.executeQuery());
  if (!row->next()) return std::nullopt;
  return row->getInt64(1);
}

}  // namespace

absl::Status SchedulingStore::Postpone(
    const CallContext& call, const v1::PostponeMeetingRequest& request,
    int64_t cell_id, absl::CivilDay nominal_day, absl::CivilDay scheduled_day,
    absl::CivilDay new_day, int new_start_minute,
    std::optional<absl::CivilDay> backfill_reported_day,
    v1::Postponement* out) {
  return IdempotentWrite(
      *pool_, call, "postponing a meeting", request, out,
      [&](DbConnection& db) -> absl::Status {
        LockMeeting(db, cell_id, nominal_day);
        const std::vector<v1::Postponement> earlier =
            PostponementsOf(db, cell_id, nominal_day);
        if (std::optional<int64_t> record =
                RecordOf(db, cell_id, nominal_day)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "nominal_date: the meeting of ", FormatDate(nominal_day),
              " was already held (", ResourceName("meetings", *record), ")"));
        }
        const absl::CivilDay due =
            earlier.empty() ? scheduled_day : DateIn(earlier.back().new_date());
        if (backfill_reported_day) {
          RETURN_IF_ERROR(CheckBackfilledPostponement(
              due, new_day, *backfill_reported_day, TodayInVietnam()));
        } else {
          RETURN_IF_ERROR(CheckPostponement(due, new_day, TodayInVietnam()));
        }
        sql::PreparedStatement& insert = db.Prepare(
            "INSERT INTO postponements (cell_id, nominal_day, sequence, "
            "previous_day, new_day, new_start_minute, reason, reported_by, "
            "report_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
            "COALESCE(?, UTC_TIMESTAMP(6)))");
        insert.setInt64(1, cell_id);
        insert.setString(2, FormatDate(nominal_day));
        insert.setInt(3, static_cast<int>(earlier.size()) + 1);
        insert.setString(4, FormatDate(due));
        insert.setString(5, FormatDate(new_day));
        insert.setInt(6, new_start_minute);
        insert.setString(7, request.reason());
        insert.setString(8, call.caller.on_behalf_of.empty()
                                ? call.caller.subject
                                : call.caller.on_behalf_of);
        if (backfill_reported_day) {
          insert.setString(9, TimestampToSql(request.report_time()));
        } else {
          insert.setNull(9, 0);
        }
        insert.executeUpdate();
        sql::PreparedStatement& query =
            db.Prepare("SELECT " CHIBO_POSTPONEMENT_COLUMNS
                       " FROM postponements WHERE id = ?");
        query.setInt64(1, LastInsertId(db));
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        row->next();
        ReadPostponement(*row, out);
        AppendChange(db, call, {out->name(), "postponed", cell_id, out});
        return absl::OkStatus();
      });
}

absl::StatusOr<PostponementsByDay> SchedulingStore::LoadPostponements(
    const CallContext& call, int64_t cell_id, absl::CivilDay from,
    absl::CivilDay to) {
  ASSIGN_OR_RETURN(auto by_cell,
                   LoadPostponementsOf(call, {cell_id}, from, to));
  return std::move(by_cell[cell_id]);
}

absl::StatusOr<std::map<int64_t, PostponementsByDay>>
SchedulingStore::LoadPostponementsOf(const CallContext& call,
                                     const std::vector<int64_t>& cell_ids,
                                     absl::CivilDay from, absl::CivilDay to) {
  std::map<int64_t, PostponementsByDay> out;
  if (cell_ids.empty()) return out;
  RETURN_IF_ERROR(WithConnection(
      *pool_, call.deadline, "loading postponements", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        // One statement for any number of cells: the ids go in as one JSON
        // array parameter, joined as a table (MariaDB 10.6+, MySQL 8).
        sql::PreparedStatement& query = db.Prepare(
            "SELECT " CHIBO_POSTPONEMENT_COLUMNS
            " FROM JSON_TABLE(?, '$[*]' COLUMNS (wanted BIGINT PATH '$')) AS w"
            " JOIN postponements p ON p.cell_id = w.wanted"
            " WHERE p.nominal_day BETWEEN ? AND ?"
            " ORDER BY p.cell_id, p.nominal_day, p.sequence");
        query.setString(1, JsonIdArray(cell_ids));
        query.setString(2, FormatDate(from));
        query.setString(3, FormatDate(to));
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        while (row->next()) {
          StoredPostponement p;
          ReadPostponement(*row, &p.proto);
          p.rule.nominal_day = DateIn(p.proto.nominal_date());
          p.rule.new_day = DateIn(p.proto.new_date());
          p.rule.new_start_minute = row->getInt("new_start_minute");
          p.rule.sequence = p.proto.sequence();
          out[row->getInt64("cell_id")][p.rule.nominal_day].push_back(
              std::move(p));
        }
        return absl::OkStatus();
      }));
  return out;
}

absl::Status SchedulingStore::RecordMeeting(
    const CallContext& call, const v1::RecordMeetingRequest& request,
    const NewRecord& record, v1::MeetingRecord* out) {
  const v1::MeetingRecord& r = request.record();
  return record_writes_.Write(
      call, "recording a meeting", request, out,
      [&](DbConnection& db) -> absl::Status {
        if (record.confirm_rule_data_generation) {
          RETURN_IF_ERROR(ConfirmRuleDataGeneration(
              db, *record.confirm_rule_data_generation));
        }
        if (record.nominal_day) {
          // Takes turns with postponements of the same meeting.
          LockMeeting(db, record.cell_id, *record.nominal_day);
          if (std::optional<int64_t> existing =
                  RecordOf(db, record.cell_id, *record.nominal_day)) {
            return absl::AlreadyExistsError(absl::StrCat(
                "record.nominal_date: the meeting of ",
                FormatDate(*record.nominal_day), " is already recorded as ",
                ResourceName("meetings", *existing)));
          }
        }
        sql::PreparedStatement& insert = db.Prepare(
            "INSERT INTO meetings (cell_id, nominal_day, kind, form, "
            "start_time, end_time, chair_member_id, secretary_member_id, "
            "guests, agenda, conclusions, resolution, rule_id, rule_version, "
            "min_minutes, recorded_by, create_time, version, "
            "attendance_digest, attendance_digest_version, documents_late) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, "
            "1, ?)");
        insert.setInt64(1, record.cell_id);
        if (record.nominal_day) {
          insert.setString(2, FormatDate(*record.nominal_day));
        } else {
          insert.setNull(2, 0);
        }
        insert.setInt(3, r.kind());
        insert.setInt(4, r.form());
        insert.setString(5, MinuteOut(record.start));
        insert.setString(6, MinuteOut(record.end));
        if (record.chair_id != 0) {
          insert.setInt64(7, record.chair_id);
        } else {
          insert.setNull(7, 0);
        }
        if (record.secretary_id != 0) {
          insert.setInt64(8, record.secretary_id);
        } else {
          insert.setNull(8, 0);
        }
        insert.setString(9, absl::StrJoin(r.guests(), "\n"));
        insert.setString(10, r.agenda());
        insert.setString(11, r.conclusions());
        insert.setString(12, r.resolution());
        insert.setInt64(13, record.rule_id);
        insert.setInt(14, record.rule_version);
        insert.setInt(15, record.min_minutes);
        const std::string& recorded_by = call.caller.on_behalf_of.empty()
                                             ? call.caller.subject
                                             : call.caller.on_behalf_of;
        insert.setString(16, recorded_by);
        // The clock is ours, so that the answer below needs no read back.
        const std::string create_time = absl::FormatTime(
            "%Y-%m-%d %H:%M:%E6S", absl::Now(), absl::UTCTimeZone());
        insert.setString(17, create_time);
        // The digest of the marks inserted below, at the row's version 1.
        insert.setString(18, AttendanceDigestOf(record.attendance));
        // Documents and start time never change after this: the count of
        // late documents is fixed now (migration 0009).
        int documents_late = 0;
        for (const v1::DocumentReference& d : r.documents()) {
          absl::CivilMinute available;
          if (!d.available_time().empty()) {
            available =
                *ParseLocalDateTime(d.available_time(), "available_time");
          }
          if (!InTime(available, record.start)) ++documents_late;
        }
        insert.setInt(19, documents_late);
        insert.executeUpdate();
        const int64_t id = LastInsertId(db);

        sql::PreparedStatement& doc = db.Prepare(
            "INSERT INTO meeting_documents (meeting_id, position, number, "
            "issue_date, issuing_body, title, link, available_time) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?)");
        for (int i = 0; i < r.documents_size(); ++i) {
          const v1::DocumentReference& d = r.documents(i);
          doc.setInt64(1, id);
          doc.setInt(2, i);
          doc.setString(3, d.number());
          SetNullableString(doc, 4, d.issue_date());
          doc.setString(5, d.issuing_body());
          doc.setString(6, d.title());
          doc.setString(7, d.link());
          if (d.available_time().empty()) {
            doc.setNull(8, 0);
          } else {
            doc.setString(8, MinuteOut(*ParseLocalDateTime(d.available_time(),
                                                           "available_time")));
          }
          doc.executeUpdate();
        }
        InsertAttendance(db, id, record.attendance);
        RecordParts written;
        written.documents = r.documents_size() > 0;
        written.vote = WriteVote(db, id, record);
        written.tasks = r.tasks_size() > 0;
        written.topics = !record.topic_ids.empty();
        sql::PreparedStatement& task = db.Prepare(
            "INSERT INTO tasks (meeting_id, cell_id, title, assignee, "
            "due_day, status, version, create_time, update_time) VALUES "
            "(?, ?, ?, ?, ?, ?, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))");
        for (const v1::Task& t : r.tasks()) {
          task.setInt64(1, id);
          task.setInt64(2, record.cell_id);
          task.setString(3, t.title());
          task.setString(4, t.assignee());
          task.setString(5, t.due_date());
          task.setInt(6, t.status() == v1::TASK_STATUS_UNSPECIFIED
                             ? v1::TASK_STATUS_OPEN
                             : t.status());
          task.executeUpdate();
        }
        sql::PreparedStatement& topic = db.Prepare(
            "INSERT INTO meeting_topics (meeting_id, topic_id, cell_id) "
            "VALUES (?, ?, ?)");
        for (int64_t topic_id : record.topic_ids) {
          topic.setInt64(1, id);
          topic.setInt64(2, topic_id);
          topic.setInt64(3, record.cell_id);
          topic.executeUpdate();
        }
        // The answer is what was just written, as LoadRecord would read it
        // back: the row and the marks from memory, the other parts (if
        // any were written) from their tables.
        RecordAsWritten(r, record, id, recorded_by, create_time, out);
        written.attendance = false;
        RETURN_IF_ERROR(LoadRecordParts(db, id, record.start, written, out));
        AppendChange(db, call, {out->name(), "recorded", record.cell_id, out});
        return absl::OkStatus();
      },
      // The meeting's slot, the one row a record locks (LockMeeting).
      record.nominal_day ? absl::StrFormat("%020d %s", record.cell_id,
                                           FormatDate(*record.nominal_day))
                         : std::string());
}

absl::Status LoadMeetingRecord(DbConnection& db, int64_t id,
                               v1::MeetingRecord* out) {
  return LoadRecord(db, id, out);
}

void InsertAttendance(DbConnection& db, int64_t meeting_id,
                      const std::vector<NewAttendance>& attendance) {
  if (attendance.empty()) return;
  // One statement for any number of marks: the rows as one JSON array
  // parameter ([member, mark, "reason"], ...), unpacked by JSON_TABLE
  // (MariaDB 10.6+, MySQL 8). So a record costs the same number of
  // statements whatever the size of its cell, and the text is fixed.
  std::string rows = "[";
  for (const NewAttendance& a : attendance) {
    if (rows.size() > 1) rows += ',';
    absl::StrAppend(&rows, "[", a.member_id, ",", static_cast<int>(a.mark),
                    ",\"", JsonEscape(a.reason), "\"]");
  }
  rows += ']';
  sql::PreparedStatement& insert = db.Prepare(
      "INSERT INTO attendance (meeting_id, member_id, mark, reason) "
      "SELECT ?, j.member_id, j.mark, j.reason FROM JSON_TABLE(?, '$[*]' "
      "COLUMNS (member_id BIGINT PATH '$[0]', mark INT PATH '$[1]', "
      "reason VARCHAR(1000) PATH '$[2]')) AS j");
  insert.setInt64(1, meeting_id);
  insert.setString(2, rows);
  insert.executeUpdate();
}

absl::Status SchedulingStore::GetRecord(const CallContext& call, int64_t id,
                                        v1::MeetingRecord* out) {
  return WithConnection(
      *pool_, call.deadline, "reading a meeting record", TxMode::kRead,
      [&](DbConnection& db) { return LoadRecord(db, id, out); });
}

namespace {

// The columns of CHIBO_SCHEDULE_COLUMNS (1-10) into `record`.
void ReadScheduleColumns(sql::ResultSet& row, StoredRecord* record) {
  record->id = row.getInt64(1);
  if (!row.isNull(3)) {
    record->meeting.nominal_day = FromSqlDays(row.getInt64(3));
  }
  record->kind = static_cast<v1::MeetingKind>(row.getInt(4));
  record->form = static_cast<v1::MeetingForm>(row.getInt(5));
  record->meeting.kind = KindFromProto(record->kind);
  record->meeting.start = FromSqlMinutes(row.getInt64(6));
  record->meeting.end = FromSqlMinutes(row.getInt64(7));
  record->meeting.day = absl::CivilDay(record->meeting.start);
  record->rule_id = row.getInt64(8);
  record->rule_version = row.getInt(9);
  record->min_minutes = row.getInt(10);
}

// What a schedule shows of a record, as ReadScheduleColumns reads it.
#define CHIBO_SCHEDULE_COLUMNS                                 \
  "m.id, m.cell_id, TO_DAYS(m.nominal_day), m.kind, m.form, "  \
  "(TO_DAYS(m.start_time) * 1440 + HOUR(m.start_time) * 60 + " \
  "MINUTE(m.start_time)), "                                    \
  "(TO_DAYS(m.end_time) * 1440 + HOUR(m.end_time) * 60 + "     \
  "MINUTE(m.end_time)), m.rule_id, m.rule_version, m.min_minutes"

// The records of many cells held in a period, or held for a meeting whose
// nominal day is in it (a record may come long after its day), with what
// a report needs beyond the schedule: their marks' digest and their late
// documents. The cells are one JSON array parameter; each cell's rows are
// one index range by cell_id, read whole either way (a join on the JSON
// list cannot range on a second column), so the OR costs no extra read.
// COALESCE evaluates the subquery only for a row without the count (one
// written by an older binary).
// Each cell's records by start, then id: the order the schedule's ties
// keep. Sorted here rather than by an ORDER BY, which made MariaDB build a
// temporary table for the whole subtree's rows (see kRecordsOf).
void SortByStart(std::map<int64_t, std::vector<StoredRecord>>* by_cell) {
  for (auto& [cell, records] : *by_cell) {
    std::sort(records.begin(), records.end(),
              [](const StoredRecord& a, const StoredRecord& b) {
                return std::tie(a.meeting.start, a.id) <
                       std::tie(b.meeting.start, b.id);
              });
  }
}

// No ORDER BY (SortByStart): with one, MariaDB 10.11 sorted the joined rows
// through an internal temporary table, and twice crashed freeing it
// (ha_maria::drop_table from free_tmp_table) under the test suite.
constexpr char kRecordsOf[] =
    "SELECT " CHIBO_SCHEDULE_COLUMNS
    ", COALESCE(m.documents_late, (SELECT COUNT(*) FROM meeting_documents d "
    "WHERE d.meeting_id = m.id AND (d.available_time IS NULL OR "
    "d.available_time > m.start_time - INTERVAL 1 DAY))) AS "
    "documents_late, "
    "IF(m.attendance_digest_version = m.version, m.attendance_digest, "
    "NULL) AS digest"
    " FROM JSON_TABLE(?, '$[*]' COLUMNS (wanted BIGINT PATH '$')) AS w "
    "JOIN meetings m ON m.cell_id = w.wanted "
    "WHERE (m.start_time >= ? AND m.start_time < ?) "
    "OR m.nominal_day BETWEEN ? AND ?";

// A schedule's records, by key: (cell, nominal day) for an occurrence's
// record, (cell, null) for the cell's extra meetings (no nominal day),
// which must start in [?, ?). Each key is one dive into
// meetings_occurrence_schedule (migration 0011), which holds every column
// read, so a cell costs the same however many years of records it has.
// Left alone, the optimiser takes the unique meetings_occurrence and reads
// every row too.
constexpr char kScheduledRecords[] =
    "SELECT " CHIBO_SCHEDULE_COLUMNS
    " FROM JSON_TABLE(?, '$[*]' COLUMNS (cell BIGINT PATH '$[0]', "
    "day DATE PATH '$[1]')) AS k "
    "JOIN meetings m FORCE INDEX (meetings_occurrence_schedule) "
    "ON m.cell_id = k.cell AND m.nominal_day <=> k.day "
    "WHERE k.day IS NOT NULL OR (m.start_time >= ? AND m.start_time < ?)";
#undef CHIBO_SCHEDULE_COLUMNS

}  // namespace

absl::StatusOr<std::map<int64_t, std::vector<StoredRecord>>>
SchedulingStore::LoadRecordsOf(const CallContext& call,
                               const std::vector<int64_t>& cell_ids,
                               absl::CivilDay from, absl::CivilDay to) {
  std::map<int64_t, std::vector<StoredRecord>> out;
  if (cell_ids.empty()) return out;
  RETURN_IF_ERROR(WithConnection(
      *pool_, call.deadline, "loading meeting records", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        // One statement for any number of cells (ids as one JSON array
        // parameter): the records with their marks' digest. A record whose
        // digest is missing or older than its row (written by a binary that
        // did not keep it) has its attendance rows read in one more
        // statement.
        sql::PreparedStatement& query = db.Prepare(kRecordsOf);
        query.setString(1, JsonIdArray(cell_ids));
        query.setString(2, FormatDate(from));
        query.setString(3, FormatDate(to + 1));
        query.setString(4, FormatDate(from));
        query.setString(5, FormatDate(to));
        std::vector<int64_t> stale;
        {
          std::unique_ptr<sql::ResultSet> row(query.executeQuery());
          std::vector<StoredRecord>* cell_records = nullptr;
          int64_t current_cell = -1;
          while (row->next()) {
            const int64_t cell_id = row->getInt64(2);
            if (cell_id != current_cell) {
              current_cell = cell_id;
              cell_records = &out[cell_id];
            }
            StoredRecord& record = cell_records->emplace_back();
            ReadScheduleColumns(*row, &record);
            record.documents_late = row->getInt(11);
            if (row->isNull(12) ||
                !ParseAttendanceDigest(row->getString(12).asStdString(),
                                       &record.meeting.attendance)) {
              stale.push_back(record.id);
            }
          }
        }
        if (stale.empty()) return absl::OkStatus();
        std::unordered_map<int64_t, StoredRecord*> by_id;
        by_id.reserve(stale.size());
        for (int64_t id : stale) by_id[id] = nullptr;
        for (auto& [cell, records] : out) {
          for (StoredRecord& record : records) {
            if (auto it = by_id.find(record.id); it != by_id.end()) {
              it->second = &record;
            }
          }
        }
        // No ORDER BY: each record's marks are put in member order here,
        // as the digest has them.
        sql::PreparedStatement& marks = db.Prepare(
            "SELECT a.meeting_id, a.member_id, a.mark "
            "FROM JSON_TABLE(?, '$[*]' COLUMNS (wanted BIGINT PATH '$')) AS w "
            "JOIN attendance a ON a.meeting_id = w.wanted");
        marks.setString(1, JsonIdArray(stale));
        std::unique_ptr<sql::ResultSet> row(marks.executeQuery());
        while (row->next()) {
          auto found = by_id.find(row->getInt64(1));
          if (found == by_id.end()) continue;
          found->second->meeting.attendance.push_back(
              {row->getInt64(2),
               MarkFromProto(static_cast<v1::AttendanceMark>(row->getInt(3)))});
        }
        for (int64_t id : stale) {
          std::vector<AttendanceEntry>& entries = by_id[id]->meeting.attendance;
          std::sort(entries.begin(), entries.end(),
                    [](const AttendanceEntry& a, const AttendanceEntry& b) {
                      return a.member_id < b.member_id;
                    });
        }
        return absl::OkStatus();
      }));
  SortByStart(&out);
  return out;
}

absl::StatusOr<std::map<int64_t, std::vector<StoredRecord>>>
SchedulingStore::LoadScheduledRecords(
    const CallContext& call, const std::vector<CellOccurrence>& occurrences,
    const std::vector<int64_t>& cell_ids, absl::CivilDay from,
    absl::CivilDay to) {
  std::map<int64_t, std::vector<StoredRecord>> out;
  if (cell_ids.empty()) return out;
  std::string keys = "[";
  keys.reserve((occurrences.size() + cell_ids.size()) * 24 + 2);
  for (const CellOccurrence& occurrence : occurrences) {
    if (keys.size() > 1) keys += ',';
    absl::StrAppend(&keys, "[", occurrence.cell_id, ",\"",
                    FormatDate(occurrence.nominal_day), "\"]");
  }
  for (int64_t cell_id : cell_ids) {
    if (keys.size() > 1) keys += ',';
    absl::StrAppend(&keys, "[", cell_id, ",null]");
  }
  keys += ']';
  RETURN_IF_ERROR(WithConnection(
      *pool_, call.deadline, "loading meeting records", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query = db.Prepare(kScheduledRecords);
        query.setString(1, keys);
        query.setString(2, FormatDate(from));
        query.setString(3, FormatDate(to + 1));
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        while (row->next()) {
          StoredRecord& record = out[row->getInt64(2)].emplace_back();
          ReadScheduleColumns(*row, &record);
        }
        return absl::OkStatus();
      }));
  SortByStart(&out);
  return out;
}

absl::Status SchedulingStore::ListTasks(const CallContext& call,
                                        int64_t cell_id, bool open_only,
                                        int64_t after_id, int limit,
                                        v1::ListTasksResponse* out,
                                        bool* more) {
  return WithConnection(
      *pool_, call.deadline, "listing tasks", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query = db.Prepare(
            "SELECT id, meeting_id, cell_id, title, assignee, due_day, "
            "status, version FROM tasks WHERE cell_id = ? AND id > ? AND "
            "status IN (?, ?, ?, ?) ORDER BY id LIMIT ?");
        query.setInt64(1, cell_id);
        query.setInt64(2, after_id);
        query.setInt(3, v1::TASK_STATUS_OPEN);
        query.setInt(4, v1::TASK_STATUS_IN_PROGRESS);
        query.setInt(5,
                     open_only ? v1::TASK_STATUS_OPEN : v1::TASK_STATUS_DONE);
        query.setInt(
            6, open_only ? v1::TASK_STATUS_OPEN : v1::TASK_STATUS_CANCELLED);
        query.setInt(7, limit + 1);
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        int count = 0;
        *more = false;
        while (row->next()) {
          if (++count > limit) {
            *more = true;
            break;
          }
          ReadTask(*row, out->add_tasks());
        }
        return absl::OkStatus();
      });
}

absl::Status SchedulingStore::GetTask(const CallContext& call, int64_t id,
                                      v1::Task* out) {
  return WithConnection(*pool_, call.deadline, "reading a task", TxMode::kRead,
                        [&](DbConnection& db) {
                          int64_t version = 0;
                          return LoadTask(db, id, false, out, &version);
                        });
}

absl::Status SchedulingStore::UpdateTask(const CallContext& call,
                                         const v1::UpdateTaskRequest& request,
                                         int64_t id, v1::Task* out) {
  return WithConnection(
      *pool_, call.deadline, "updating a task", TxMode::kWrite,
      [&](DbConnection& db) -> absl::Status {
        int64_t version = 0;
        RETURN_IF_ERROR(LoadTask(db, id, true, out, &version));
        RETURN_IF_ERROR(CheckEtag(request.task().etag(), version, out->name()));
        v1::Task next = *out;
        for (const std::string& path : request.update_mask().paths()) {
          if (path == "status") next.set_status(request.task().status());
          if (path == "due_date") next.set_due_date(request.task().due_date());
          if (path == "title") next.set_title(request.task().title());
          if (path == "assignee") next.set_assignee(request.task().assignee());
        }
        sql::PreparedStatement& update = db.Prepare(
            "UPDATE tasks SET title = ?, assignee = ?, due_day = ?, "
            "status = ?, version = version + 1, "
            "update_time = UTC_TIMESTAMP(6) WHERE id = ?");
        update.setString(1, next.title());
        update.setString(2, next.assignee());
        update.setString(3, next.due_date());
        update.setInt(4, next.status());
        update.setInt64(5, id);
        update.executeUpdate();
        RETURN_IF_ERROR(LoadTask(db, id, false, out, &version));
        auto cell = ParseResourceId(out->cell(), "organizations", "cell");
        AppendChange(db, call,
                     {out->name(), "updated", cell.ok() ? *cell : 0, out});
        return absl::OkStatus();
      });
}

absl::StatusOr<std::vector<std::string>> SchedulingStore::ComplianceRuleSets(
    const CallContext& call, absl::CivilDay from, absl::CivilDay to) {
  std::vector<std::string> out;
  RETURN_IF_ERROR(WithConnection(
      *pool_, call.deadline, "loading compliance rule sets", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query = db.Prepare(
            "SELECT code, issued_on, effective_from, effective_to FROM "
            "compliance_rule_sets WHERE effective_from <= ? AND "
            "effective_to >= ? ORDER BY effective_from");
        query.setString(1, FormatDate(to));
        query.setString(2, FormatDate(from));
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        while (row->next()) {
          const absl::CivilDay issued = DateIn(row->getString("issued_on"));
          const absl::CivilDay start =
              std::max(from, DateIn(row->getString("effective_from")));
          const absl::CivilDay end =
              std::min(to, DateIn(row->getString("effective_to")));
          out.push_back(absl::StrFormat(
              "Hướng dẫn %s (%02d/%d/%04d), %s..%s",
              std::string(row->getString("code")), issued.day(), issued.month(),
              issued.year(), FormatDate(start), FormatDate(end)));
        }
        return absl::OkStatus();
      }));
  return out;
}

}  // namespace chibo::scheduling
