#include "common/tree_view.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/dates.h"
#include "common/feed_consumer.h"
#include "common/resource_name.h"
#include "common/sql_batch.h"
#include "common/status_macros.h"
#include "common/tree_view_feed.h"

namespace chibo {
namespace {

constexpr size_t kMaxRemembered = 200000;

// Up to 128 organisations a statement: a province's subtree (3,265) is 27
// statements when first fetched, not one per organisation.
constexpr const char* kRememberOrganizations[] = CHIBO_SQL_BATCHES(
    "INSERT INTO known_organizations (id, parent_id, is_cell, category, "
    "ancestry, display_name, refresh_time) VALUES ",
    "(?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
    " ON DUPLICATE KEY UPDATE parent_id = VALUES(parent_id), "
    "is_cell = VALUES(is_cell), category = VALUES(category), "
    "ancestry = VALUES(ancestry), display_name = VALUES(display_name), "
    "refresh_time = VALUES(refresh_time)");

// Subtrees held at once (each a province at most: a few MB).
constexpr size_t kMaxSubtrees = 8;
// next_inner of a listing served from the registry's answers ("reg",
// web-safe base64 as PageTokens wants an inner token).
constexpr char kFromRegistry[] = "cmVn";

bool RegistryDown(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

absl::Status NotFound(int64_t id, absl::string_view field) {
  return absl::NotFoundError(absl::StrCat(field, field.empty() ? "" : ": ",
                                          ResourceName("organizations", id),
                                          " does not exist"));
}

// "/1/5/9/" <-> {9, 5, 1}.
std::string AncestryText(const std::vector<int64_t>& ancestors) {
  std::vector<int64_t> root_first(ancestors.rbegin(), ancestors.rend());
  return absl::StrCat("/", absl::StrJoin(root_first, "/"), "/");
}

std::vector<int64_t> ParseAncestry(absl::string_view text) {
  std::vector<int64_t> ids;
  for (absl::string_view part : absl::StrSplit(text, '/', absl::SkipEmpty())) {
    int64_t id = 0;
    if (absl::SimpleAtoi(part, &id)) ids.push_back(id);
  }
  return std::vector<int64_t>(ids.rbegin(), ids.rend());
}

// What known_organizations holds for `org`, to tell a change from a repeat.
std::string Fingerprint(const OrgInfo& org) {
  return absl::StrCat(org.is_cell, "|", org.category, "|",
                      AncestryText(org.ancestors), "|", org.display_name);
}

OrgInfo FromRegistry(const registry::v1::Organization& org,
                     std::vector<int64_t> ancestors) {
  OrgInfo info;
  info.id = OrgId(org.name());
  info.is_cell = org.is_cell();
  info.category = org.category();
  info.display_name = org.display_name();
  info.ancestors = std::move(ancestors);
  return info;
}

}  // namespace

int64_t OrgId(const std::string& name) {
  auto id = ParseResourceId(name, "organizations", "name");
  return id.ok() ? *id : 0;
}

TreeView::TreeView(MysqlPool* pool, RegistryClient* registry,
                   std::function<absl::Time()> now)
    : pool_(pool),
      registry_(registry),
      subtrees_(auth::kReadStaleness, kMaxSubtrees, std::move(now)),
      registry_head_([this](absl::Time deadline) -> absl::StatusOr<int64_t> {
        // Past every sequence: no changes, only the head.
        ASSIGN_OR_RETURN(
            feed::v1::ListChangesResponse head,
            registry_->ListChanges(Background(deadline),
                                   std::numeric_limits<int64_t>::max(), 1));
        return head.head_sequence();
      }),
      rosters_(
          [this](const CallContext& call, const RosterCache::Key& key)
              -> absl::StatusOr<RosterCache::Answer> {
            if (key.with_ancestry) {
              return registry_->CellAndMembers(call, key.cell, key.day,
                                               key.ancestry_day);
            }
            RosterCache::Answer answer;
            ASSIGN_OR_RETURN(answer.members,
                             registry_->CellMembers(call, key.cell, key.day));
            return answer;
          },
          &registry_head_) {}

TreeView::~TreeView() {
  {
    std::lock_guard<std::mutex> lock(refresh_mu_);
    stopping_ = true;
  }
  refresh_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

void TreeView::RefreshInBackground(const OrgInfo& top) {
  {
    std::lock_guard<std::mutex> lock(refresh_mu_);
    if (stopping_) {
      subtrees_.RefreshFailed(top.id);
      return;
    }
    refresh_queue_.push_back(top);
    if (!refresher_.joinable()) {
      refresher_ = std::thread([this] { RefreshLoop(); });
    }
  }
  refresh_cv_.notify_one();
}

void TreeView::RefreshLoop() {
  while (true) {
    OrgInfo top;
    {
      std::unique_lock<std::mutex> lock(refresh_mu_);
      refresh_cv_.wait(lock,
                       [this] { return stopping_ || !refresh_queue_.empty(); });
      if (stopping_) return;
      top = std::move(refresh_queue_.front());
      refresh_queue_.pop_front();
    }
    // The caller's scope was checked when the answer was first fetched;
    // the answer is the same whoever asks, so the service asks for it.
    // The top is asked again too: its own ancestors are its cells' paths
    // above it, and the top may have moved since.
    const CallContext call = Background(absl::Now() + absl::Seconds(10));
    if (RenewUnchanged(call, top.id)) continue;
    absl::StatusOr<OrgInfo> fresh = Get(call, top.id, "");
    bool refreshed = false;
    if (fresh.ok() && !fresh->is_cell) {
      refreshed = FetchSubtree(call, *fresh, "").ok();
    }
    if (!refreshed) subtrees_.RefreshFailed(top.id);
  }
}

int64_t TreeView::FeedHead(absl::Time deadline) {
  absl::StatusOr<FeedHeadWatch::Mark> mark = registry_head_.Read(deadline);
  return mark.ok() ? mark->head : SubtreeCache::kNoFeedPosition;
}

bool TreeView::RenewUnchanged(const CallContext& call, int64_t root) {
  const int64_t from = subtrees_.FeedPositionOf(root);
  if (from == SubtreeCache::kNoFeedPosition) return false;
  const absl::Time asked = subtrees_.Now();
  absl::StatusOr<feed::v1::ListChangesResponse> changes =
      registry_->ListChanges(call, from, kRenewPageSize);
  // A full page may have more behind it: asking again costs less than
  // reading on.
  if (!changes.ok() || changes->changes_size() >= kRenewPageSize) return false;
  for (const feed::v1::Change& change : changes->changes()) {
    // Any organisation, anywhere: a new cell, a rename, a move.
    if (ChangesAnOrganization(change)) return false;
  }
  return subtrees_.Renew(root, from, changes->last_sequence(), asked);
}

absl::StatusOr<OrgInfo> TreeView::FromAncestry(
    const CallContext& call, int64_t id, absl::string_view field,
    const registry::v1::OrganizationAncestry& ancestry) {
  std::vector<int64_t> ancestors;
  for (auto it = ancestry.path().rbegin(); it != ancestry.path().rend(); ++it) {
    ancestors.push_back(OrgId(it->name()));
  }
  if (ancestry.path().empty()) return NotFound(id, field);
  OrgInfo info = FromRegistry(*ancestry.path().rbegin(), ancestors);
  RETURN_IF_ERROR(Remember(call, {info}));
  return info;
}

absl::StatusOr<OrgInfo> TreeView::Get(const CallContext& call, int64_t id,
                                      absl::string_view field) {
  auto ancestry = registry_->Ancestry(call, id, TodayInVietnam());
  if (ancestry.ok()) return FromAncestry(call, id, field, *ancestry);
  if (ancestry.status().code() == absl::StatusCode::kNotFound) {
    return NotFound(id, field);
  }
  if (!RegistryDown(ancestry.status())) return ancestry.status();
  ASSIGN_OR_RETURN(std::vector<OrgInfo> known, Recall(call, id, false));
  if (known.empty()) return ancestry.status();
  return known.front();
}

absl::StatusOr<OrgInfo> TreeView::GetCell(const CallContext& call, int64_t id,
                                          absl::string_view field) {
  ASSIGN_OR_RETURN(OrgInfo info, Get(call, id, field));
  if (!info.is_cell) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": ", ResourceName("organizations", id),
                     " is not a cell (chi bộ)"));
  }
  return info;
}

absl::StatusOr<TreeView::CellWithMembers> TreeView::GetCellWithMembers(
    const CallContext& call, int64_t id, absl::string_view field,
    absl::CivilDay day) {
  RosterCache::Key key;
  key.cell = id;
  key.day = day;
  key.with_ancestry = true;
  key.ancestry_day = TodayInVietnam();
  auto answer = rosters_.Get(call, key);
  if (!answer.ok()) {
    const absl::Status& status = answer.status();
    if (status.code() == absl::StatusCode::kNotFound) {
      return NotFound(id, field);
    }
    if (status.code() == absl::StatusCode::kFailedPrecondition) {
      // The registry names its own request's field ("cell: ...", not a
      // cell; "ancestry_as_of_date: ...", dissolved): ours is `field`.
      absl::string_view message = status.message();
      const size_t colon = message.find(": ");
      if (colon != absl::string_view::npos) message.remove_prefix(colon + 2);
      return absl::FailedPreconditionError(absl::StrCat(field, ": ", message));
    }
    return status;
  }
  CellWithMembers out;
  out.roster = *std::move(answer);
  if (out.roster->ancestry.path().empty()) {
    // A registry from before ancestry_as_of_date (during a rolling
    // upgrade) answers the members only.
    ASSIGN_OR_RETURN(out.cell, GetCell(call, id, field));
  } else {
    // The registry answered, so it is a cell (it refuses anything else).
    ASSIGN_OR_RETURN(out.cell,
                     FromAncestry(call, id, field, out.roster->ancestry));
  }
  return out;
}

absl::StatusOr<std::vector<registry::v1::CellMember>> TreeView::CellMembers(
    const CallContext& call, int64_t cell, absl::CivilDay day) {
  RosterCache::Key key;
  key.cell = cell;
  key.day = day;
  ASSIGN_OR_RETURN(std::shared_ptr<const RosterCache::Answer> answer,
                   rosters_.Get(call, key));
  return answer->members;
}

absl::StatusOr<std::vector<OrgInfo>> TreeView::CellsUnder(
    const CallContext& call, int64_t id, absl::string_view field) {
  ASSIGN_OR_RETURN(OrgInfo top, Get(call, id, field));
  if (top.is_cell) return std::vector<OrgInfo>{top};
  auto subtree = registry_->Subtree(call, id);
  if (!subtree.ok()) {
    if (!RegistryDown(subtree.status())) return subtree.status();
    ASSIGN_OR_RETURN(std::vector<OrgInfo> known, Recall(call, id, true));
    std::vector<OrgInfo> cells;
    for (OrgInfo& info : known) {
      if (info.is_cell) cells.push_back(std::move(info));
    }
    return cells;
  }
  // Ancestors from the parents within the subtree, above it from `top`.
  std::map<int64_t, const registry::v1::Organization*> by_id;
  for (const auto& org : *subtree) by_id[OrgId(org.name())] = &org;
  std::vector<OrgInfo> all;
  std::vector<OrgInfo> cells;
  for (const auto& org : *subtree) {
    std::vector<int64_t> ancestors;
    int64_t current = OrgId(org.name());
    while (current != id && by_id.count(current) &&
           ancestors.size() < by_id.size()) {
      ancestors.push_back(current);
      current = OrgId(by_id[current]->parent());
    }
    ancestors.insert(ancestors.end(), top.ancestors.begin(),
                     top.ancestors.end());
    all.push_back(FromRegistry(org, std::move(ancestors)));
    if (org.is_cell()) cells.push_back(all.back());
  }
  RETURN_IF_ERROR(Remember(call, all));
  return cells;
}

absl::StatusOr<TreeView::CellPage> TreeView::CellsPage(
    const CallContext& call, int64_t id, absl::string_view field,
    int64_t after_id, const std::string& inner, int limit) {
  CellPage page;
  // A cell is a listing of itself.
  auto only = [&page, after_id](const OrgInfo& cell) {
    if (after_id < cell.id) page.cells.push_back(cell);
    page.last_id = cell.id;
    return page;
  };
  const bool local = after_id > 0 && inner.empty();
  if (!local) {
    bool refresh = false;
    std::shared_ptr<const SubtreeCache::Subtree> subtree =
        subtrees_.Find(id, &refresh);
    if (refresh) RefreshInBackground(subtree->top);
    // An answer past its age limit, renewed from the feed: a listing after
    // a pause costs one feed read, not the whole subtree again. It is the
    // same answer for whoever asks, as a fresh one is.
    if (subtree == nullptr && RenewUnchanged(Background(call.deadline), id)) {
      subtree = subtrees_.Find(id);
    }
    if (subtree == nullptr) {
      ASSIGN_OR_RETURN(OrgInfo top, Get(call, id, field));
      if (top.is_cell) return only(top);
      auto fetched = FetchSubtree(call, top, field);
      if (fetched.ok()) {
        subtree = *std::move(fetched);
      } else if (!RegistryDown(fetched.status())) {
        return fetched.status();
      }
    }
    if (subtree != nullptr) {
      page.cells = CellsAfter(subtree->cells, after_id, limit, &page.more);
      page.last_id = page.cells.empty() ? after_id : page.cells.back().id;
      if (page.more) page.next_inner = kFromRegistry;
      return page;
    }
  }
  ASSIGN_OR_RETURN(OrgInfo top, Get(call, id, field));
  if (top.is_cell) return only(top);
  ASSIGN_OR_RETURN(std::vector<OrgInfo> known, Recall(call, id, true));
  for (OrgInfo& info : known) {  // by id
    if (!info.is_cell || info.id <= after_id) continue;
    if (static_cast<int>(page.cells.size()) == limit) {
      page.more = true;
      break;
    }
    page.last_id = info.id;
    page.cells.push_back(std::move(info));
  }
  return page;
}

absl::StatusOr<std::shared_ptr<const SubtreeCache::Subtree>>
TreeView::FetchSubtree(const CallContext& call, const OrgInfo& top,
                       absl::string_view field) {
  // Before the call: the answer is at least this fresh, and holds every
  // change up to the feed's head.
  const absl::Time asked = subtrees_.Now();
  const int64_t feed_position = FeedHead(call.deadline);
  // Every level down to the cells; party groups (tổ đảng) sit below the
  // cells and are not needed for their paths.
  registry::v1::ListOrganizationsRequest request;
  request.set_ancestor(ResourceName("organizations", top.id));
  for (registry::v1::OrganizationLevel level :
       {registry::v1::ORGANIZATION_LEVEL_PROVINCE,
        registry::v1::ORGANIZATION_LEVEL_BLOC,
        registry::v1::ORGANIZATION_LEVEL_COMMUNE,
        registry::v1::ORGANIZATION_LEVEL_DISTRICT,
        registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_COMMITTEE,
        registry::v1::ORGANIZATION_LEVEL_GRASSROOTS_CELL,
        registry::v1::ORGANIZATION_LEVEL_SUBORDINATE_CELL}) {
    request.add_levels(level);
  }
  ASSIGN_OR_RETURN(std::vector<registry::v1::Organization> orgs,
                   registry_->AllOrganizations(call, std::move(request)));
  std::map<int64_t, const registry::v1::Organization*> by_id;
  for (const auto& org : orgs) by_id[OrgId(org.name())] = &org;
  SubtreeCache::Subtree subtree;
  subtree.top = top;
  std::vector<OrgInfo> remembered;
  for (const auto& org : orgs) {
    const int64_t org_id = OrgId(org.name());
    if (org_id == top.id) continue;
    std::vector<int64_t> ancestors{org_id};
    int64_t current = OrgId(org.parent());
    while (current != top.id && by_id.count(current) &&
           ancestors.size() <= by_id.size()) {
      ancestors.push_back(current);
      current = OrgId(by_id[current]->parent());
    }
    if (current != top.id) {
      // A path through a level the list does not hold: this one's own
      // ancestry.
      if (!org.is_cell()) continue;
      ASSIGN_OR_RETURN(OrgInfo cell, Get(call, org_id, field));
      subtree.cells.push_back(std::move(cell));
      continue;
    }
    ancestors.insert(ancestors.end(), top.ancestors.begin(),
                     top.ancestors.end());
    remembered.push_back(FromRegistry(org, std::move(ancestors)));
    if (org.is_cell()) subtree.cells.push_back(remembered.back());
  }
  RETURN_IF_ERROR(Remember(call, remembered));
  return subtrees_.Put(top.id, asked, std::move(subtree), feed_position);
}

absl::Status TreeView::Remember(const CallContext& call,
                                const std::vector<OrgInfo>& all) {
  // Only what changed since this process last wrote it: most answers repeat
  // what is already stored, and a read should not cost a write.
  std::vector<OrgInfo> orgs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const OrgInfo& org : all) {
      auto it = remembered_.find(org.id);
      if (it == remembered_.end() || it->second != Fingerprint(org)) {
        orgs.push_back(org);
      }
    }
  }
  if (orgs.empty()) return absl::OkStatus();
  // In id order, so two processes remembering overlapping subtrees take
  // the rows' locks in the same order.
  std::sort(orgs.begin(), orgs.end(),
            [](const OrgInfo& a, const OrgInfo& b) { return a.id < b.id; });
  absl::Status written = WithConnection(
      *pool_, call.deadline, "known organizations", TxMode::kWrite,
      [&](DbConnection& db) -> absl::Status {
        for (const SqlBatch& batch :
             PlanSqlBatches(static_cast<int>(orgs.size()))) {
          sql::PreparedStatement& upsert =
              db.Prepare(kRememberOrganizations[batch.size_index]);
          int p = 1;
          for (int i = batch.begin; i < batch.begin + batch.count; ++i) {
            const OrgInfo& org = orgs[i];
            upsert.setInt64(p++, org.id);
            if (org.ancestors.size() > 1) {
              upsert.setInt64(p++, org.ancestors[1]);
            } else {
              upsert.setNull(p++, 0);
            }
            upsert.setBoolean(p++, org.is_cell);
            upsert.setInt(p++, org.category);
            upsert.setString(p++, AncestryText(org.ancestors));
            upsert.setString(p++, org.display_name);
          }
          upsert.executeUpdate();
        }
        return absl::OkStatus();
      });
  if (!written.ok()) return written;
  std::lock_guard<std::mutex> lock(mu_);
  if (remembered_.size() > kMaxRemembered) remembered_.clear();
  for (const OrgInfo& org : orgs) {
    remembered_[org.id] = Fingerprint(org);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<OrgInfo>> TreeView::Recall(const CallContext& call,
                                                      int64_t id,
                                                      bool subtree) {
  std::vector<OrgInfo> out;
  RETURN_IF_ERROR(WithConnection(
      *pool_, call.deadline, "known organizations", TxMode::kRead,
      [&](DbConnection& db) -> absl::Status {
        sql::PreparedStatement& query =
            subtree ? db.Prepare(
                          "SELECT id, is_cell, category, ancestry, "
                          "display_name FROM known_organizations "
                          "WHERE ancestry LIKE ? ORDER BY id")
                    : db.Prepare(
                          "SELECT id, is_cell, category, ancestry, "
                          "display_name FROM known_organizations "
                          "WHERE id = ?");
        if (subtree) {
          query.setString(1, absl::StrCat("%/", id, "/%"));
        } else {
          query.setInt64(1, id);
        }
        std::unique_ptr<sql::ResultSet> row(query.executeQuery());
        while (row->next()) {
          OrgInfo info;
          info.id = row->getInt64("id");
          info.is_cell = row->getBoolean("is_cell");
          info.category = row->getInt("category");
          info.ancestors =
              ParseAncestry(std::string(row->getString("ancestry")));
          info.display_name = row->getString("display_name");
          out.push_back(std::move(info));
        }
        return absl::OkStatus();
      }));
  return out;
}

CallContext TreeView::Background(absl::Time deadline) const {
  CallContext call = registry_->BackgroundCall(absl::ZeroDuration());
  call.deadline = deadline;
  return call;
}

TreeScopeOracle::TreeScopeOracle(std::string service, TreeView* view)
    : service_(std::move(service)), view_(view) {}

TreeScopeOracle::TreeScopeOracle(std::string service,
                                 std::unique_ptr<TreeView> view)
    : service_(std::move(service)),
      owned_(std::move(view)),
      view_(owned_.get()) {}

absl::StatusOr<std::vector<int64_t>> TreeScopeOracle::OrganizationsOf(
    absl::string_view resource_name, absl::Time deadline) {
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(resource_name, absl::MaxSplits('/', 1));
  if (parts.first == "organizations") {
    // Existence is AncestorsOf's question (cached); an unknown id is then
    // refused like any out-of-scope one.
    ASSIGN_OR_RETURN(int64_t id,
                     ParseResourceId(resource_name, "organizations", "name"));
    return std::vector<int64_t>{id};
  }
  return OwnOrganizationsOf(parts.first, resource_name, deadline);
}

absl::StatusOr<std::vector<int64_t>> TreeScopeOracle::OwnOrganizationsOf(
    absl::string_view collection, absl::string_view resource_name,
    absl::Time deadline) {
  if (collection == "members") {
    // A member (a reference, such as a task's assignee) belongs to its cell
    // today, as the registry says now: never from a cache.
    ASSIGN_OR_RETURN(int64_t id,
                     ParseResourceId(resource_name, "members", "name"));
    ASSIGN_OR_RETURN(int64_t cell, view_->registry()->MemberCell(
                                       view_->Background(deadline), id));
    return std::vector<int64_t>{cell};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("not a ", service_, " resource: ", resource_name));
}

absl::StatusOr<std::optional<int64_t>> TreeScopeOracle::OrganizationByCode(
    absl::string_view, absl::Time) {
  return std::optional<int64_t>();
}

absl::StatusOr<std::vector<int64_t>> TreeScopeOracle::AncestorsOf(
    int64_t id, absl::Time deadline) {
  ASSIGN_OR_RETURN(OrgInfo info,
                   view_->Get(view_->Background(deadline), id, ""));
  return info.ancestors;
}

absl::StatusOr<std::vector<int64_t>> TreeScopeOracle::FreshAncestorsOf(
    int64_t id, absl::Time deadline) {
  ASSIGN_OR_RETURN(registry::v1::OrganizationAncestry ancestry,
                   view_->registry()->Ancestry(view_->Background(deadline), id,
                                               TodayInVietnam()));
  if (ancestry.path().empty()) return NotFound(id, "");
  std::vector<int64_t> ancestors;
  for (auto it = ancestry.path().rbegin(); it != ancestry.path().rend(); ++it) {
    ancestors.push_back(OrgId(it->name()));
  }
  return ancestors;
}

absl::StatusOr<auth::MemberRoster> TreeScopeOracle::MembersOn(
    int64_t organization, absl::CivilDay day, absl::Time deadline) {
  auto admitted = std::make_shared<AdmittedRoster>();
  admitted->cell = organization;
  admitted->day = day;
  ASSIGN_OR_RETURN(
      admitted->members,
      view_->CellMembers(view_->Background(deadline), organization, day));
  auth::MemberRoster roster;
  roster.ids.reserve(admitted->members.size());
  for (const registry::v1::CellMember& member : admitted->members) {
    const std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(member.member(), absl::MaxSplits('/', 1));
    int64_t id = 0;
    if (absl::SimpleAtoi(parts.second, &id)) roster.ids.push_back(id);
  }
  roster.admitted = std::move(admitted);
  return roster;
}

const AdmittedRoster* FindAdmittedRoster(const Caller& caller, int64_t cell,
                                         absl::CivilDay day) {
  for (const std::shared_ptr<const AdmittedRoster>& roster : caller.rosters) {
    if (roster->cell == cell && roster->day == day) return roster.get();
  }
  return nullptr;
}

ChangeFollower::Source RegistryTreeChanges(RegistryClient* registry) {
  return [registry](int64_t after,
                    chibo::feed::v1::ListChangesResponse* out) -> absl::Status {
    ASSIGN_OR_RETURN(
        *out, registry->ListChanges(registry->BackgroundCall(absl::Seconds(5)),
                                    after, kFeedPageSize));
    return absl::OkStatus();
  };
}

}  // namespace chibo
