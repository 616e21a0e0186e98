#ifndef CHIBO_SERVICES_REGISTRY_DATED_HISTORY_H_
#define CHIBO_SERVICES_REGISTRY_DATED_HISTORY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "common/mysql_pool.h"

namespace chibo::registry {

// A dated history table (placements, statuses, memberships): rows
// (owner, valid_from, valid_to, value[, note]) where only the latest period
// is open. The statements are fixed per table; values are bound.
struct HistoryTable {
  // SELECT valid_from, value ... WHERE owner = ? ORDER BY valid_from DESC
  // LIMIT 1 FOR UPDATE
  const char* latest;
  // UPDATE ... SET value = ?[, note = ?] WHERE owner = ? AND valid_from = ?
  const char* replace;
  // UPDATE ... SET valid_to = ? WHERE owner = ? AND valid_from = ?
  const char* close;
  // INSERT ... (owner, valid_from, value[, note]) VALUES (?, ?, ?[, ?])
  const char* open;
  bool has_note = false;
};

extern const HistoryTable kPlacements;
extern const HistoryTable kStatuses;
extern const HistoryTable kMemberships;

struct LatestPeriod {
  std::string valid_from;
  int64_t value = 0;
};

// The owner's latest period, row-locked; nullopt when it has none.
std::optional<LatestPeriod> LockLatestPeriod(DbConnection& db,
                                             const HistoryTable& table,
                                             int64_t owner);

// Records `value` from `effective` (PlanPeriodChange decides: a same-day
// correction replaces the latest period, a later day closes it and opens a
// new one; an earlier day is FAILED_PRECONDITION naming `field`).
absl::Status AppendPeriod(DbConnection& db, const HistoryTable& table,
                          int64_t owner, const LatestPeriod& latest,
                          absl::CivilDay effective, int64_t value,
                          const std::string& note, absl::string_view field);

}  // namespace chibo::registry

#endif  // CHIBO_SERVICES_REGISTRY_DATED_HISTORY_H_
