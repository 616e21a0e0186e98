// UpdateMeetingRecord: corrections of a record after the fact, checked as
// RecordMeeting checks a new one.

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/dates.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "common/update_mask.h"
#include "services/scheduling/proto_codec.h"
#include "services/scheduling/record_attendance.h"
#include "services/scheduling/record_vote.h"
#include "services/scheduling/scheduling_service.h"

namespace chibo::scheduling {

grpc::Status SchedulingServiceImpl::UpdateMeetingRecord(
    grpc::ServerContext* context, const v1::UpdateMeetingRecordRequest* request,
    v1::MeetingRecord* response) {
  return gate_->Serve(
      context, Method("UpdateMeetingRecord"), *request,
      [&](const CallContext& call) -> absl::Status {
        const v1::MeetingRecord& r = request->record();
        ASSIGN_OR_RETURN(const int64_t id,
                         ParseResourceId(r.name(), "meetings", "record.name"));
        RETURN_IF_ERROR(ValidateUpdateMask(
            request->update_mask(),
            {"attendance", "vote", "agenda", "conclusions", "resolution"}));
        const std::set<std::string> paths(
            request->update_mask().paths().begin(),
            request->update_mask().paths().end());
        RETURN_IF_ERROR(CheckText(r.agenda(), "record.agenda", 65535));
        RETURN_IF_ERROR(
            CheckText(r.conclusions(), "record.conclusions", 1 << 20));
        RETURN_IF_ERROR(
            CheckText(r.resolution(), "record.resolution", 1 << 20));

        v1::MeetingRecord current;
        RETURN_IF_ERROR(store_->GetRecord(call, id, &current));
        NewRecord record;
        record.cell_id = OrgId(current.cell());
        const bool attendance = paths.count("attendance") > 0;
        const bool vote = paths.count("vote") > 0;
        if (attendance && current.has_vote() && !vote) {
          return absl::InvalidArgumentError(
              "update_mask: this record has a vote; give \"vote\" beside "
              "\"attendance\" (the denominator follows the attendance)");
        }
        if (attendance || vote) {
          // The record as it will be: its attendance and vote, corrected.
          v1::MeetingRecord merged;
          *merged.mutable_attendance() =
              attendance ? r.attendance() : current.attendance();
          if (vote && r.has_vote()) *merged.mutable_vote() = r.vote();
          ASSIGN_OR_RETURN(
              absl::CivilMinute start,
              ParseLocalDateTime(current.start_time(), "record.start_time"));
          const absl::CivilDay held_day(start);
          ASSIGN_OR_RETURN(OrgDirectory::MemberMap members,
                           directory_->Members(call, record.cell_id, held_day));
          RETURN_IF_ERROR(ResolveAttendance(merged, members, record.cell_id,
                                            held_day, &record.attendance));
          std::vector<VoteRule> vote_rules;
          if (merged.has_vote()) {
            ASSIGN_OR_RETURN(vote_rules, store_->LoadVoteRules(call));
          }
          RETURN_IF_ERROR(
              ResolveVote(merged, members, vote_rules, held_day, &record));
        }
        return store_->UpdateRecord(call, *request, id, record, paths,
                                    response);
      });
}

}  // namespace chibo::scheduling
