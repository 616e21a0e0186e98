// The change feeds of both services, read by scoped callers: a committee
// office or a cell secretary sees exactly the changes of its own subtree,
// in ListChanges and in WatchChanges, and nothing of another province.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "chibo/feed/v1/feed.grpc.pb.h"
#include "chibo/registry/v1/registry.grpc.pb.h"
#include "chibo/scheduling/v1/scheduling.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/auth/auth_fixture.h"

namespace chibo::auth {
namespace {

using feed::v1::Change;

constexpr char kScheduling[] = "chibo.scheduling.v1.SchedulingService";

// A scoped caller and the organisations its subtree holds.
struct Viewpoint {
  std::string label;
  std::string role;
  std::string scope;
  std::set<std::string> subtree;
};

// Which feed: the registry's or scheduling's.
enum class Feed { kRegistry, kScheduling };

std::string FeedName(Feed feed) {
  return feed == Feed::kRegistry ? "registry" : "scheduling";
}

class FeedScopeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto servers = SecuredServers::Start();
    ASSERT_TRUE(servers.ok()) << servers.status();
    servers_ = *std::move(servers);
    auto channel = [](int port) {
      return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                 grpc::InsecureChannelCredentials());
    };
    registry_ =
        registry::v1::RegistryService::NewStub(channel(servers_->port()));
    scheduling_ = scheduling::v1::SchedulingService::NewStub(
        channel(servers_->PortFor(kScheduling)));
    feeds_[Feed::kRegistry] =
        feed::v1::ChangeFeedService::NewStub(channel(servers_->port()));
    feeds_[Feed::kScheduling] = feed::v1::ChangeFeedService::NewStub(
        channel(servers_->PortFor(kScheduling)));
    // Scheduling's feed holds only cell-level changes so far: add rules set
    // by each province and bloc, so that subtrees differ there too.
    for (const Province* p : {&servers_->a(), &servers_->b()}) {
      ASSERT_TRUE(CreateRule(p->by_collection.at("province"),
                             scheduling::v1::RULE_TARGET_SUBTREE)
                      .ok());
      ASSERT_TRUE(
          CreateRule(Bloc(*p), scheduling::v1::RULE_TARGET_SUBTREE).ok());
    }
  }
  static void TearDownTestSuite() {
    feeds_.clear();
    scheduling_.reset();
    registry_.reset();
    servers_.reset();
  }
  void SetUp() override { ASSERT_NE(servers_, nullptr); }

  static std::string Bloc(const Province& p) {
    for (const std::string& org : p.organizations) {
      if (org != p.by_collection.at("province") &&
          org != p.by_collection.at("organizations")) {
        return org;
      }
    }
    return "";
  }

  // The three scoped callers of province A.
  static std::vector<Viewpoint> Viewpoints() {
    const Province& a = servers_->a();
    const std::string province = a.by_collection.at("province");
    const std::string bloc = Bloc(a);
    const std::string cell = a.by_collection.at("organizations");
    return {
        {"committee office of province A",
         "committee_office",
         province,
         {province, bloc, cell}},
        {"committee office of A's bloc",
         "committee_office",
         bloc,
         {bloc, cell}},
        {"cell secretary of A's cell", "cell_secretary", cell, {cell}},
    };
  }

  static std::string Admin() { return servers_->Token("system_admin", "*"); }

  // A meeting rule set by `organization`, written through the API.
  static grpc::Status CreateRule(const std::string& organization,
                                 scheduling::v1::RuleTarget target,
                                 std::string* name = nullptr) {
    scheduling::v1::CreateMeetingRuleRequest request;
    request.mutable_rule()->set_organization(organization);
    request.mutable_rule()->set_target(target);
    scheduling::v1::MeetingRuleVersion* version =
        request.mutable_rule()->add_versions();
    version->set_pattern(scheduling::v1::DAY_PATTERN_DAY_OF_MONTH);
    version->set_day_of_month(12);
    version->set_effective_from("2022-01-01");
    scheduling::v1::MeetingRule rule;
    grpc::Status status =
        scheduling_->CreateMeetingRule(As(Admin()).get(), request, &rule);
    EXPECT_TRUE(status.ok()) << organization << ": " << status.error_message();
    if (name != nullptr) *name = rule.name();
    return status;
  }

  // One new write at `cell` in `feed`'s service; returns its resource.
  static std::string WriteAt(Feed feed, const std::string& cell) {
    if (feed == Feed::kScheduling) {
      std::string name;
      CreateRule(cell, scheduling::v1::RULE_TARGET_CELL, &name);
      return name;
    }
    registry::v1::CreateMemberRequest request;
    request.mutable_member()->set_display_name("Đảng viên mới");
    request.set_cell(cell);
    request.set_status(registry::v1::MEMBER_STATUS_FULL);
    request.set_joined_date("2024-01-01");
    registry::v1::Member member;
    grpc::Status status =
        registry_->CreateMember(As(Admin()).get(), request, &member);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return member.name();
  }

  // Every change `token` may read from `feed`, paged through ListChanges.
  static std::vector<Change> ListAll(Feed feed, const std::string& token) {
    std::vector<Change> all;
    int64_t cursor = 0;
    for (int page = 0; page < 100; ++page) {
      feed::v1::ListChangesRequest request;
      request.set_after_sequence(cursor);
      request.set_page_size(7);  // small pages: filtering happens per page
      feed::v1::ListChangesResponse response;
      grpc::Status status =
          feeds_[feed]->ListChanges(As(token).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      all.insert(all.end(), response.changes().begin(),
                 response.changes().end());
      if (response.last_sequence() <= cursor) break;
      cursor = response.last_sequence();
    }
    return all;
  }

  static std::vector<int64_t> Sequences(const std::vector<Change>& changes) {
    std::vector<int64_t> out;
    for (const Change& change : changes) out.push_back(change.sequence());
    return out;
  }

  // What `viewpoint` should see: the admin's view, cut to its subtree and
  // to sequences up to `through` (0: all).
  static std::vector<int64_t> Expected(Feed feed, const Viewpoint& viewpoint,
                                       int64_t through = 0) {
    std::vector<int64_t> expected;
    for (const Change& change : ListAll(feed, Admin())) {
      if (through > 0 && change.sequence() > through) continue;
      if (viewpoint.subtree.count(change.organization())) {
        expected.push_back(change.sequence());
      }
    }
    return expected;
  }

  static void ExpectNothingOfProvinceB(const std::vector<Change>& changes,
                                       const std::string& context) {
    for (const Change& change : changes) {
      EXPECT_FALSE(servers_->b().organizations.count(change.organization()))
          << context << " sees " << change.resource() << " of "
          << change.organization() << " in province B";
    }
  }

  static std::unique_ptr<SecuredServers> servers_;
  static std::unique_ptr<registry::v1::RegistryService::Stub> registry_;
  static std::unique_ptr<scheduling::v1::SchedulingService::Stub> scheduling_;
  static std::map<Feed, std::unique_ptr<feed::v1::ChangeFeedService::Stub>>
      feeds_;
};

std::unique_ptr<SecuredServers> FeedScopeTest::servers_;
std::unique_ptr<registry::v1::RegistryService::Stub> FeedScopeTest::registry_;
std::unique_ptr<scheduling::v1::SchedulingService::Stub>
    FeedScopeTest::scheduling_;
std::map<Feed, std::unique_ptr<feed::v1::ChangeFeedService::Stub>>
    FeedScopeTest::feeds_;

TEST_F(FeedScopeTest, BothFeedsHoldChangesOfBothProvincesAtEveryLevel) {
  // Without this the checks below could pass on empty feeds.
  for (Feed feed : {Feed::kRegistry, Feed::kScheduling}) {
    std::set<std::string> organizations;
    for (const Change& change : ListAll(feed, Admin())) {
      organizations.insert(change.organization());
    }
    for (const Province* p : {&servers_->a(), &servers_->b()}) {
      for (const std::string& org : p->organizations) {
        EXPECT_TRUE(organizations.count(org))
            << FeedName(feed) << "'s feed has no change of " << org;
      }
    }
  }
}

TEST_F(FeedScopeTest, ListChangesShowsExactlyTheCallersSubtree) {
  for (Feed feed : {Feed::kRegistry, Feed::kScheduling}) {
    for (const Viewpoint& viewpoint : Viewpoints()) {
      const std::string context =
          absl::StrCat(viewpoint.label, " reading ", FeedName(feed));
      const std::vector<Change> seen =
          ListAll(feed, servers_->Token(viewpoint.role, viewpoint.scope));
      ExpectNothingOfProvinceB(seen, context);
      for (const Change& change : seen) {
        EXPECT_TRUE(viewpoint.subtree.count(change.organization()))
            << context << " sees " << change.resource() << " of "
            << change.organization() << ", outside its subtree";
      }
      const std::vector<int64_t> expected = Expected(feed, viewpoint);
      EXPECT_FALSE(expected.empty()) << context;
      EXPECT_EQ(Sequences(seen), expected) << context;
    }
  }
}

TEST_F(FeedScopeTest, WatchChangesShowsExactlyTheCallersSubtree) {
  for (Feed feed : {Feed::kRegistry, Feed::kScheduling}) {
    for (const Viewpoint& viewpoint : Viewpoints()) {
      const std::string context =
          absl::StrCat(viewpoint.label, " watching ", FeedName(feed));
      auto watch_context = As(servers_->Token(viewpoint.role, viewpoint.scope),
                              absl::Seconds(20));
      feed::v1::WatchChangesRequest request;
      request.set_after_sequence(0);
      auto reader = feeds_[feed]->WatchChanges(watch_context.get(), request);
      // Written while the stream is open: B's first, then A's. The stream
      // is ordered, so once A's arrives B's has been passed over.
      const std::string theirs =
          WriteAt(feed, servers_->b().by_collection.at("organizations"));
      const std::string ours =
          WriteAt(feed, servers_->a().by_collection.at("organizations"));
      ASSERT_FALSE(theirs.empty());
      ASSERT_FALSE(ours.empty());

      std::vector<Change> seen;
      bool arrived = false;
      feed::v1::WatchChangesResponse message;
      while (reader->Read(&message)) {
        seen.push_back(message.change());
        if (message.change().resource() == ours) {
          arrived = true;
          break;
        }
      }
      watch_context->TryCancel();
      reader->Finish();
      ASSERT_TRUE(arrived) << context << ": " << ours << " never arrived";

      ExpectNothingOfProvinceB(seen, context);
      int64_t previous = 0;
      for (const Change& change : seen) {
        EXPECT_NE(change.resource(), theirs) << context;
        EXPECT_TRUE(viewpoint.subtree.count(change.organization()))
            << context << " sees " << change.resource() << " of "
            << change.organization() << ", outside its subtree";
        EXPECT_GT(change.sequence(), previous) << context << ": out of order";
        previous = change.sequence();
      }
      EXPECT_EQ(Sequences(seen), Expected(feed, viewpoint, previous))
          << context;
    }
  }
}

TEST_F(FeedScopeTest, AWatcherFromTheOtherProvinceSeesNoneOfIt) {
  // Province B's committee office watches while A writes: nothing arrives
  // but B's own write, which comes after A's.
  const Province& b = servers_->b();
  for (Feed feed : {Feed::kRegistry, Feed::kScheduling}) {
    auto watch_context =
        As(servers_->Token("committee_office", b.by_collection.at("province")),
           absl::Seconds(20));
    feed::v1::WatchChangesRequest request;
    request.set_after_sequence(0);
    auto reader = feeds_[feed]->WatchChanges(watch_context.get(), request);
    const std::string theirs =
        WriteAt(feed, servers_->a().by_collection.at("organizations"));
    const std::string ours = WriteAt(feed, b.by_collection.at("organizations"));
    bool arrived = false;
    feed::v1::WatchChangesResponse message;
    while (reader->Read(&message)) {
      EXPECT_TRUE(b.organizations.count(message.change().organization()))
          << FeedName(feed) << ": B's office sees "
          << message.change().resource() << " of "
          << message.change().organization();
      EXPECT_NE(message.change().resource(), theirs);
      if (message.change().resource() == ours) {
        arrived = true;
        break;
      }
    }
    watch_context->TryCancel();
    reader->Finish();
    EXPECT_TRUE(arrived) << FeedName(feed) << ": " << ours << " never arrived";
  }
}

}  // namespace
}  // namespace chibo::auth
