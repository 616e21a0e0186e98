#include "common/feed_head_watch.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

absl::Time Soon() { return absl::Now() + absl::Seconds(10); }

TEST(FeedHeadWatchTest, AnAnswerIsCurrentUntilTheHeadMoves) {
  int64_t head = 40;
  FeedHeadWatch watch([&head](absl::Time) { return head; });
  auto taken = watch.Read(Soon());
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_EQ(taken->head, 40);
  auto same = watch.Read(Soon());
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(FeedHeadWatch::Current(*taken, *same));
  head = 41;  // a write anywhere in the peer
  auto moved = watch.Read(Soon());
  ASSERT_TRUE(moved.ok());
  EXPECT_FALSE(FeedHeadWatch::Current(*taken, *same = *moved));
  // Stays retired once the head stops moving; what was asked after the
  // move is current.
  auto later = watch.Read(Soon());
  ASSERT_TRUE(later.ok());
  EXPECT_FALSE(FeedHeadWatch::Current(*taken, *later));
  EXPECT_TRUE(FeedHeadWatch::Current(*moved, *later));
  EXPECT_EQ(watch.reads(), 4);
}

TEST(FeedHeadWatchTest, AHeadBelowTheLastIsAResetThatRetiresEverything) {
  int64_t head = 40;
  FeedHeadWatch watch([&head](absl::Time) { return head; });
  auto taken = watch.Read(Soon());
  ASSERT_TRUE(taken.ok());
  head = 3;  // the peer's database was restored
  auto reset = watch.Read(Soon());
  ASSERT_TRUE(reset.ok());
  EXPECT_FALSE(FeedHeadWatch::Current(*taken, *reset));
  head = 40;  // back at the old number, but another history
  auto again = watch.Read(Soon());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(FeedHeadWatch::Current(*taken, *again));
  EXPECT_TRUE(FeedHeadWatch::Current(*again, *again));
}

TEST(FeedHeadWatchTest, AFailedReadIsAnErrorAndTheNextReadTriesAgain) {
  bool fail = true;
  FeedHeadWatch watch([&fail](absl::Time) -> absl::StatusOr<int64_t> {
    if (fail) return absl::UnavailableError("registry unavailable");
    return 7;
  });
  EXPECT_EQ(watch.Read(Soon()).status().code(), absl::StatusCode::kUnavailable);
  fail = false;
  auto read = watch.Read(Soon());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->head, 7);
}

// A read that was already running when a caller came may have read the
// head before the caller's write: the caller waits for the next read, and
// one read answers everyone who came while the first ran.
TEST(FeedHeadWatchTest, CallersWhoComeDuringAReadShareTheNextOne) {
  absl::Notification first_started, release_first;
  std::atomic<int> calls{0};
  std::atomic<int64_t> head{10};
  FeedHeadWatch watch([&](absl::Time) -> absl::StatusOr<int64_t> {
    const int64_t seen = head.load();
    if (calls.fetch_add(1) == 0) {
      first_started.Notify();
      release_first.WaitForNotification();
    }
    return seen;
  });
  std::thread first([&] { ASSERT_TRUE(watch.Read(Soon()).ok()); });
  first_started.WaitForNotification();
  head = 11;  // committed after the first read looked
  constexpr int kLate = 8;
  std::vector<int64_t> seen(kLate, 0);
  std::vector<std::thread> late;
  for (int i = 0; i < kLate; ++i) {
    late.emplace_back([&, i] {
      auto read = watch.Read(Soon());
      ASSERT_TRUE(read.ok()) << read.status();
      seen[i] = read->head;
    });
  }
  absl::SleepFor(absl::Milliseconds(50));  // the late callers are waiting
  release_first.Notify();
  first.join();
  for (std::thread& t : late) t.join();
  for (int64_t h : seen) EXPECT_EQ(h, 11);  // none took the first answer
  EXPECT_LE(calls.load(), 3);  // the first, then one or two shared reads
}

// A read that ran out of its leader's (short) deadline does not fail the
// callers who waited on it with time to spare: they read again.
TEST(FeedHeadWatchTest, ALeadersShortDeadlineDoesNotFailTheOthers) {
  absl::Notification started, release;
  std::atomic<int> calls{0};
  FeedHeadWatch watch([&](absl::Time deadline) -> absl::StatusOr<int64_t> {
    if (calls.fetch_add(1) == 0) {
      started.Notify();
      release.WaitForNotification();
    }
    if (deadline - absl::Now() < absl::Seconds(1)) {
      return absl::DeadlineExceededError("before the call's deadline");
    }
    return 9;
  });
  std::thread first([&] { (void)watch.Read(Soon()); });
  started.WaitForNotification();
  // Both wait for the next round; whichever leads it, the patient one gets
  // a head.
  std::thread hurried(
      [&] { (void)watch.Read(absl::Now() + absl::Milliseconds(500)); });
  std::thread patient([&] {
    auto read = watch.Read(Soon());
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->head, 9);
  });
  absl::SleepFor(absl::Milliseconds(30));
  release.Notify();
  first.join();
  hurried.join();
  patient.join();
}

TEST(FeedHeadWatchTest, AWaiterGivesUpAtItsDeadline) {
  absl::Notification started, release;
  FeedHeadWatch watch([&](absl::Time) -> absl::StatusOr<int64_t> {
    started.Notify();
    release.WaitForNotification();
    return 1;
  });
  std::thread slow([&] { (void)watch.Read(Soon()); });
  started.WaitForNotification();
  const auto waited =
      watch.Read(absl::Now() + absl::Milliseconds(30)).status().code();
  EXPECT_EQ(waited, absl::StatusCode::kDeadlineExceeded);
  release.Notify();
  slow.join();
}

}  // namespace
}  // namespace chibo
