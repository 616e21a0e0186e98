#ifndef CHIBO_TESTS_UNIT_SCHEDULING_RULES_ORACLE_H_
#define CHIBO_TESTS_UNIT_SCHEDULING_RULES_ORACLE_H_

// The CivilDay expansion before day numbers, as a test oracle only.

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/scheduling/schedule_rules.h"

namespace chibo::scheduling::oracle {

std::optional<Occurrence> OccurrenceInMonth(const MeetingRule& rule,
                                            const WorkingCalendar& calendar,
                                            int year, int month);

std::vector<Occurrence> ExpandSchedule(const std::vector<MeetingRule>& rules,
                                       const WorkingCalendar& calendar,
                                       absl::CivilDay from, absl::CivilDay to);

std::vector<MeetingRule> ApplicableRules(const std::vector<ScopedRule>& rules,
                                         const std::vector<int64_t>& ancestors,
                                         int category, absl::CivilDay from,
                                         absl::CivilDay to);

}  // namespace chibo::scheduling::oracle

#endif  // CHIBO_TESTS_UNIT_SCHEDULING_RULES_ORACLE_H_
