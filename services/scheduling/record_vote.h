#ifndef CHIBO_SERVICES_SCHEDULING_RECORD_VOTE_H_
#define CHIBO_SERVICES_SCHEDULING_RECORD_VOTE_H_

// A record's vote facts and vote, from the request and the registry's
// members of the cell that day, decided by the pure vote rule.

#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "chibo/scheduling/v1/scheduling.pb.h"
#include "services/scheduling/org_directory.h"
#include "services/scheduling/schedule_rules.h"
#include "services/scheduling/store.h"

namespace chibo::scheduling {

// Fills record->voter_facts (one per record->attendance entry, which must
// already be resolved in the order of r.attendance) and, when r has a
// vote, record->vote under the rule in force on `held_day` among `rules`.
// INVALID_ARGUMENT names the field.
absl::Status ResolveVote(const v1::MeetingRecord& r,
                         const OrgDirectory::MemberMap& members,
                         const std::vector<VoteRule>& rules,
                         absl::CivilDay held_day, NewRecord* record);

}  // namespace chibo::scheduling

#endif  // CHIBO_SERVICES_SCHEDULING_RECORD_VOTE_H_
