// Meeting-day rules and holiday calendars.

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/paging.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "services/scheduling/proto_codec.h"
#include "services/scheduling/scheduling_service.h"

namespace chibo::scheduling {
namespace {

constexpr int kMaxHolidays = 60;

absl::Status CheckRuleTarget(const v1::MeetingRule& rule, const OrgInfo& org) {
  switch (rule.target()) {
    case v1::RULE_TARGET_CELL:
      if (!org.is_cell) {
        return absl::FailedPreconditionError(absl::StrCat(
            "rule.organization: ", rule.organization(),
            " is not a cell; a committee sets RULE_TARGET_SUBTREE or "
            "RULE_TARGET_CATEGORY rules"));
      }
      break;
    case v1::RULE_TARGET_CATEGORY:
    case v1::RULE_TARGET_SUBTREE:
      if (org.is_cell) {
        return absl::FailedPreconditionError(absl::StrCat(
            "rule.organization: ", rule.organization(),
            " is a cell; a cell sets RULE_TARGET_CELL rules for itself"));
      }
      break;
    default:
      return absl::InvalidArgumentError(
          "rule.target: must be RULE_TARGET_CELL, RULE_TARGET_CATEGORY or "
          "RULE_TARGET_SUBTREE");
  }
  if (rule.target() == v1::RULE_TARGET_CATEGORY &&
      (rule.category() < 1 || rule.category() > 6)) {
    return absl::InvalidArgumentError(
        "rule.category: a RULE_TARGET_CATEGORY rule names a cell category "
        "1..6 (the registry's CellCategory)");
  }
  if (rule.target() != v1::RULE_TARGET_CATEGORY && rule.category() != 0) {
    return absl::InvalidArgumentError(
        "rule.category: only RULE_TARGET_CATEGORY rules name a category");
  }
  return absl::OkStatus();
}

}  // namespace

std::string SchedulingServiceImpl::Method(absl::string_view rpc) {
  return absl::StrCat(v1::SchedulingService::service_full_name(), "/", rpc);
}

grpc::Status SchedulingServiceImpl::CreateMeetingRule(
    grpc::ServerContext* context, const v1::CreateMeetingRuleRequest* request,
    v1::MeetingRule* response) {
  return gate_->Serve(
      context, Method("CreateMeetingRule"), *request,
      [&](const CallContext& call) -> absl::Status {
        if (!request->has_rule()) {
          return absl::InvalidArgumentError("rule: is required");
        }
        const v1::MeetingRule& rule = request->rule();
        ASSIGN_OR_RETURN(const int64_t org_id,
                         ParseResourceId(rule.organization(), "organizations",
                                         "rule.organization"));
        if (rule.versions_size() != 1) {
          return absl::InvalidArgumentError(
              "rule.versions: give exactly one, the first version; later "
              "ones come through ReviseMeetingRule");
        }
        ASSIGN_OR_RETURN(MeetingRule first,
                         RuleFromProto(rule.versions(0), "rule.versions[0]"));
        RETURN_IF_ERROR(CheckText(rule.source(), "rule.source", 512));
        ASSIGN_OR_RETURN(OrgInfo org,
                         directory_->Get(call, org_id, "rule.organization"));
        RETURN_IF_ERROR(CheckRuleTarget(rule, org));
        RETURN_IF_ERROR(
            store_->CreateRule(call, *request, org_id, first, response));
        // Not stored: a function of the version, the same on a retry.
        for (const std::string& warning : RuleWarnings(first)) {
          response->add_warnings(
              absl::StrCat("rule.versions[0].", warning.substr(5)));
        }
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::GetMeetingRule(
    grpc::ServerContext* context, const v1::GetMeetingRuleRequest* request,
    v1::MeetingRule* response) {
  return gate_->Serve(
      context, Method("GetMeetingRule"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(
            const int64_t id,
            ParseResourceId(request->name(), "meetingRules", "name"));
        return store_->GetRule(call, id, response);
      });
}

grpc::Status SchedulingServiceImpl::ListMeetingRules(
    grpc::ServerContext* context, const v1::ListMeetingRulesRequest* request,
    v1::ListMeetingRulesResponse* response) {
  return gate_->Serve(
      context, Method("ListMeetingRules"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t org_id,
                         ParseResourceId(request->organization(),
                                         "organizations", "organization"));
        ASSIGN_OR_RETURN(const int limit,
                         NormalizePageSize(request->page_size()));
        const PageTokens page(call.method, "meetingRules", *request);
        ASSIGN_OR_RETURN(PageCursor cursor, page.Decode(request->page_token()));
        bool more = false;
        RETURN_IF_ERROR(store_->ListRules(call, org_id, cursor.after_id, limit,
                                          response, &more));
        if (more) {
          response->set_next_page_token(
              page.After(response->rules().rbegin()->name()));
        }
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::ReviseMeetingRule(
    grpc::ServerContext* context, const v1::ReviseMeetingRuleRequest* request,
    v1::MeetingRule* response) {
  return gate_->Serve(
      context, Method("ReviseMeetingRule"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(
            const int64_t id,
            ParseResourceId(request->name(), "meetingRules", "name"));
        if (!request->has_version()) {
          return absl::InvalidArgumentError("version: is required");
        }
        ASSIGN_OR_RETURN(MeetingRule next,
                         RuleFromProto(request->version(), "version"));
        next.id = id;
        RETURN_IF_ERROR(store_->ReviseRule(call, *request, id, next, response));
        for (const std::string& warning : RuleWarnings(next)) {
          response->add_warnings(absl::StrCat("version.", warning.substr(5)));
        }
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::SetHolidayCalendar(
    grpc::ServerContext* context, const v1::SetHolidayCalendarRequest* request,
    v1::HolidayCalendar* response) {
  return gate_->Serve(
      context, Method("SetHolidayCalendar"), *request,
      [&](const CallContext& call) -> absl::Status {
        const v1::HolidayCalendar& calendar = request->calendar();
        if (calendar.year() < 1990 || calendar.year() > 2200) {
          return absl::InvalidArgumentError(
              "calendar.year: must be 1990..2200");
        }
        if (calendar.holidays_size() > kMaxHolidays) {
          return absl::InvalidArgumentError(absl::StrCat(
              "calendar.holidays: at most ", kMaxHolidays, " days"));
        }
        RETURN_IF_ERROR(CheckText(calendar.source(), "calendar.source", 512));
        std::vector<absl::CivilDay> days;
        std::set<absl::CivilDay> seen;
        for (int i = 0; i < calendar.holidays_size(); ++i) {
          const std::string field = absl::StrCat("calendar.holidays[", i, "]");
          ASSIGN_OR_RETURN(
              absl::CivilDay day,
              ParseDate(calendar.holidays(i).date(), field + ".date"));
          if (day.year() != calendar.year()) {
            return absl::InvalidArgumentError(
                absl::StrCat(field, ".date: ", FormatDate(day), " is not in ",
                             calendar.year()));
          }
          if (!seen.insert(day).second) {
            return absl::InvalidArgumentError(absl::StrCat(
                field, ".date: ", FormatDate(day), " is listed twice"));
          }
          RETURN_IF_ERROR(
              CheckText(calendar.holidays(i).title(), field + ".title", 255));
          days.push_back(day);
        }
        if (calendar.working_days_size() > kMaxHolidays) {
          return absl::InvalidArgumentError(absl::StrCat(
              "calendar.working_days: at most ", kMaxHolidays, " days"));
        }
        std::vector<absl::CivilDay> working_days;
        for (int i = 0; i < calendar.working_days_size(); ++i) {
          const std::string field =
              absl::StrCat("calendar.working_days[", i, "]");
          ASSIGN_OR_RETURN(
              absl::CivilDay day,
              ParseDate(calendar.working_days(i).date(), field + ".date"));
          if (day.year() != calendar.year()) {
            return absl::InvalidArgumentError(
                absl::StrCat(field, ".date: ", FormatDate(day), " is not in ",
                             calendar.year()));
          }
          RETURN_IF_ERROR(CheckText(calendar.working_days(i).title(),
                                    field + ".title", 255));
          working_days.push_back(day);
        }
        RETURN_IF_ERROR(ValidateWorkingDays(seen, working_days));
        return store_->SetHolidays(call, *request, days, working_days,
                                   response);
      });
}

grpc::Status SchedulingServiceImpl::GetHolidayCalendar(
    grpc::ServerContext* context, const v1::GetHolidayCalendarRequest* request,
    v1::HolidayCalendar* response) {
  return gate_->Serve(
      context, Method("GetHolidayCalendar"), *request,
      [&](const CallContext& call) -> absl::Status {
        if (request->year() < 1990 || request->year() > 2200) {
          return absl::InvalidArgumentError("year: must be 1990..2200");
        }
        if (request->version() < 0) {
          return absl::InvalidArgumentError(
              "version: must be positive (0: the latest)");
        }
        return store_->GetHolidays(call, request->year(), request->version(),
                                   response);
      });
}

}  // namespace chibo::scheduling
