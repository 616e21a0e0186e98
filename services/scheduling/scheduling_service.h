#ifndef CHIBO_SERVICES_SCHEDULING_SCHEDULING_SERVICE_H_
#define CHIBO_SERVICES_SCHEDULING_SCHEDULING_SERVICE_H_

#include <string>
#include <vector>

#include "chibo/scheduling/v1/scheduling.grpc.pb.h"
#include "common/rpc.h"
#include "services/scheduling/org_directory.h"
#include "services/scheduling/schedule_view.h"
#include "services/scheduling/store.h"

namespace chibo::scheduling {

// gRPC handlers: validate the request, ask the registry (through the
// OrgDirectory) and the store, compose with the pure rules. No SQL here.
// Every handler runs through RpcGate::Serve.
class SchedulingServiceImpl final : public v1::SchedulingService::Service {
 public:
  SchedulingServiceImpl(SchedulingStore* store, OrgDirectory* directory,
                        const RpcGate* gate)
      : store_(store), directory_(directory), gate_(gate) {}

  static std::string Method(absl::string_view rpc);

  grpc::Status CreateMeetingRule(grpc::ServerContext* context,
                                 const v1::CreateMeetingRuleRequest* request,
                                 v1::MeetingRule* response) override;
  grpc::Status GetMeetingRule(grpc::ServerContext* context,
                              const v1::GetMeetingRuleRequest* request,
                              v1::MeetingRule* response) override;
  grpc::Status ListMeetingRules(
      grpc::ServerContext* context, const v1::ListMeetingRulesRequest* request,
      v1::ListMeetingRulesResponse* response) override;
  grpc::Status ReviseMeetingRule(grpc::ServerContext* context,
                                 const v1::ReviseMeetingRuleRequest* request,
                                 v1::MeetingRule* response) override;
  grpc::Status SetHolidayCalendar(grpc::ServerContext* context,
                                  const v1::SetHolidayCalendarRequest* request,
                                  v1::HolidayCalendar* response) override;
  grpc::Status GetHolidayCalendar(grpc::ServerContext* context,
                                  const v1::GetHolidayCalendarRequest* request,
                                  v1::HolidayCalendar* response) override;
  grpc::Status ListMeetings(grpc::ServerContext* context,
                            const v1::ListMeetingsRequest* request,
                            v1::ListMeetingsResponse* response) override;
  grpc::Status PostponeMeeting(grpc::ServerContext* context,
                               const v1::PostponeMeetingRequest* request,
                               v1::Postponement* response) override;
  grpc::Status RecordMeeting(grpc::ServerContext* context,
                             const v1::RecordMeetingRequest* request,
                             v1::MeetingRecord* response) override;
  grpc::Status UpdateMeetingRecord(
      grpc::ServerContext* context,
      const v1::UpdateMeetingRecordRequest* request,
      v1::MeetingRecord* response) override;
  grpc::Status GetMeetingRecord(grpc::ServerContext* context,
                                const v1::GetMeetingRecordRequest* request,
                                v1::MeetingRecord* response) override;
  grpc::Status ListTasks(grpc::ServerContext* context,
                         const v1::ListTasksRequest* request,
                         v1::ListTasksResponse* response) override;
  grpc::Status UpdateTask(grpc::ServerContext* context,
                          const v1::UpdateTaskRequest* request,
                          v1::Task* response) override;
  grpc::Status CreateTopic(grpc::ServerContext* context,
                           const v1::CreateTopicRequest* request,
                           v1::Topic* response) override;
  grpc::Status ListTopics(grpc::ServerContext* context,
                          const v1::ListTopicsRequest* request,
                          v1::ListTopicsResponse* response) override;
  grpc::Status GetPlanCompletion(grpc::ServerContext* context,
                                 const v1::GetPlanCompletionRequest* request,
                                 v1::PlanCompletion* response) override;
  grpc::Status GetComplianceReport(
      grpc::ServerContext* context,
      const v1::GetComplianceReportRequest* request,
      v1::ComplianceReport* response) override;
  grpc::Status ExportCalendar(grpc::ServerContext* context,
                              const v1::ExportCalendarRequest* request,
                              v1::ExportCalendarResponse* response) override;

 private:
  // Loads what the cell's schedule over [from, to] depends on, with the
  // holidays of those years (their versions appended to `calendars`).
  absl::StatusOr<CellData> LoadCell(const CallContext& call,
                                    const OrgInfo& cell, absl::CivilDay from,
                                    absl::CivilDay to);
  // LoadCell for many cells in a fixed number of statements, in the order
  // of `cells`.
  absl::StatusOr<std::vector<CellData>> LoadCells(
      const CallContext& call, const std::vector<OrgInfo>& cells,
      absl::CivilDay from, absl::CivilDay to);
  // What the schedules of `cells` over [from, to] show, in the order of
  // `cells`: their occurrences, and only the records and postponements of
  // those (plus extra meetings held in the period), without marks; with
  // the holidays of those years into `holidays`.
  absl::StatusOr<std::vector<CellSchedule>> LoadSchedules(
      const CallContext& call, const std::vector<OrgInfo>& cells,
      absl::CivilDay from, absl::CivilDay to, LoadedHolidays* holidays);
  // The applicable rules of each of `cells` around [from, to], in one
  // statement.
  absl::StatusOr<std::vector<std::vector<MeetingRule>>> LoadRulesOf(
      const CallContext& call, const std::vector<OrgInfo>& cells,
      absl::CivilDay from, absl::CivilDay to);
  // Only the rules and holidays of LoadCell, read with one check of the
  // rule data's generation: what a write that needs no records or
  // postponements (RecordMeeting) reads.
  // With `unconfirmed`, may answer from kept data without a read and name
  // its generation there (SchedulingStore::LoadRulesAndHolidays).
  absl::Status LoadCellRules(const CallContext& call, const OrgInfo& cell,
                             absl::CivilDay from, absl::CivilDay to,
                             std::vector<MeetingRule>* rules,
                             LoadedHolidays* holidays,
                             std::optional<int64_t>* unconfirmed = nullptr);
  // The rules a record of `r` held on `held_day` falls under, applied to
  // `record` (its rule and minimum length).
  absl::Status LoadRecordRules(const CallContext& call,
                               const v1::MeetingRecord& r, const OrgInfo& cell,
                               absl::CivilDay held_day,
                               std::optional<int64_t>* unconfirmed,
                               NewRecord* record);
  absl::StatusOr<LoadedHolidays> LoadHolidays(const CallContext& call,
                                              absl::CivilDay from,
                                              absl::CivilDay to);

  SchedulingStore* store_;
  OrgDirectory* directory_;
  const RpcGate* gate_;
};

// A period [start, end] from request fields: both required, end not before
// start, at most `max_days` long.
absl::Status ParsePeriod(absl::string_view start_text,
                         absl::string_view end_text, int max_days,
                         absl::CivilDay* start, absl::CivilDay* end);

// The years of [from, to] that `holidays` found no calendar for.
std::vector<int> YearsWithout(const LoadedHolidays& holidays,
                              absl::CivilDay from, absl::CivilDay to);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_SCHEDULING_SERVICE_H_
