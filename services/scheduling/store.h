#ifndef CHIBO_SERVICES_SCHEDULING_STORE_H_
#define CHIBO_SERVICES_SCHEDULING_STORE_H_

// The MySQL side of scheduling: prepared statements only, rows <-> protos
// and rule types. Every write appends to the outbox in its transaction and
// honours request_id. No exception leaves this layer.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "chibo/scheduling/v1/scheduling.pb.h"
#include "common/group_write.h"
#include "common/mysql_pool.h"
#include "common/rpc.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling {

// The holidays of some years and the calendar versions they came from.
struct LoadedHolidays {
  WorkingCalendar calendar;
  std::vector<std::string> versions;  // "2025 v2"; "2026 none"
  std::vector<int> years_without;     // of those years, the ones with none
};

// A postponement as the rules see it, with its row.
struct StoredPostponement {
  Postponement rule;
  v1::Postponement proto;
};

// A meeting record as compliance sees it.
struct StoredRecord {
  int64_t id = 0;
  HeldMeeting meeting;
  int min_minutes = 90;  // the rule's minimum for its kind when recorded
  int64_t rule_id = 0;
  int32_t rule_version = 0;
  int documents_late = 0;
  v1::MeetingKind kind = v1::MEETING_KIND_UNSPECIFIED;
  v1::MeetingForm form = v1::MEETING_FORM_UNSPECIFIED;
};

// One meeting of a cell's schedule, by its key.
struct CellOccurrence {
  int64_t cell_id = 0;
  absl::CivilDay nominal_day;
};

// A cell's postponements by the nominal day of their meeting.
using PostponementsByDay =
    std::map<absl::CivilDay, std::vector<StoredPostponement>>;

struct NewAttendance {
  int64_t member_id = 0;
  v1::AttendanceMark mark = v1::ATTENDANCE_MARK_PRESENT;
  std::string reason;
};

// What RecordMeeting writes beyond the request's text fields, checked and
// resolved by the handler (attendance against the registry's members).
struct NewRecord {
  int64_t cell_id = 0;
  absl::CivilMinute start;
  absl::CivilMinute end;
  std::vector<NewAttendance> attendance;
  std::optional<absl::CivilDay> nominal_day;
  int64_t chair_id = 0;
  int64_t secretary_id = 0;
  int64_t rule_id = 0;
  int32_t rule_version = 0;
  int min_minutes = 90;
  std::vector<int64_t> topic_ids;
  // Every member's facts for a vote (standing, mark, temporary transfer,
  // accepted reason, ballot), in attendance order; and the vote, if taken.
  std::vector<VoterFacts> voter_facts;
  std::optional<VoteOutcome> vote;
  // The rule data generation the record was checked at, when its rules
  // came from kept data without a read: the write confirms it in its own
  // transaction (SchedulingStore::ConfirmRuleDataGeneration).
  std::optional<int64_t> confirm_rule_data_generation;
};

class SchedulingStore {
 public:
  explicit SchedulingStore(MysqlPool* pool)
      : pool_(pool), record_writes_(*pool, TxMode::kWriteReadCommitted) {}

  // Rules.
  absl::Status CreateRule(const CallContext& call,
                          const v1::CreateMeetingRuleRequest& request,
                          int64_t organization_id, const MeetingRule& first,
                          v1::MeetingRule* out);
  absl::Status GetRule(const CallContext& call, int64_t id,
                       v1::MeetingRule* out);
  absl::Status ListRules(const CallContext& call, int64_t organization_id,
                         int64_t after_id, int limit,
                         v1::ListMeetingRulesResponse* out, bool* more);
  absl::Status ReviseRule(const CallContext& call,
                          const v1::ReviseMeetingRuleRequest& request,
                          int64_t id, MeetingRule next, v1::MeetingRule* out);
  // Every rule set by any of `organization_ids`, all versions, in one
  // statement.
  absl::StatusOr<std::vector<ScopedRule>> LoadRules(
      const CallContext& call, const std::set<int64_t>& organization_ids);

  // Holidays.
  // `days` and `working_days` in the order of the request's holidays and
  // working_days.
  absl::Status SetHolidays(const CallContext& call,
                           const v1::SetHolidayCalendarRequest& request,
                           const std::vector<absl::CivilDay>& days,
                           const std::vector<absl::CivilDay>& working_days,
                           v1::HolidayCalendar* out);
  absl::Status GetHolidays(const CallContext& call, int year, int version,
                           v1::HolidayCalendar* out);
  // The latest calendar of each year in [first_year, last_year].
  absl::StatusOr<LoadedHolidays> LoadHolidays(const CallContext& call,
                                              int first_year, int last_year);
  // LoadRules and LoadHolidays on one connection with one check of the
  // rule data's generation: what a record needs before it is written.
  // With `unconfirmed`, when everything asked is kept (and younger than
  // kMaxKeptRuleDataAge) it answers from memory without a read and sets
  // `*unconfirmed` to the generation the kept data was read at; the
  // caller's write must then confirm that generation in its transaction
  // (ConfirmRuleDataGeneration), which a group of records does with one
  // read. Otherwise it reads as above and leaves `*unconfirmed` empty.
  absl::Status LoadRulesAndHolidays(
      const CallContext& call, const std::set<int64_t>& organization_ids,
      int first_year, int last_year, std::vector<ScopedRule>* rules,
      LoadedHolidays* holidays, std::optional<int64_t>* unconfirmed = nullptr);
  // OK when the rule data is still at `generation` in `db`'s transaction
  // (read once per transaction); else ABORTED, for which RuleDataMoved is
  // true: the caller checks again against a fresh read.
  static absl::Status ConfirmRuleDataGeneration(DbConnection& db,
                                                int64_t generation);
  static bool RuleDataMoved(const absl::Status& status);

  // Postponements. `scheduled_day` is the rule's day for the meeting; the
  // store applies the rules against earlier postponements and a record
  // under the same lock.
  absl::Status Postpone(const CallContext& call,
                        const v1::PostponeMeetingRequest& request,
                        int64_t cell_id, absl::CivilDay nominal_day,
                        absl::CivilDay scheduled_day, absl::CivilDay new_day,
                        int new_start_minute,
                        std::optional<absl::CivilDay> backfill_reported_day,
                        v1::Postponement* out);
  // Of `cell_id`'s meetings with nominal days in [from, to], by nominal day.
  absl::StatusOr<PostponementsByDay> LoadPostponements(const CallContext& call,
                                                       int64_t cell_id,
                                                       absl::CivilDay from,
                                                       absl::CivilDay to);
  // The same for many cells in one statement, by cell (cells without any
  // are absent).
  absl::StatusOr<std::map<int64_t, PostponementsByDay>> LoadPostponementsOf(
      const CallContext& call, const std::vector<int64_t>& cell_ids,
      absl::CivilDay from, absl::CivilDay to);

  // Records.
  absl::Status RecordMeeting(const CallContext& call,
                             const v1::RecordMeetingRequest& request,
                             const NewRecord& record, v1::MeetingRecord* out);
  absl::Status GetRecord(const CallContext& call, int64_t id,
                         v1::MeetingRecord* out);
  // A correction (record_update_store.cc): the fields in `paths` from the
  // request's record, attendance and vote from `record` (resolved by the
  // handler), under the row's lock and etag.
  absl::Status UpdateRecord(const CallContext& call,
                            const v1::UpdateMeetingRecordRequest& request,
                            int64_t id, const NewRecord& record,
                            const std::set<std::string>& paths,
                            v1::MeetingRecord* out);
  // The records of many cells held (started) within [from, to], or held
  // for a meeting whose nominal day is within it, with their attendance, in
  // two statements, by cell (cells without any are absent).
  absl::StatusOr<std::map<int64_t, std::vector<StoredRecord>>> LoadRecordsOf(
      const CallContext& call, const std::vector<int64_t>& cell_ids,
      absl::CivilDay from, absl::CivilDay to);
  // What a schedule shows of records, in one statement, by cell, each
  // cell's by start: the record of each of `occurrences`, if held, and the
  // extra meetings (no nominal day) of `cell_ids` held within [from, to].
  // Without attendance nor late documents (documents_late is 0).
  absl::StatusOr<std::map<int64_t, std::vector<StoredRecord>>>
  LoadScheduledRecords(const CallContext& call,
                       const std::vector<CellOccurrence>& occurrences,
                       const std::vector<int64_t>& cell_ids,
                       absl::CivilDay from, absl::CivilDay to);

  // Tasks.
  absl::Status ListTasks(const CallContext& call, int64_t cell_id,
                         bool open_only, int64_t after_id, int limit,
                         v1::ListTasksResponse* out, bool* more);
  absl::Status GetTask(const CallContext& call, int64_t id, v1::Task* out);
  absl::Status UpdateTask(const CallContext& call,
                          const v1::UpdateTaskRequest& request, int64_t id,
                          v1::Task* out);

  // The compliance rule sets in force over [from, to], oldest first, as
  // "Hướng dẫn 12-HD/BTCTW (06/7/2018), 2025-01-01..2025-10-27".
  absl::StatusOr<std::vector<std::string>> ComplianceRuleSets(
      const CallContext& call, absl::CivilDay from, absl::CivilDay to);

  // Votes: every version of the vote rule (a handful of rows).
  absl::StatusOr<std::vector<VoteRule>> LoadVoteRules(const CallContext& call);

  // Topics.
  absl::Status CreateTopic(const CallContext& call,
                           const v1::CreateTopicRequest& request,
                           int64_t organization_id, bool mandated,
                           v1::Topic* out);
  // Topics of `year` set by any of `organization_ids` (a cell's own and the
  // mandated ones of its ancestors), by id, after `after_id`.
  absl::Status ListTopics(const CallContext& call,
                          const std::vector<int64_t>& organization_ids,
                          int year, int64_t after_id, int limit,
                          std::vector<v1::Topic>* out, bool* more);
  // topic id -> the cells that held it.
  absl::StatusOr<std::map<int64_t, std::set<int64_t>>> TopicsHeld(
      const CallContext& call, const std::vector<int64_t>& topic_ids);

 private:
  // The days of one calendar version. A version is never changed once
  // written (SetHolidays adds the next one), so it is held for good.
  struct CalendarDays {
    std::set<absl::CivilDay> holidays;
    std::set<absl::CivilDay> working_days;
  };
  absl::StatusOr<std::shared_ptr<const CalendarDays>> DaysOf(DbConnection& db,
                                                             int year,
                                                             int version);

  // Rules and holiday versions change only by this service's writes, and
  // each such write bumps rule_data_generation (migration 0012) in its
  // transaction: what LoadRules and LoadHolidays read is kept for the
  // generation they read it at, and a read checks that one row. The
  // generation, or nullopt when its row is missing (nothing is kept then).
  static std::optional<int64_t> RuleDataGeneration(DbConnection& db);
  static void BumpRuleDataGeneration(DbConnection& db);
  // Whether a read at `generation` may use and fill the kept data
  // (rule_data_mu_ held). A newer generation, or kept data older than
  // kMaxKeptRuleDataAge, empties it first; an older generation (a read
  // that raced a write this process already saw) neither reads nor fills
  // it. The age limit bounds what a writer that does not bump (a replica
  // from before migration 0012 during a rolling upgrade, a hand-made SQL
  // fix) can leave stale.
  bool UseKeptRuleData(std::optional<int64_t> generation);
  // The kept answer of LoadRulesAndHolidays, when all of it is kept and
  // young enough; its generation, or nullopt (rule_data_mu_ held).
  std::optional<int64_t> KeptRulesAndHolidays(
      const std::set<int64_t>& organization_ids, int first_year, int last_year,
      std::vector<ScopedRule>* rules, LoadedHolidays* holidays);
  // LoadRules' and LoadHolidays' work on `db`, read at `generation`.
  absl::Status RulesOn(DbConnection& db, std::optional<int64_t> generation,
                       const std::set<int64_t>& organization_ids,
                       std::vector<ScopedRule>* out);
  absl::Status HolidaysOn(DbConnection& db, std::optional<int64_t> generation,
                          int first_year, int last_year, LoadedHolidays* out);
  static constexpr size_t kMaxKeptRuleOwners = 50000;
  static constexpr absl::Duration kMaxKeptRuleDataAge = absl::Seconds(1);
  // Whether the kept data is younger than kMaxKeptRuleDataAge at `now`
  // (rule_data_mu_ held).
  bool KeptRuleDataYoung(absl::Time now) const {
    return now - rule_data_since_ <= kMaxKeptRuleDataAge;
  }
  std::mutex rule_data_mu_;
  int64_t rule_data_generation_ = -1;
  absl::Time rule_data_since_ = absl::InfinitePast();
  // owner -> its rules (empty: none), in the order LoadRules returns them.
  std::map<int64_t, std::vector<ScopedRule>> rules_by_owner_;
  std::map<std::pair<int, int>, LoadedHolidays> holidays_by_years_;

  MysqlPool* pool_;
  // RecordMeeting's writes: many systems record at once, and records that
  // arrive together commit together (common/group_write.h). READ
  // COMMITTED: a record reads the meeting's record after taking its slot,
  // and must see what an earlier holder committed, whichever record of
  // its group read first.
  GroupWriter record_writes_;
  std::mutex calendars_mu_;
  std::map<std::pair<int, int>, std::shared_ptr<const CalendarDays>>
      calendars_;  // by (year, version)
};

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_STORE_H_
