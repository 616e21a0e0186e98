#ifndef CHIBO_COMMON_ROSTER_CACHE_H_
#define CHIBO_COMMON_ROSTER_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/feed_head_watch.h"
#include "common/registry_client.h"
#include "common/rpc.h"

namespace chibo {

// The registry's members of a cell on a day (and, when asked, the cell's
// ancestry on another day), kept and handed out again while the
// registry's feed head has not moved. Each answer is checked by a feed
// head read that began after the call (FeedHeadWatch), so it is what the
// registry would answer if asked now: a write that checks its attendance
// against it checks against the registry's current answer, as one that
// asks the registry does. Any registry write moves the head and so retires
// every kept answer; between writes, a cell's meetings cost one shared
// head read instead of a roster each. When the head cannot be read the
// registry is asked, as before. Thread-safe.
class RosterCache {
 public:
  struct Key {
    int64_t cell = 0;
    absl::CivilDay day;           // the members on this day
    bool with_ancestry = false;   // and the cell's ancestry ...
    absl::CivilDay ancestry_day;  // ... on this day
    bool operator<(const Key& other) const {
      return std::tie(cell, day, with_ancestry, ancestry_day) <
             std::tie(other.cell, other.day, other.with_ancestry,
                      other.ancestry_day);
    }
  };
  using Answer = RegistryClient::CellWithMembers;
  // Asks the registry (ancestry empty unless key.with_ancestry).
  using Fetch = std::function<absl::StatusOr<Answer>(const CallContext& call,
                                                     const Key& key)>;

  static constexpr size_t kCapacity = 2048;

  // `watch` is not owned.
  RosterCache(Fetch fetch, FeedHeadWatch* watch, size_t capacity = kCapacity);

  // The registry's current answer for `key`: kept, or asked now (shared,
  // not copied: a 33-member roster is a hundred allocations). Errors are
  // the registry's and are not kept.
  absl::StatusOr<std::shared_ptr<const Answer>> Get(const CallContext& call,
                                                    const Key& key);

  // Answers handed out from memory (for tests and metrics).
  int64_t hits() const;

 private:
  struct Entry {
    std::shared_ptr<const Answer> answer;
    FeedHeadWatch::Mark taken;  // the read just before it was asked
  };
  // Makes room: drops what is no longer current at `now`, then (if still
  // full) everything.
  void Prune(const FeedHeadWatch::Mark& now);

  const Fetch fetch_;
  FeedHeadWatch* const watch_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::map<Key, Entry> entries_;
  int64_t hits_ = 0;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_ROSTER_CACHE_H_
