#include "common/auth/scope_oracle.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace chibo::auth {

absl::StatusOr<MemberRoster> ScopeOracle::MembersOn(int64_t, absl::CivilDay,
                                                    absl::Time) {
  return absl::UnimplementedError(
      "this service cannot check dated member references");
}

absl::StatusOr<absl::CivilDay> ScopeOracle::DayOf(
    absl::string_view resource_name, absl::Time) {
  return absl::NotFoundError(absl::StrCat(resource_name, " is not dated"));
}

CachedScopeOracle::CachedScopeOracle(std::unique_ptr<ScopeOracle> inner,
                                     absl::Duration ttl, size_t max_entries,
                                     std::function<absl::Time()> now)
    : inner_(std::move(inner)),
      ttl_(ttl),
      max_entries_(max_entries),
      now_(std::move(now)) {}

absl::StatusOr<std::vector<int64_t>> CachedScopeOracle::OrganizationsOf(
    absl::string_view resource_name, absl::Time deadline) {
  return inner_->OrganizationsOf(resource_name, deadline);
}

absl::StatusOr<std::optional<int64_t>> CachedScopeOracle::OrganizationByCode(
    absl::string_view code, absl::Time deadline) {
  return inner_->OrganizationByCode(code, deadline);
}

absl::StatusOr<std::vector<int64_t>> CachedScopeOracle::AncestorsOf(
    int64_t id, absl::Time deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(id);
    if (it != cache_.end() && it->second.expires > now_()) {
      return it->second.ancestors;
    }
  }
  return FreshAncestorsOf(id, deadline);
}

absl::StatusOr<std::vector<int64_t>> CachedScopeOracle::FreshAncestorsOf(
    int64_t id, absl::Time deadline) {
  // The entry's age counts from before the question: an answer is never
  // older than the ttl when it is used.
  const absl::Time now = now_();
  absl::StatusOr<std::vector<int64_t>> fresh =
      inner_->FreshAncestorsOf(id, deadline);
  if (!fresh.ok()) return fresh;
  std::lock_guard<std::mutex> lock(mu_);
  // A full cache is simply emptied: the tree is small enough to refill.
  if (cache_.size() >= max_entries_) cache_.clear();
  cache_[id] = Entry{*fresh, now + ttl_};
  return fresh;
}

absl::StatusOr<MemberRoster> CachedScopeOracle::MembersOn(int64_t organization,
                                                          absl::CivilDay day,
                                                          absl::Time deadline) {
  return inner_->MembersOn(organization, day, deadline);
}

absl::StatusOr<absl::CivilDay> CachedScopeOracle::DayOf(
    absl::string_view resource_name, absl::Time deadline) {
  return inner_->DayOf(resource_name, deadline);
}

void CachedScopeOracle::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.clear();
}

}  // namespace chibo::auth
