#include "common/roster_cache.h"

#include "absl/time/clock.h"
#include "common/resource_name.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

CallContext Call() {
  CallContext call;
  call.deadline = absl::Now() + absl::Seconds(10);
  return call;
}

class RosterCacheTest : public ::testing::Test {
 protected:
  RosterCacheTest()
      : watch_([this](absl::Time) -> absl::StatusOr<int64_t> {
          if (!head_status_.ok()) return head_status_;
          return head_;
        }),
        cache_(
            [this](const CallContext&, const RosterCache::Key& key)
                -> absl::StatusOr<RosterCache::Answer> {
              ++fetches_;
              if (!fetch_status_.ok()) return fetch_status_;
              RosterCache::Answer answer;
              answer.members.emplace_back().set_member(
                  ResourceName("members", key.cell * 100 + generation_));
              return answer;
            },
            &watch_, /*capacity=*/4) {}

  static RosterCache::Key Key(int64_t cell) {
    RosterCache::Key key;
    key.cell = cell;
    key.day = absl::CivilDay(2026, 3, 2);
    return key;
  }
  std::string MemberOf(int64_t cell) {
    auto answer = cache_.Get(Call(), Key(cell));
    EXPECT_TRUE(answer.ok()) << answer.status();
    return answer.ok() ? (*answer)->members.at(0).member() : "";
  }

  int64_t head_ = 5;
  absl::Status head_status_;
  int generation_ = 1;
  absl::Status fetch_status_;
  int fetches_ = 0;
  FeedHeadWatch watch_;
  RosterCache cache_;
};

TEST_F(RosterCacheTest, AnswersAgainWhileTheRegistryHasNotChanged) {
  EXPECT_EQ(MemberOf(7), "members/701");
  EXPECT_EQ(MemberOf(7), "members/701");
  EXPECT_EQ(fetches_, 1);
  EXPECT_EQ(cache_.hits(), 1);
  // Another day of the same cell is another roster.
  RosterCache::Key other = Key(7);
  other.day = absl::CivilDay(2026, 3, 3);
  ASSERT_TRUE(cache_.Get(Call(), other).ok());
  EXPECT_EQ(fetches_, 2);
}

TEST_F(RosterCacheTest, AnyRegistryWriteMeansAskingAgain) {
  EXPECT_EQ(MemberOf(7), "members/701");
  head_ = 6;
  generation_ = 2;  // the registry's answer changed with that write
  EXPECT_EQ(MemberOf(7), "members/702");
  EXPECT_EQ(MemberOf(7), "members/702");
  EXPECT_EQ(fetches_, 2);
}

TEST_F(RosterCacheTest, WithoutTheFeedHeadTheRegistryIsAskedEveryTime) {
  EXPECT_EQ(MemberOf(7), "members/701");
  head_status_ = absl::UnimplementedError("no change feed here");
  generation_ = 2;
  EXPECT_EQ(MemberOf(7), "members/702");
  EXPECT_EQ(MemberOf(7), "members/702");
  EXPECT_EQ(fetches_, 3);
  EXPECT_EQ(cache_.hits(), 0);
}

TEST_F(RosterCacheTest, ARegistryThatIsDownAnswersNoRoster) {
  EXPECT_EQ(MemberOf(7), "members/701");
  head_status_ = absl::UnavailableError("registry unavailable");
  EXPECT_EQ(cache_.Get(Call(), Key(7)).status().code(),
            absl::StatusCode::kUnavailable);
  head_status_ = absl::DeadlineExceededError("registry did not answer");
  EXPECT_EQ(cache_.Get(Call(), Key(7)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(fetches_, 1);  // not asked again, not answered from memory
  EXPECT_EQ(cache_.hits(), 0);
}

TEST_F(RosterCacheTest, ErrorsAreNotKept) {
  fetch_status_ = absl::NotFoundError("cell: organizations/7 not found");
  EXPECT_EQ(cache_.Get(Call(), Key(7)).status().code(),
            absl::StatusCode::kNotFound);
  fetch_status_ = absl::OkStatus();
  EXPECT_EQ(MemberOf(7), "members/701");
  EXPECT_EQ(fetches_, 2);
}

TEST_F(RosterCacheTest, AFullCacheDropsWhatIsNoLongerCurrentFirst) {
  for (int64_t cell = 1; cell <= 4; ++cell) MemberOf(cell);
  EXPECT_EQ(fetches_, 4);
  MemberOf(5);  // full: everything current, so all of it goes
  MemberOf(5);
  EXPECT_EQ(fetches_, 5);
  MemberOf(1);
  EXPECT_EQ(fetches_, 6);
}

}  // namespace
}  // namespace chibo
