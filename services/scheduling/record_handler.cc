// RecordMeeting: the record of a held meeting, checked against the rules
// and against the registry's members of the cell on that day.

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "services/scheduling/proto_codec.h"
#include "services/scheduling/record_attendance.h"
#include "services/scheduling/record_vote.h"
#include "services/scheduling/scheduling_service.h"

namespace chibo::scheduling {
namespace {

constexpr int kMaxDocuments = 100;
constexpr int kMaxTasks = 200;
constexpr int kMaxGuests = 100;
constexpr int kMaxTopics = 20;

absl::Status CheckRecordText(const v1::MeetingRecord& r) {
  RETURN_IF_ERROR(CheckText(r.agenda(), "record.agenda", 65535));
  RETURN_IF_ERROR(CheckText(r.conclusions(), "record.conclusions", 1 << 20));
  RETURN_IF_ERROR(CheckText(r.resolution(), "record.resolution", 1 << 20));
  if (r.guests_size() > kMaxGuests) {
    return absl::InvalidArgumentError(
        absl::StrCat("record.guests: at most ", kMaxGuests));
  }
  for (int i = 0; i < r.guests_size(); ++i) {
    const std::string field = absl::StrCat("record.guests[", i, "]");
    RETURN_IF_ERROR(CheckText(r.guests(i), field, 255));
    if (r.guests(i).empty() ||
        r.guests(i).find_first_of("\r\n") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": one non-empty line of text"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDocuments(const v1::MeetingRecord& r) {
  if (r.documents_size() > kMaxDocuments) {
    return absl::InvalidArgumentError(
        absl::StrCat("record.documents: at most ", kMaxDocuments));
  }
  for (int i = 0; i < r.documents_size(); ++i) {
    const v1::DocumentReference& d = r.documents(i);
    const std::string field = absl::StrCat("record.documents[", i, "].");
    if (d.title().empty() && d.number().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "title: a document needs a number or a title"));
    }
    RETURN_IF_ERROR(CheckText(d.number(), field + "number", 128));
    RETURN_IF_ERROR(CheckText(d.issuing_body(), field + "issuing_body", 512));
    RETURN_IF_ERROR(CheckText(d.title(), field + "title", 1024));
    RETURN_IF_ERROR(CheckText(d.link(), field + "link", 2048));
    if (!d.issue_date().empty()) {
      RETURN_IF_ERROR(ParseDate(d.issue_date(), field + "issue_date").status());
    }
    if (!d.available_time().empty()) {
      RETURN_IF_ERROR(
          ParseLocalDateTime(d.available_time(), field + "available_time")
              .status());
    }
  }
  return absl::OkStatus();
}

// Which rule a record of `r` held on `held_day` falls under, and so its
// minimum length: the rule of its nominal meeting (which must exist), or
// for an extra meeting the rule of its month's last meeting.
absl::Status ApplyRecordRules(const v1::MeetingRecord& r,
                              const std::vector<MeetingRule>& rules,
                              const WorkingCalendar& calendar,
                              absl::CivilDay held_day, NewRecord* record) {
  std::optional<Occurrence> occurrence;
  if (record->nominal_day) {
    occurrence = FindOccurrence(rules, calendar, *record->nominal_day);
    if (!occurrence) {
      return absl::InvalidArgumentError(absl::StrCat(
          "record.nominal_date: ", r.cell(),
          " has no meeting with nominal date ", r.nominal_date(),
          " under its rules; leave it empty for an extra meeting"));
    }
  } else {
    // An extra meeting takes the minimum length of its month's rule.
    const absl::CivilMonth month(held_day);
    for (const Occurrence& o :
         ExpandSchedule(rules, calendar, absl::CivilDay(month),
                        absl::CivilDay(month + 1) - 1)) {
      occurrence = o;
    }
  }
  const MeetingRule* rule = nullptr;
  if (occurrence) {
    for (const MeetingRule& candidate : rules) {
      if (candidate.id == occurrence->rule_id &&
          candidate.version == occurrence->rule_version) {
        rule = &candidate;
      }
    }
  }
  const MeetingRule defaults;
  const MeetingRule& applied = rule != nullptr ? *rule : defaults;
  record->rule_id = rule != nullptr ? rule->id : 0;
  record->rule_version = rule != nullptr ? rule->version : 0;
  record->min_minutes = r.kind() == v1::MEETING_KIND_COMBINED
                            ? applied.combined_min_minutes
                            : applied.min_minutes;
  return absl::OkStatus();
}

}  // namespace

grpc::Status SchedulingServiceImpl::RecordMeeting(
    grpc::ServerContext* context, const v1::RecordMeetingRequest* request,
    v1::MeetingRecord* response) {
  return gate_->Serve(
      context, Method("RecordMeeting"), *request,
      [&](const CallContext& call) -> absl::Status {
        if (!request->has_record()) {
          return absl::InvalidArgumentError("record: is required");
        }
        const v1::MeetingRecord& r = request->record();
        NewRecord record;
        ASSIGN_OR_RETURN(
            record.cell_id,
            ParseResourceId(r.cell(), "organizations", "record.cell"));
        if (r.kind() == v1::MEETING_KIND_UNSPECIFIED ||
            !v1::MeetingKind_IsValid(r.kind())) {
          return absl::InvalidArgumentError(
              "record.kind: must be REGULAR, THEMATIC or COMBINED");
        }
        if (r.form() == v1::MEETING_FORM_UNSPECIFIED ||
            !v1::MeetingForm_IsValid(r.form())) {
          return absl::InvalidArgumentError(
              "record.form: must be IN_PERSON, ONLINE or HERITAGE_TRIP");
        }
        if (r.start_time().empty() || r.end_time().empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "record.", r.start_time().empty() ? "start_time" : "end_time",
              ": is required"));
        }
        ASSIGN_OR_RETURN(record.start, ParseLocalDateTime(r.start_time(),
                                                          "record.start_time"));
        ASSIGN_OR_RETURN(record.end,
                         ParseLocalDateTime(r.end_time(), "record.end_time"));
        if (record.end <= record.start) {
          return absl::InvalidArgumentError(
              "record.end_time: must be after record.start_time");
        }
        if (record.end - record.start > 24 * 60) {
          return absl::InvalidArgumentError(
              "record.end_time: a meeting lasts at most 24 hours");
        }
        const absl::CivilMinute now_local =
            absl::ToCivilMinute(absl::Now(), VietnamTimeZone());
        if (record.start > now_local) {
          return absl::FailedPreconditionError(
              "record.start_time: is in the future; a record is written "
              "after the meeting");
        }
        RETURN_IF_ERROR(CheckRecordText(r));
        RETURN_IF_ERROR(CheckDocuments(r));
        if (r.tasks_size() > kMaxTasks) {
          return absl::InvalidArgumentError(
              absl::StrCat("record.tasks: at most ", kMaxTasks));
        }
        if (r.topics_size() > kMaxTopics) {
          return absl::InvalidArgumentError(
              absl::StrCat("record.topics: at most ", kMaxTopics));
        }
        if (!r.nominal_date().empty()) {
          ASSIGN_OR_RETURN(record.nominal_day,
                           ParseDate(r.nominal_date(), "record.nominal_date"));
        }

        // The cell, its members that day (one registry call) and its rules.
        const absl::CivilDay held_day(record.start);
        ASSIGN_OR_RETURN(OrgDirectory::CellAndMembers cell_and_members,
                         directory_->GetCellAndMembers(
                             call, record.cell_id, "record.cell", held_day));
        const OrgInfo& cell = cell_and_members.cell;
        const OrgDirectory::MemberMap& members = cell_and_members.members;
        // Only the rules: the cell's records and postponements (and an
        // attendance query per record) are not needed to write one.
        std::optional<int64_t> unconfirmed_rules;
        RETURN_IF_ERROR(LoadRecordRules(call, r, cell, held_day,
                                        &unconfirmed_rules, &record));

        // Attendance: every member of the cell that day, nobody else.
        RETURN_IF_ERROR(ResolveAttendance(r, members, record.cell_id, held_day,
                                          &record.attendance));
        std::vector<VoteRule> vote_rules;
        if (r.has_vote()) {
          ASSIGN_OR_RETURN(vote_rules, store_->LoadVoteRules(call));
        }
        RETURN_IF_ERROR(ResolveVote(r, members, vote_rules, held_day, &record));
        if (!r.chair().empty()) {
          ASSIGN_OR_RETURN(record.chair_id,
                           CellMemberId(r.chair(), "record.chair", members,
                                        record.cell_id, held_day));
        }
        if (!r.secretary().empty()) {
          ASSIGN_OR_RETURN(record.secretary_id,
                           CellMemberId(r.secretary(), "record.secretary",
                                        members, record.cell_id, held_day));
        }

        // Tasks: a member of the cell or one of its party groups.
        for (int i = 0; i < r.tasks_size(); ++i) {
          const v1::Task& t = r.tasks(i);
          const std::string field = absl::StrCat("record.tasks[", i, "].");
          if (t.title().empty()) {
            return absl::InvalidArgumentError(field + "title: is required");
          }
          RETURN_IF_ERROR(CheckText(t.title(), field + "title", 1024));
          if (t.due_date().empty()) {
            return absl::InvalidArgumentError(field + "due_date: is required");
          }
          RETURN_IF_ERROR(ParseDate(t.due_date(), field + "due_date").status());
          if (!v1::TaskStatus_IsValid(t.status())) {
            return absl::InvalidArgumentError(field + "status: unknown value");
          }
          RETURN_IF_ERROR(
              directory_->CheckAssignee(call, record.cell_id, t.assignee(),
                                        field + "assignee", members, held_day));
        }

        // Topics held: the cell's own or mandated by a committee above it.
        if (r.topics_size() > 0) {
          std::vector<v1::Topic> applicable;
          bool more = false;
          RETURN_IF_ERROR(store_->ListTopics(call, cell.ancestors,
                                             static_cast<int>(held_day.year()),
                                             0, 10000, &applicable, &more));
          std::set<std::string> names;
          for (const v1::Topic& topic : applicable) {
            const std::vector<int> targets(topic.target_categories().begin(),
                                           topic.target_categories().end());
            if (topic.mandated() && !TopicTargetsCell(targets, cell.category)) {
              continue;  // mandated for other categories of cells
            }
            names.insert(topic.name());
          }
          for (int i = 0; i < r.topics_size(); ++i) {
            const std::string field = absl::StrCat("record.topics[", i, "]");
            ASSIGN_OR_RETURN(int64_t topic,
                             ParseResourceId(r.topics(i), "topics", field));
            if (names.count(r.topics(i)) == 0) {
              return absl::InvalidArgumentError(
                  absl::StrCat(field, ": ", r.topics(i), " is not in ",
                               r.cell(), "'s plan for ", held_day.year()));
            }
            if (std::find(record.topic_ids.begin(), record.topic_ids.end(),
                          topic) != record.topic_ids.end()) {
              return absl::InvalidArgumentError(
                  absl::StrCat(field, ": ", r.topics(i), " is listed twice"));
            }
            record.topic_ids.push_back(topic);
          }
        }
        record.confirm_rule_data_generation = unconfirmed_rules;
        absl::Status written =
            store_->RecordMeeting(call, *request, record, response);
        if (!SchedulingStore::RuleDataMoved(written)) return written;
        // The kept rules moved while the record was checked against them:
        // check it again against a fresh read.
        RETURN_IF_ERROR(
            LoadRecordRules(call, r, cell, held_day, nullptr, &record));
        record.confirm_rule_data_generation.reset();
        return store_->RecordMeeting(call, *request, record, response);
      });
}

absl::Status SchedulingServiceImpl::LoadRecordRules(
    const CallContext& call, const v1::MeetingRecord& r, const OrgInfo& cell,
    absl::CivilDay held_day, std::optional<int64_t>* unconfirmed,
    NewRecord* record) {
  const absl::CivilDay anchor = record->nominal_day.value_or(held_day);
  std::vector<MeetingRule> rules;
  LoadedHolidays holidays;
  RETURN_IF_ERROR(LoadCellRules(call, cell, anchor, anchor, &rules, &holidays,
                                unconfirmed));
  return ApplyRecordRules(r, rules, holidays.calendar, held_day, record);
}

}  // namespace chibo::scheduling
