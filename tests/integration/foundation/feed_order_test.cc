// The feed's ordering guarantee (common/outbox.h): a reader that polls with
// `sequence > cursor` receives every change, in order, even when writers
// commit in another order than they started or wrote.

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/mysql_pool.h"
#include "common/outbox.h"
#include "common/testing/test_db.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

using testing::TestCall;
using testing::TestDatabase;

// Tails the outbox from 0 until stopped, checking that every page starts
// right after the cursor and runs without a hole.
class TailingReader {
 public:
  explicit TailingReader(MysqlPool* pool)
      : pool_(pool), thread_([this] { Loop(); }) {}
  ~TailingReader() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Reads on until `count` changes arrived or `timeout` passed.
  void WaitFor(size_t count, absl::Duration timeout) {
    const absl::Time give_up = absl::Now() + timeout;
    while (received() < count && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(5));
    }
  }
  size_t received() {
    std::lock_guard<std::mutex> lock(mu_);
    return sequences_.size();
  }
  std::vector<int64_t> sequences() {
    std::lock_guard<std::mutex> lock(mu_);
    return sequences_;
  }
  std::vector<std::string> resources() {
    std::lock_guard<std::mutex> lock(mu_);
    return resources_;
  }
  int jumps() const { return jumps_; }

 private:
  void Loop() {
    int64_t cursor = 0;
    while (!stop_) {
      feed::v1::ListChangesResponse page;
      absl::Status status = ReadOutbox(*pool_, absl::Now() + absl::Seconds(5),
                                       cursor, "", 100, &page);
      if (!status.ok()) continue;
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& change : page.changes()) {
        // The next one must be cursor + 1: anything else passed over a
        // change that may still commit.
        if (change.sequence() != cursor + 1) ++jumps_;
        cursor = change.sequence();
        sequences_.push_back(change.sequence());
        resources_.push_back(change.resource());
      }
    }
  }

  MysqlPool* pool_;
  std::atomic<bool> stop_{false};
  std::atomic<int> jumps_{0};
  std::mutex mu_;
  std::vector<int64_t> sequences_;
  std::vector<std::string> resources_;
  std::thread thread_;
};

absl::Status WriteChange(MysqlPool& pool, const std::string& resource,
                         absl::Duration delay_before_sequence,
                         absl::Duration delay_after_sequence) {
  return WithConnection(
      pool, absl::Now() + absl::Seconds(30), "test write", TxMode::kWrite,
      [&](DbConnection& db) {
        AppendChange(db, TestCall(), {resource, "created", 0, nullptr});
        // Registered after AppendChange: runs once the sequence was taken,
        // while the transaction is still open.
        if (delay_after_sequence > absl::ZeroDuration()) {
          db.BeforeCommit([delay_after_sequence](DbConnection&) {
            absl::SleepFor(delay_after_sequence);
          });
        }
        absl::SleepFor(delay_before_sequence);
        return absl::OkStatus();
      });
}

TEST(FeedOrderTest, WriterThatStartedFirstButCommitsLastIsNotSkipped) {
  auto db = TestDatabase::Create({});
  ASSERT_TRUE(db.ok()) << db.status();
  TailingReader reader(&(*db)->pool());
  // A writes first and commits 600 ms later; B writes and commits in the
  // meantime. With insert-time ids A held 1 and B 2: a reader saw 2, moved
  // its cursor there and never saw 1.
  std::thread slow([&] {
    EXPECT_TRUE(WriteChange((*db)->pool(), "slow", absl::Milliseconds(600),
                            absl::ZeroDuration())
                    .ok());
  });
  absl::SleepFor(absl::Milliseconds(100));
  ASSERT_TRUE(WriteChange((*db)->pool(), "fast", absl::ZeroDuration(),
                          absl::ZeroDuration())
                  .ok());
  slow.join();
  reader.WaitFor(2, absl::Seconds(10));
  reader.Stop();
  EXPECT_EQ(reader.jumps(), 0);
  EXPECT_EQ(reader.sequences(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(reader.resources(), (std::vector<std::string>{"fast", "slow"}));
}

TEST(FeedOrderTest, CommitDelayedAfterTakingItsSequenceHoldsBackLaterOnes) {
  auto db = TestDatabase::Create({});
  ASSERT_TRUE(db.ok()) << db.status();
  TailingReader reader(&(*db)->pool());
  // A takes its sequence and then waits 600 ms before COMMIT; B must not
  // become visible with a higher sequence while A's can still commit.
  std::thread slow([&] {
    EXPECT_TRUE(WriteChange((*db)->pool(), "slow", absl::ZeroDuration(),
                            absl::Milliseconds(600))
                    .ok());
  });
  absl::SleepFor(absl::Milliseconds(100));
  const absl::Time start = absl::Now();
  ASSERT_TRUE(WriteChange((*db)->pool(), "fast", absl::ZeroDuration(),
                          absl::ZeroDuration())
                  .ok());
  // B waited for A's commit (the counter row orders them).
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
  slow.join();
  reader.WaitFor(2, absl::Seconds(10));
  reader.Stop();
  EXPECT_EQ(reader.jumps(), 0);
  EXPECT_EQ(reader.resources(), (std::vector<std::string>{"slow", "fast"}));
}

TEST(FeedOrderTest, SixteenWritersWithRandomCommitDelaysNeverSkip) {
  auto db = TestDatabase::Create({});
  ASSERT_TRUE(db.ok()) << db.status();
  TailingReader reader(&(*db)->pool());
  constexpr int kWriters = 16;
  constexpr int kEach = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        const int spin = (w * 7 + i * 13) % 6;
        if (!WriteChange((*db)->pool(), absl::StrCat("w", w, "/", i),
                         absl::Milliseconds(spin),
                         absl::Milliseconds((spin * 5) % 3))
                 .ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  reader.WaitFor(kWriters * kEach, absl::Seconds(30));
  reader.Stop();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(reader.jumps(), 0);
  const std::vector<int64_t> seen = reader.sequences();
  ASSERT_EQ(seen.size(), static_cast<size_t>(kWriters * kEach));
  for (size_t i = 0; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i], static_cast<int64_t>(i + 1));
  }
}

TEST(FeedOrderTest, RolledBackWriteLeavesNoHole) {
  auto db = TestDatabase::Create({});
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE(WriteChange((*db)->pool(), "one", absl::ZeroDuration(),
                          absl::ZeroDuration())
                  .ok());
  absl::Status failed = WithConnection(
      (*db)->pool(), absl::Now() + absl::Seconds(10), "test write",
      TxMode::kWrite, [](DbConnection& tx) {
        AppendChange(tx, TestCall(), {"lost", "created", 0, nullptr});
        return absl::InvalidArgumentError("refused");
      });
  ASSERT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(WriteChange((*db)->pool(), "two", absl::ZeroDuration(),
                          absl::ZeroDuration())
                  .ok());
  feed::v1::ListChangesResponse page;
  ASSERT_TRUE(ReadOutbox((*db)->pool(), absl::Now() + absl::Seconds(5), 0, "",
                         10, &page)
                  .ok());
  ASSERT_EQ(page.changes_size(), 2);
  EXPECT_EQ(page.changes(0).sequence(), 1);
  EXPECT_EQ(page.changes(1).sequence(), 2);
  EXPECT_EQ(page.changes(1).resource(), "two");
  EXPECT_EQ(page.head_sequence(), 2);
}

}  // namespace
}  // namespace chibo
