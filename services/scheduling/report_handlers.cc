// Compliance reports and the calendar export.

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/dates.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "services/scheduling/scheduling_service.h"

namespace chibo::scheduling {
namespace {

constexpr int kMaxReportDays = 800;

bool FullyCompliant(const v1::CellCompliance& cell) {
  return cell.months_missing_regular().empty() &&
         cell.quarters_missing_thematic().empty() &&
         cell.meetings_too_short() == 0 && cell.meetings_missed() == 0;
}

}  // namespace

grpc::Status SchedulingServiceImpl::GetComplianceReport(
    grpc::ServerContext* context, const v1::GetComplianceReportRequest* request,
    v1::ComplianceReport* response) {
  return gate_->Serve(
      context, Method("GetComplianceReport"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(const int64_t org_id,
                         ParseResourceId(request->organization(),
                                         "organizations", "organization"));
        absl::CivilDay from, to;
        RETURN_IF_ERROR(ParsePeriod(request->start_date(), request->end_date(),
                                    kMaxReportDays, &from, &to));
        ASSIGN_OR_RETURN(std::vector<OrgInfo> cells,
                         directory_->CellsUnder(call, org_id, "organization"));
        ASSIGN_OR_RETURN(LoadedHolidays holidays, LoadHolidays(call, from, to));
        const absl::CivilDay today = TodayInVietnam();
        response->set_organization(request->organization());
        response->set_start_date(FormatDate(from));
        response->set_end_date(FormatDate(to));
        ASSIGN_OR_RETURN(std::vector<std::string> rule_sets,
                         store_->ComplianceRuleSets(call, from, to));
        response->set_rule_set(absl::StrJoin(rule_sets, "; "));
        double weighted_rate = 0;
        int cells_with_records = 0;
        std::vector<v1::AbsenceAlert> alerts;
        ASSIGN_OR_RETURN(std::vector<CellData> loaded,
                         LoadCells(call, cells, from, to));
        for (const CellData& data : loaded) {
          v1::CellCompliance compliance = CellComplianceOf(
              data, holidays.calendar, from, to, today, &alerts);
          if (compliance.meetings_held() > 0) {
            weighted_rate += compliance.attendance_rate();
            ++cells_with_records;
          }
          if (FullyCompliant(compliance)) {
            response->set_cells_fully_compliant(
                response->cells_fully_compliant() + 1);
          }
          *response->add_cells() = std::move(compliance);
        }
        for (v1::AbsenceAlert& alert : alerts) {
          *response->add_alerts() = std::move(alert);
        }
        response->set_attendance_rate(
            cells_with_records == 0 ? 0.0 : weighted_rate / cells_with_records);
        for (const std::string& version : holidays.versions) {
          response->add_holiday_calendars(version);
        }
        for (int year : YearsWithout(holidays, from, to)) {
          response->add_years_without_holiday_calendar(year);
        }
        return absl::OkStatus();
      });
}

grpc::Status SchedulingServiceImpl::ExportCalendar(
    grpc::ServerContext* context, const v1::ExportCalendarRequest* request,
    v1::ExportCalendarResponse* response) {
  return gate_->Serve(
      context, Method("ExportCalendar"), *request,
      [&](const CallContext& call) -> absl::Status {
        ASSIGN_OR_RETURN(
            const int64_t cell_id,
            ParseResourceId(request->cell(), "organizations", "cell"));
        absl::CivilDay from, to;
        RETURN_IF_ERROR(ParsePeriod(request->start_date(), request->end_date(),
                                    kMaxReportDays, &from, &to));
        ASSIGN_OR_RETURN(OrgInfo cell,
                         directory_->GetCell(call, cell_id, "cell"));
        ASSIGN_OR_RETURN(CellData data, LoadCell(call, cell, from, to));
        ASSIGN_OR_RETURN(LoadedHolidays holidays, LoadHolidays(call, from, to));
        const std::vector<v1::Meeting> meetings =
            BuildMeetings(data, holidays.calendar, from, to, TodayInVietnam());
        response->set_ics(ExportICalendar(
            absl::StrCat("Lịch sinh hoạt: ", cell.display_name),
            CalendarEventsOf(cell.display_name, meetings), absl::Now()));
        return absl::OkStatus();
      });
}

}  // namespace chibo::scheduling
