// The schedule, postponements and tasks.

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/concurrently.h"
#include "common/dates.h"
#include "common/paging.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "common/update_mask.h"
#include "services/scheduling/proto_codec.h"
#include "services/scheduling/scheduling_service.h"

namespace chibo::scheduling {
namespace {

// How far beyond a period to load: a working-day shift or a postponement
// can move a meeting across a month boundary.
constexpr int kMarginDays = 70;
constexpr int kMaxListDays = 800;

// A backfill's report day in Vietnam, or nullopt for a live report.
absl::StatusOr<std::optional<absl::CivilDay>> BackfillReportedDay(
    const CallContext& call, const v1::PostponeMeetingRequest& request) {
  if (!request.backfill()) {
    if (request.has_report_time()) {
      return absl::InvalidArgumentError(
          "report_time: set only with backfill (a live postponement is "
          "reported now)");
    }
    return std::optional<absl::CivilDay>();
  }
  if (call.caller.role != "integration" && call.caller.role != "system_admin") {
    return absl::PermissionDeniedError(
        "backfill: only an integration system or a system admin records a "
        "past postponement");
  }
  if (!request.has_report_time()) {
    return absl::InvalidArgumentError(
        "report_time: is required for a backfill (when the postponement was "
        "really reported)");
  }
  const google::protobuf::Timestamp& t = request.report_time();
  if (t.seconds() < 631152000 || t.nanos() < 0 || t.nanos() > 999999999) {
    return absl::InvalidArgumentError(
        "report_time: must be a valid time after 1990-01-01");
  }
  return std::optional<absl::CivilDay>(
      absl::ToCivilDay(absl::FromUnixSeconds(t.seconds()), VietnamTimeZone()));
}

}  // namespace

absl::Status ParsePeriod(absl::string_view start_text,
                         absl::string_view end_text, int max_days,
                         absl::CivilDay* start, absl::CivilDay* end) {
  if (start_text.empty()) {
    return absl::InvalidArgumentError("start_date: is required");
  }
  if (end_text.empty()) {
    return absl::InvalidArgumentError("end_date: is required");
  }
  ASSIGN_OR_RETURN(*start, ParseDate(start_text, "start_date"));
  ASSIGN_OR_RETURN(*end, ParseDate(end_text, "end_date"));
  if (*end < *start) {
    return absl::InvalidArgumentError(
        "end_date: must not be before start_date");
  }
  if (*end - *start > max_days) {
    return absl::InvalidArgumentError(
        absl::StrCat("end_date: the period is at most ", max_days, " days"));
  }
  return absl::OkStatus();
}

std::vector<int> YearsWithout(const LoadedHolidays& holidays,
                              absl::CivilDay from, absl::CivilDay to) {
  std::vector<int> years;
  for (int year : holidays.years_without) {
    if (year >= from.year() && year <= to.year()) years.push_back(year);
  }
  return years;
}

absl::StatusOr<LoadedHolidays> SchedulingServiceImpl::LoadHolidays(
    const CallContext& call, absl::CivilDay from, absl::CivilDay to) {
  return store_->LoadHolidays(call, static_cast<int>(from.year()) - 1,
                              static_cast<int>(to.year()) + 1);
}

absl::Status SchedulingServiceImpl::LoadCellRules(
    const CallContext& call, const OrgInfo& cell, absl::CivilDay from,
    absl::CivilDay to, std::vector<MeetingRule>* rules,
    LoadedHolidays* holidays, std::optional<int64_t>* unconfirmed) {
  std::vector<ScopedRule> scoped;
  // The years LoadHolidays reads for [from, to].
  RETURN_IF_ERROR(store_->LoadRulesAndHolidays(
      call, std::set<int64_t>(cell.ancestors.begin(), cell.ancestors.end()),
      static_cast<int>(from.year()) - 1, static_cast<int>(to.year()) + 1,
      &scoped, holidays, unconfirmed));
  *rules = ApplicableRules(scoped, cell.ancestors, cell.category,
                           from - kMarginDays, to + kMarginDays);
  return absl::OkStatus();
}

absl::StatusOr<CellData> SchedulingServiceImpl::LoadCell(
    const CallContext& call, const OrgInfo& cell, absl::CivilDay from,
    absl::CivilDay to) {
  ASSIGN_OR_RETURN(std::vector<CellData> loaded,
                   LoadCells(call, {cell}, from, to));
  return std::move(loaded.front());
}

absl::StatusOr<std::vector<std::vector<MeetingRule>>>
SchedulingServiceImpl::LoadRulesOf(const CallContext& call,
                                   const std::vector<OrgInfo>& cells,
                                   absl::CivilDay from, absl::CivilDay to) {
  // One statement for the rules of every organisation on the cells' paths.
  std::set<int64_t> rule_owners;
  for (const OrgInfo& cell : cells) {
    rule_owners.insert(cell.ancestors.begin(), cell.ancestors.end());
  }
  ASSIGN_OR_RETURN(std::vector<ScopedRule> scoped,
                   store_->LoadRules(call, rule_owners));
  // Each cell weighs only the rules on its own path, not every rule of the
  // subtree.
  std::map<int64_t, std::vector<const ScopedRule*>> by_owner;
  for (const ScopedRule& rule : scoped) {
    by_owner[rule.scope.organization_id].push_back(&rule);
  }
  std::vector<std::vector<MeetingRule>> out;
  out.reserve(cells.size());
  for (const OrgInfo& cell : cells) {
    std::vector<ScopedRule> on_path;
    for (int64_t owner : cell.ancestors) {
      auto it = by_owner.find(owner);
      if (it == by_owner.end()) continue;
      for (const ScopedRule* rule : it->second) on_path.push_back(*rule);
    }
    out.push_back(ApplicableRules(on_path, cell.ancestors, cell.category,
                                  from - kMarginDays, to + kMarginDays));
  }
  return out;
}

absl::StatusOr<std::vector<CellData>> SchedulingServiceImpl::LoadCells(
    const CallContext& call, const std::vector<OrgInfo>& cells,
    absl::CivilDay from, absl::CivilDay to) {
  const absl::CivilDay wide_from = from - kMarginDays;
  const absl::CivilDay wide_to = to + kMarginDays;
  // Four statements whatever the number of cells, three of them at once:
  // the rules, the postponements, and the records (then their attendance,
  // where a digest is missing) of all the cells.
  std::vector<int64_t> cell_ids;
  cell_ids.reserve(cells.size());
  for (const OrgInfo& cell : cells) cell_ids.push_back(cell.id);
  std::vector<std::vector<MeetingRule>> rules;
  std::map<int64_t, PostponementsByDay> postponements;
  std::map<int64_t, std::vector<StoredRecord>> records;
  RETURN_IF_ERROR(RunConcurrently({
      Into(&rules, [&] { return LoadRulesOf(call, cells, from, to); }),
      Into(&postponements,
           [&] {
             return store_->LoadPostponementsOf(call, cell_ids, wide_from,
                                                wide_to);
           }),
      Into(&records,
           [&] {
             return store_->LoadRecordsOf(call, cell_ids, wide_from, wide_to);
           }),
  }));
  std::vector<CellData> out;
  out.reserve(cells.size());
  for (size_t i = 0; i < cells.size(); ++i) {
    CellData& data = out.emplace_back();
    data.cell = cells[i];
    data.rules = std::move(rules[i]);
    if (auto it = postponements.find(cells[i].id); it != postponements.end()) {
      data.postponements = std::move(it->second);
    }
    if (auto it = records.find(cells[i].id); it != records.end()) {
      data.records = std::move(it->second);
    }
  }
  return out;
}

absl::StatusOr<std::vector<CellSchedule>> SchedulingServiceImpl::LoadSchedules(
    const CallContext& call, const std::vector<OrgInfo>& cells,
    absl::CivilDay from, absl::CivilDay to, LoadedHolidays* holidays) {
  // Four statements whatever the number of cells, in two rounds of two at
  // once: the holidays and the rules; then, once those have named the
  // occurrences, their postponements and their records, each record
  // looked up by its key. A cell's cost does not grow with its years of
  // records.
  std::vector<std::vector<MeetingRule>> rules;
  RETURN_IF_ERROR(RunConcurrently({
      Into(holidays, [&] { return LoadHolidays(call, from, to); }),
      Into(&rules, [&] { return LoadRulesOf(call, cells, from, to); }),
  }));
  std::vector<int64_t> cell_ids;
  cell_ids.reserve(cells.size());
  std::vector<CellSchedule> out;
  out.reserve(cells.size());
  std::vector<CellOccurrence> keys;
  absl::CivilDay first_nominal = from, last_nominal = to;
  for (size_t i = 0; i < cells.size(); ++i) {
    cell_ids.push_back(cells[i].id);
    CellSchedule& schedule = out.emplace_back();
    schedule.data.cell = cells[i];
    schedule.data.rules = std::move(rules[i]);
    schedule.occurrences =
        ExpandSchedule(schedule.data.rules, holidays->calendar, from, to);
    for (const Occurrence& occurrence : schedule.occurrences) {
      keys.push_back({cells[i].id, occurrence.nominal_day});
      first_nominal = std::min(first_nominal, occurrence.nominal_day);
      last_nominal = std::max(last_nominal, occurrence.nominal_day);
    }
  }
  std::map<int64_t, PostponementsByDay> postponements;
  std::map<int64_t, std::vector<StoredRecord>> records;
  RETURN_IF_ERROR(RunConcurrently({
      Into(&postponements,
           [&] {
             return store_->LoadPostponementsOf(call, cell_ids, first_nominal,
                                                last_nominal);
           }),
      Into(&records,
           [&] {
             return store_->LoadScheduledRecords(call, keys, cell_ids, from,
                                                 to);
           }),
  }));
  for (CellSchedule& schedule : out) {
    CellData& data = schedule.data;
    if (auto it = postponements.find(data.cell.id); it != postponements.end()) {
      data.postponements = std::move(it->second);
    }
    if (auto it = records.find(data.cell.id); it != records.end()) {
      data.records = std::move(it->second);
    }
  }
  return out;
}

grpc::Status SchedulingServiceImpl::ListMeetings(
    grpc::ServerContext* context, const v1::ListMeetingsRequest* request,
    v1::ListMeetingsResponse* response) {
  return gate_->Serve(
      context, Method("ListMeetings"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t org_id,
                         ParseResourceId(request->organization(),
                                         "organizations", "organization"));
        absl::CivilDay from, to;
        RETURN_IF_ERROR(ParsePeriod(request->start_date(), request->end_date(),
                                    kMaxListDays, &from, &to));
        ASSIGN_OR_RETURN(const int limit,
                         NormalizePageSize(request->page_size()));
        // Pages go by cell: the cursor is the last cell served.
        const PageTokens page(
            call.method, "meetings", *request,
            absl::StrCat(FormatDate(from), "|", FormatDate(to)));
        ASSIGN_OR_RETURN(PageCursor cursor, page.Decode(request->page_token()));
        ASSIGN_OR_RETURN(
            TreeView::CellPage cells,
            directory_->CellsPage(call, org_id, "organization", cursor.after_id,
                                  cursor.inner, limit));
        const absl::CivilDay today = TodayInVietnam();
        // A schedule shows records' kind and form, never their marks.
        LoadedHolidays holidays;
        ASSIGN_OR_RETURN(std::vector<CellSchedule> loaded,
                         LoadSchedules(call, cells.cells, from, to, &holidays));
        for (const CellSchedule& schedule : loaded) {
          for (v1::Meeting& meeting : BuildMeetings(
                   schedule.data, schedule.occurrences, from, to, today)) {
            *response->add_meetings() = std::move(meeting);
          }
        }
        if (cells.more) {
          response->set_next_page_token(
              page.After(cells.last_id, cells.next_inner));
        }
        for (const std::string& version : holidays.versions) {
          response->add_holiday_calendars(version);
        }
        for (int year : YearsWithout(holidays, from, to)) {
          response->add_years_without_holiday_calendar(year);
        }
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::PostponeMeeting(
    grpc::ServerContext* context, const v1::PostponeMeetingRequest* request,
    v1::Postponement* response) {
  return gate_->Serve(
      context, Method("PostponeMeeting"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(
            const int64_t cell_id,
            ParseResourceId(request->cell(), "organizations", "cell"));
        if (request->nominal_date().empty()) {
          return absl::InvalidArgumentError("nominal_date: is required");
        }
        ASSIGN_OR_RETURN(absl::CivilDay nominal,
                         ParseDate(request->nominal_date(), "nominal_date"));
        if (request->new_date().empty()) {
          return absl::InvalidArgumentError("new_date: is required");
        }
        ASSIGN_OR_RETURN(absl::CivilDay new_day,
                         ParseDate(request->new_date(), "new_date"));
        if (request->reason().empty()) {
          return absl::InvalidArgumentError(
              "reason: is required (a postponement is announced with its "
              "reason)");
        }
        RETURN_IF_ERROR(CheckText(request->reason(), "reason", 2000));
        std::optional<int> new_minute;
        if (!request->new_time().empty()) {
          ASSIGN_OR_RETURN(new_minute,
                           ParseTimeOfDay(request->new_time(), "new_time"));
        }
        ASSIGN_OR_RETURN(std::optional<absl::CivilDay> backfill_reported_day,
                         BackfillReportedDay(call, *request));
        ASSIGN_OR_RETURN(OrgInfo cell,
                         directory_->GetCell(call, cell_id, "cell"));
        ASSIGN_OR_RETURN(CellData data, LoadCell(call, cell, nominal, nominal));
        ASSIGN_OR_RETURN(LoadedHolidays holidays,
                         LoadHolidays(call, nominal, nominal));
        std::optional<Occurrence> occurrence =
            FindOccurrence(data.rules, holidays.calendar, nominal);
        if (!occurrence) {
          return absl::NotFoundError(absl::StrCat(
              "nominal_date: ", request->cell(),
              " has no meeting with "
              "nominal date ",
              FormatDate(nominal),
              " under its rules (ListMeetings gives the nominal dates)"));
        }
        return store_->Postpone(call, *request, cell_id, nominal,
                                occurrence->day, new_day,
                                new_minute.value_or(occurrence->start_minute),
                                backfill_reported_day, response);
      });
}

grpc::Status SchedulingServiceImpl::GetMeetingRecord(
    grpc::ServerContext* context, const v1::GetMeetingRecordRequest* request,
    v1::MeetingRecord* response) {
  return gate_->Serve(
      context, Method("GetMeetingRecord"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t id,
                         ParseResourceId(request->name(), "meetings", "name"));
        return store_->GetRecord(call, id, response);
      });
}

grpc::Status SchedulingServiceImpl::ListTasks(
    grpc::ServerContext* context, const v1::ListTasksRequest* request,
    v1::ListTasksResponse* response) {
  return gate_->Serve(
      context, Method("ListTasks"), *request,
      [&](const CallContext& call) -> absl::Status {
        // Answered from our own tables alone: works while the registry is
        // down.
        ASSIGN_OR_RETURN(
            const int64_t cell_id,
            ParseResourceId(request->cell(), "organizations", "cell"));
        ASSIGN_OR_RETURN(const int limit,
                         NormalizePageSize(request->page_size()));
        const PageTokens page(call.method, "tasks", *request);
        ASSIGN_OR_RETURN(PageCursor cursor, page.Decode(request->page_token()));
        bool more = false;
        RETURN_IF_ERROR(store_->ListTasks(call, cell_id, request->open_only(),
                                          cursor.after_id, limit, response,
                                          &more));
        if (more) {
          response->set_next_page_token(
              page.After(response->tasks().rbegin()->name()));
        }
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::UpdateTask(
    grpc::ServerContext* context, const v1::UpdateTaskRequest* request,
    v1::Task* response) {
  return gate_->Serve(
      context, Method("UpdateTask"), *request,
      [&](const CallContext& call) -> absl::Status {
        const v1::Task& task = request->task();
        ASSIGN_OR_RETURN(const int64_t id,
                         ParseResourceId(task.name(), "tasks", "task.name"));
        RETURN_IF_ERROR(
            ValidateUpdateMask(request->update_mask(),
                               {"status", "due_date", "title", "assignee"}));
        for (const std::string& path : request->update_mask().paths()) {
          if (path == "status" &&
              (task.status() == v1::TASK_STATUS_UNSPECIFIED ||
               !v1::TaskStatus_IsValid(task.status()))) {
            return absl::InvalidArgumentError(
                "task.status: must be OPEN, IN_PROGRESS, DONE or CANCELLED");
          }
          if (path == "due_date") {
            RETURN_IF_ERROR(
                ParseDate(task.due_date(), "task.due_date").status());
          }
          if (path == "title" &&
              (task.title().empty() || task.title().size() > 1024)) {
            return absl::InvalidArgumentError(
                "task.title: 1..1024 bytes of text");
          }
          if (path == "title") {
            RETURN_IF_ERROR(CheckText(task.title(), "task.title", 1024));
          }
          if (path == "assignee") {
            // A member of the task's cell today, or one of its party groups.
            v1::Task current;
            RETURN_IF_ERROR(store_->GetTask(call, id, &current));
            const int64_t cell_id = OrgId(current.cell());
            const absl::CivilDay today = TodayInVietnam();
            ASSIGN_OR_RETURN(OrgDirectory::MemberMap members,
                             directory_->Members(call, cell_id, today));
            RETURN_IF_ERROR(
                directory_->CheckAssignee(call, cell_id, task.assignee(),
                                          "task.assignee", members, today));
          }
        }
        return store_->UpdateTask(call, *request, id, response);
      });
}

}  // namespace chibo::scheduling
