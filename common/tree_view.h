#ifndef CHIBO_COMMON_TREE_VIEW_H_
#define CHIBO_COMMON_TREE_VIEW_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/scope_oracle.h"
#include "common/change_follower.h"
#include "common/migrations.h"
#include "common/mysql_pool.h"
#include "common/org_info.h"
#include "common/registry_client.h"
#include "common/roster_cache.h"
#include "common/rpc.h"
#include "common/subtree_cache.h"

namespace chibo {

// "organizations/7" -> 7 (0 when malformed; names come from the registry).
int64_t OrgId(const std::string& name);

// The known_organizations table (tree_view/0001): ServiceRuntime applies
// it after the service's own migrations when the definition has tree_view.
const std::vector<Migration>& TreeViewMigrations();

// The organisation tree for a service that is not the registry: asked of
// the registry, and every answer remembered in the service's own
// known_organizations table, so that reads of the service's own data
// (schedules, reports) and scope checks keep answering while the registry
// is down (UNAVAILABLE or DEADLINE_EXCEEDED from the peer client). Writes
// that must see the registry's current answer ask it directly instead.
// A service gets one from ServiceRuntime by declaring tree_view.
class TreeView {
 public:
  // `now` is the clock of the subtree cache (tests pass their own).
  TreeView(MysqlPool* pool, RegistryClient* registry,
           std::function<absl::Time()> now = absl::Now);
  // Waits for a background refresh in progress.
  ~TreeView();
  TreeView(const TreeView&) = delete;
  TreeView& operator=(const TreeView&) = delete;

  RegistryClient* registry() const { return registry_; }

  // NOT_FOUND "organizations/7 does not exist" (prefixed by `field`).
  absl::StatusOr<OrgInfo> Get(const CallContext& call, int64_t id,
                              absl::string_view field);

  // Get, then FAILED_PRECONDITION unless it is a cell.
  absl::StatusOr<OrgInfo> GetCell(const CallContext& call, int64_t id,
                                  absl::string_view field);

  // GetCell and the cell's members on `day` (with their status then) in
  // one registry call, for writes: both are the registry's current answer
  // (UNAVAILABLE while it is down), and the cell's place in the tree is
  // remembered as Get remembers it. Errors name `field`.
  struct CellWithMembers {
    OrgInfo cell;
    std::shared_ptr<const RosterCache::Answer> roster;  // never null
    const std::vector<registry::v1::CellMember>& members() const {
      return roster->members;
    }
  };
  absl::StatusOr<CellWithMembers> GetCellWithMembers(const CallContext& call,
                                                     int64_t id,
                                                     absl::string_view field,
                                                     absl::CivilDay day);

  // The cell's members on `day` alone (scope checks of dated references).
  // Like GetCellWithMembers the registry's current answer: both come from
  // a RosterCache, which hands an answer out again only while a feed head
  // read made after the call finds the registry unchanged.
  absl::StatusOr<std::vector<registry::v1::CellMember>> CellMembers(
      const CallContext& call, int64_t cell, absl::CivilDay day);

  // Every cell in the subtree of `id` (itself if it is a cell), by id.
  absl::StatusOr<std::vector<OrgInfo>> CellsUnder(const CallContext& call,
                                                  int64_t id,
                                                  absl::string_view field);

  // One page of CellsUnder, by id: at most `limit` cells after `after_id`.
  // The pages are cut from one registry answer about the whole subtree
  // (its cells and the committees above them), held for at most
  // kReadStaleness after it was asked and shared by every listing of that
  // root (SubtreeCache): a page costs no registry call while the answer is
  // fresh. Once the answer is half its age limit old it is renewed in the
  // background, so a page does not wait for the registry while the
  // listing goes on: by one read of the registry's change feed while no
  // organisation has changed since it was asked, else by asking for the
  // whole subtree again. While
  // the registry is down the pages come from known_organizations, and a
  // listing that started there stays there (`inner` is empty then;
  // next_inner says the listing goes on from the registry's answers).
  struct CellPage {
    std::vector<OrgInfo> cells;
    bool more = false;
    int64_t last_id = 0;     // of the last cell returned
    std::string next_inner;  // non-empty: the next page may ask the registry
  };
  absl::StatusOr<CellPage> CellsPage(const CallContext& call, int64_t id,
                                     absl::string_view field, int64_t after_id,
                                     const std::string& inner, int limit);

  // A call context for scope checks and cache refreshes: the service's own
  // identity, with `deadline`.
  CallContext Background(absl::Time deadline) const;

 private:
  // The organisation an ancestry ends with, remembered.
  absl::StatusOr<OrgInfo> FromAncestry(
      const CallContext& call, int64_t id, absl::string_view field,
      const registry::v1::OrganizationAncestry& ancestry);
  // Stores what changed since this process last stored it.
  absl::Status Remember(const CallContext& call,
                        const std::vector<OrgInfo>& organizations);
  // Asks the registry for the cells under `top` (not a cell) and the
  // committees above them, remembers them and holds them in subtrees_.
  absl::StatusOr<std::shared_ptr<const SubtreeCache::Subtree>> FetchSubtree(
      const CallContext& call, const OrgInfo& top, absl::string_view field);
  // The registry feed's newest sequence, or SubtreeCache::kNoFeedPosition
  // when the registry does not answer.
  int64_t FeedHead(absl::Time deadline);
  // Renews the answer held for `root` when the registry's feed shows no
  // organisation changed since it was asked: one small call instead of the
  // whole subtree again (a province is 3,000 cells, asked every half
  // second while it is being listed). False: fetch it again.
  bool RenewUnchanged(const CallContext& call, int64_t root);
  static constexpr int kRenewPageSize = 1000;
  // Has FetchSubtree(top) run on the refresher thread (started on first
  // use), as the service itself.
  void RefreshInBackground(const OrgInfo& top);
  void RefreshLoop();
  // `id` itself, or with `subtree` everything at or below it.
  absl::StatusOr<std::vector<OrgInfo>> Recall(const CallContext& call,
                                              int64_t id, bool subtree);

  MysqlPool* pool_;
  RegistryClient* registry_;
  std::mutex mu_;
  // id -> what was last written to known_organizations for it.
  std::unordered_map<int64_t, std::string> remembered_;
  SubtreeCache subtrees_;
  FeedHeadWatch registry_head_;
  RosterCache rosters_;
  std::mutex refresh_mu_;
  std::condition_variable refresh_cv_;
  std::deque<OrgInfo> refresh_queue_;  // tops of subtrees due for a refresh
  bool stopping_ = false;
  std::thread refresher_;  // last: started after, joined before the rest
};

// The organisation part of scope checks for a service that is not the
// registry: "organizations/N" is its own organisation, and ancestors come
// from the TreeView (so they keep answering while the registry is down).
// A service's own resources (meetings/7 -> its cell) are its business:
// it derives and overrides OwnOrganizationsOf.
// The registry's members of `cell` on `day`, as a TreeScopeOracle fetched
// them at admission to check a dated reference.
struct AdmittedRoster {
  int64_t cell = 0;
  absl::CivilDay day;
  std::vector<registry::v1::CellMember> members;
};

// The roster admission fetched for (`cell`, `day`) in this call, or nullptr
// when it fetched none (an unscoped caller's references are not checked).
const AdmittedRoster* FindAdmittedRoster(const Caller& caller, int64_t cell,
                                         absl::CivilDay day);

class TreeScopeOracle : public auth::ScopeOracle {
 public:
  // `service` names the service in errors ("not a scheduling resource").
  TreeScopeOracle(std::string service, TreeView* view);
  TreeScopeOracle(std::string service, std::unique_ptr<TreeView> view);

  absl::StatusOr<std::vector<int64_t>> OrganizationsOf(
      absl::string_view resource_name, absl::Time deadline) override;
  // No RPC outside the registry names an organisation by external code.
  absl::StatusOr<std::optional<int64_t>> OrganizationByCode(
      absl::string_view code, absl::Time deadline) override;
  absl::StatusOr<std::vector<int64_t>> AncestorsOf(
      int64_t id, absl::Time deadline) override;
  // Writes: the registry's answer now, or UNAVAILABLE while it is down (a
  // remembered tree may predate a move).
  absl::StatusOr<std::vector<int64_t>> FreshAncestorsOf(
      int64_t id, absl::Time deadline) override;
  // The registry's members of the cell on that day, asked now (one call,
  // all pages): never from known_organizations.
  // The answer is kept for the handler (AdmittedRoster).
  absl::StatusOr<auth::MemberRoster> MembersOn(int64_t organization,
                                               absl::CivilDay day,
                                               absl::Time deadline) override;

  TreeView& view() const { return *view_; }

 protected:
  // The organisations of `resource_name`, a resource of `collection` that
  // is not "organizations". By default a member's cell today (asked of the
  // registry), else INVALID_ARGUMENT: not this service's resource.
  virtual absl::StatusOr<std::vector<int64_t>> OwnOrganizationsOf(
      absl::string_view collection, absl::string_view resource_name,
      absl::Time deadline);

 private:
  const std::string service_;
  std::unique_ptr<TreeView> owned_;
  TreeView* view_;
};

// The registry's change feed, where moves and deletions of organisations
// appear (ServiceDefinition::tree_changes: invalidates cached ancestors).
ChangeFollower::Source RegistryTreeChanges(RegistryClient* registry);

}  // namespace chibo

#endif  // CHIBO_COMMON_TREE_VIEW_H_
