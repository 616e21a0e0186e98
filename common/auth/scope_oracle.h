#ifndef CHIBO_COMMON_AUTH_SCOPE_ORACLE_H_
#define CHIBO_COMMON_AUTH_SCOPE_ORACLE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/rpc.h"

namespace chibo::auth {

// The members of a cell on a day, as an oracle found them: the ids a dated
// reference is checked against, and, from an oracle that asked a peer, its
// whole answer for the handler (Caller::rosters).
struct MemberRoster {
  std::vector<int64_t> ids;
  std::shared_ptr<const AdmittedRoster> admitted;
};

// Answers the questions scope checks ask of the organisation tree. The
// registry answers from its own tables; other services ask the registry.
class ScopeOracle {
 public:
  virtual ~ScopeOracle() = default;

  // The organisations a resource belongs to: an organisation is its own,
  // a member belongs to its current cell, a position to its organisation.
  // NOT_FOUND when the resource does not exist.
  virtual absl::StatusOr<std::vector<int64_t>> OrganizationsOf(
      absl::string_view resource_name, absl::Time deadline) = 0;

  // The organisation with this external code, or nullopt.
  virtual absl::StatusOr<std::optional<int64_t>> OrganizationByCode(
      absl::string_view code, absl::Time deadline) = 0;

  // `id` and its current ancestors up to the province root. NOT_FOUND when
  // `id` does not exist. May come from a cache (CachedScopeOracle) within
  // kReadStaleness.
  virtual absl::StatusOr<std::vector<int64_t>> AncestorsOf(
      int64_t id, absl::Time deadline) = 0;

  // The same, as the tree stands now: what writes decide scope on, so that
  // no write passes on a scope an acknowledged move has taken away. By
  // default AncestorsOf (an oracle without a cache is fresh).
  virtual absl::StatusOr<std::vector<int64_t>> FreshAncestorsOf(
      int64_t id, absl::Time deadline) {
    return AncestorsOf(id, deadline);
  }

  // The ids of the members of `organization` (a cell) on `day`, as the
  // registry holds them now: what a dated member reference
  // (access.proto's Reference.as_of) is checked against. Never cached. By
  // default UNIMPLEMENTED, so a dated reference the service cannot answer
  // refuses the call.
  virtual absl::StatusOr<MemberRoster> MembersOn(int64_t organization,
                                                 absl::CivilDay day,
                                                 absl::Time deadline);

  // The day a dated resource belongs to (a held meeting: the day it was
  // held). NOT_FOUND when it does not exist or is not dated (the default).
  virtual absl::StatusOr<absl::CivilDay> DayOf(absl::string_view resource_name,
                                               absl::Time deadline);
};

// How stale a read's scope check may be: a cached ancestry is used for at
// most this long after it was fetched.
inline constexpr absl::Duration kReadStaleness = absl::Seconds(1);

// Caches AncestorsOf, the question every read's scope check asks, for
// `ttl` (kReadStaleness in production). Invalidate() is called when the
// registry's change feed shows the tree changed (a move or a deletion),
// which usually ends staleness sooner; the ttl bounds it whatever the feed
// does. FreshAncestorsOf (writes) always asks `inner` and refreshes the
// entry.
class CachedScopeOracle : public ScopeOracle {
 public:
  // `now` is the clock (tests pass their own).
  CachedScopeOracle(std::unique_ptr<ScopeOracle> inner, absl::Duration ttl,
                    size_t max_entries = 100000,
                    std::function<absl::Time()> now = absl::Now);

  absl::StatusOr<std::vector<int64_t>> OrganizationsOf(
      absl::string_view resource_name, absl::Time deadline) override;
  absl::StatusOr<std::optional<int64_t>> OrganizationByCode(
      absl::string_view code, absl::Time deadline) override;
  absl::StatusOr<std::vector<int64_t>> AncestorsOf(
      int64_t id, absl::Time deadline) override;
  absl::StatusOr<std::vector<int64_t>> FreshAncestorsOf(
      int64_t id, absl::Time deadline) override;
  absl::StatusOr<MemberRoster> MembersOn(int64_t organization,
                                         absl::CivilDay day,
                                         absl::Time deadline) override;
  absl::StatusOr<absl::CivilDay> DayOf(absl::string_view resource_name,
                                       absl::Time deadline) override;

  void Invalidate();

 private:
  struct Entry {
    std::vector<int64_t> ancestors;
    absl::Time expires;
  };
  std::unique_ptr<ScopeOracle> inner_;
  const absl::Duration ttl_;
  const size_t max_entries_;
  const std::function<absl::Time()> now_;
  std::mutex mu_;
  std::map<int64_t, Entry> cache_;
};

}  // namespace chibo::auth

#endif  // CHIBO_COMMON_AUTH_SCOPE_ORACLE_H_
