#ifndef CHIBO_COMMON_AUTH_SCOPE_ORACLE_H_
#define CHIBO_COMMON_AUTH_SCOPE_ORACLE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chibo::auth {

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
  // `id` does not exist.
  virtual absl::StatusOr<std::vector<int64_t>> AncestorsOf(
      int64_t id, absl::Time deadline) = 0;
};

// Caches AncestorsOf, the question every scope check asks, for `ttl`.
// Invalidate() is called when the registry's change feed shows the tree
// changed (a move or a deletion); the ttl bounds staleness if a feed event
// is missed.
class CachedScopeOracle : public ScopeOracle {
 public:
  CachedScopeOracle(std::unique_ptr<ScopeOracle> inner, absl::Duration ttl,
                    size_t max_entries = 100000);

  absl::StatusOr<std::vector<int64_t>> OrganizationsOf(
      absl::string_view resource_name, absl::Time deadline) override;
  absl::StatusOr<std::optional<int64_t>> OrganizationByCode(
      absl::string_view code, absl::Time deadline) override;
  absl::StatusOr<std::vector<int64_t>> AncestorsOf(
      int64_t id, absl::Time deadline) override;

  void Invalidate();

 private:
  struct Entry {
    std::vector<int64_t> ancestors;
    absl::Time expires;
  };
  std::unique_ptr<ScopeOracle> inner_;
  const absl::Duration ttl_;
  const size_t max_entries_;
  std::mutex mu_;
  std::map<int64_t, Entry> cache_;
};

}  // namespace chibo::auth

#endif  // CHIBO_COMMON_AUTH_SCOPE_ORACLE_H_
