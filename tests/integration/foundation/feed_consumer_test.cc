// FeedConsumer (common/feed_consumer.h): each change applied exactly once,
// with the cursor in the consumer's schema, across restarts, crashes in the
// middle of a page and a replica taking over.

#include "common/feed_consumer.h"

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>
#include <signal.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/mysql_pool.h"
#include "common/outbox.h"
#include "common/testing/subprocess.h"
#include "common/testing/test_db.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

using testing::TestCall;
using testing::TestDatabase;

// Appends `count` changes to `db`'s outbox, 100 per transaction.
void Generate(TestDatabase& db, int count) {
  for (int done = 0; done < count;) {
    const int batch = std::min(100, count - done);
    ASSERT_TRUE(WithConnection(db.pool(), absl::Now() + absl::Seconds(30),
                               "generating", TxMode::kWrite,
                               [&](DbConnection& tx) {
                                 for (int i = 0; i < batch; ++i) {
                                   AppendChange(
                                       tx, TestCall(),
                                       {absl::StrCat("things/", done + i + 1),
                                        "created", 0, nullptr});
                                 }
                                 return absl::OkStatus();
                               })
                    .ok());
    done += batch;
  }
}

class FeedConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto source = TestDatabase::Create({});
    ASSERT_TRUE(source.ok()) << source.status();
    source_ = *std::move(source);
    auto consumer = TestDatabase::Create({});
    ASSERT_TRUE(consumer.ok()) << consumer.status();
    consumer_ = *std::move(consumer);
    ASSERT_TRUE(consumer_
                    ->Execute("CREATE TABLE applied_changes (sequence BIGINT "
                              "PRIMARY KEY, times INT NOT NULL, resource "
                              "VARCHAR(255) NOT NULL) ENGINE=InnoDB")
                    .ok());
  }

  std::unique_ptr<FeedConsumer> Consumer(const std::string& holder,
                                         absl::Duration lease,
                                         int fail_at_sequence = 0) {
    FeedConsumer::Options options;
    options.holder = holder;
    options.lease = lease;
    options.poll_interval = absl::Milliseconds(20);
    TestDatabase* source = source_.get();
    return std::make_unique<FeedConsumer>(
        &consumer_->pool(), "probe",
        [source](int64_t after, int page_size,
                 feed::v1::ListChangesResponse* out) {
          return ReadOutbox(source->pool(), absl::Now() + absl::Seconds(5),
                            after, "", page_size, out);
        },
        [fail_at_sequence](DbConnection& db,
                           const feed::v1::Change& change) -> absl::Status {
          if (change.sequence() == fail_at_sequence) {
            return absl::InternalError("refused on purpose");
          }
          sql::PreparedStatement& apply = db.Prepare(
              "INSERT INTO applied_changes (sequence, times, resource) "
              "VALUES (?, 1, ?) ON DUPLICATE KEY UPDATE times = times + 1");
          apply.setInt64(1, change.sequence());
          apply.setString(2, change.resource());
          apply.executeUpdate();
          return absl::OkStatus();
        },
        options);
  }

  int64_t Applied() {
    return *consumer_->QueryInt("SELECT COUNT(*) FROM applied_changes");
  }
  int64_t TimesApplied() {
    return *consumer_->QueryInt(
        "SELECT COALESCE(SUM(times), 0) FROM applied_changes");
  }
  int64_t Cursor() {
    return *consumer_->QueryInt(
        "SELECT COALESCE(MAX(last_sequence), 0) FROM feed_cursors");
  }
  // Waits until `condition` holds or `timeout` passes.
  bool Eventually(const std::function<bool()>& condition,
                  absl::Duration timeout) {
    const absl::Time give_up = absl::Now() + timeout;
    while (absl::Now() < give_up) {
      if (condition()) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return condition();
  }

  std::unique_ptr<TestDatabase> source_;
  std::unique_ptr<TestDatabase> consumer_;
};

TEST_F(FeedConsumerTest, AppliesEachChangeOnceAndResumesFromItsStoredCursor) {
  Generate(*source_, 1200);
  {
    auto consumer = Consumer("a", absl::Seconds(10));
    EXPECT_EQ(*consumer->PollOnce(), kFeedPageSize);
    const FeedLag lag = consumer->Lag();
    EXPECT_EQ(lag.applied_sequence, kFeedPageSize);
    EXPECT_EQ(lag.head_sequence, 1200);
    EXPECT_EQ(lag.events_behind, 1200 - kFeedPageSize);
    EXPECT_TRUE(lag.holds_lease);
    EXPECT_EQ(*consumer->PollOnce(), kFeedPageSize);
  }
  // A new process (same holder name, as after a restart) resumes at 1000.
  auto restarted = Consumer("a", absl::Seconds(10));
  EXPECT_EQ(*restarted->PollOnce(), 200);
  EXPECT_EQ(*restarted->PollOnce(), 0);
  EXPECT_EQ(restarted->Lag().events_behind, 0);
  Generate(*source_, 7);
  EXPECT_EQ(*restarted->PollOnce(), 7);
  EXPECT_EQ(Applied(), 1207);
  EXPECT_EQ(TimesApplied(), 1207);
  EXPECT_EQ(Cursor(), 1207);
}

TEST_F(FeedConsumerTest, AFailingChangeRollsBackItsPageAndIsRetried) {
  Generate(*source_, 30);
  auto failing = Consumer("a", absl::Seconds(10), /*fail_at_sequence=*/17);
  EXPECT_FALSE(failing->PollOnce().ok());
  EXPECT_EQ(Applied(), 0);
  EXPECT_EQ(Cursor(), 0);
  failing.reset();
  auto fixed = Consumer("a", absl::Seconds(10));
  EXPECT_EQ(*fixed->PollOnce(), 30);
  EXPECT_EQ(TimesApplied(), 30);
}

TEST_F(FeedConsumerTest, OnlyTheLeaseHolderAppliesAndAnotherTakesOver) {
  Generate(*source_, 600);
  auto a = Consumer("a", absl::Milliseconds(500));
  auto b = Consumer("b", absl::Milliseconds(500));
  EXPECT_EQ(*a->PollOnce(), kFeedPageSize);
  EXPECT_EQ(*b->PollOnce(), 0);  // a holds the lease
  EXPECT_FALSE(b->Lag().holds_lease);
  a.reset();  // a dies without giving the lease back
  ASSERT_TRUE(Eventually([&] { return *b->PollOnce() > 0; }, absl::Seconds(5)));
  EXPECT_EQ(Applied(), 600);
  EXPECT_EQ(TimesApplied(), 600);
}

TEST_F(FeedConsumerTest, BackgroundThreadCatchesUp) {
  auto consumer = Consumer("a", absl::Seconds(10));
  consumer->Start();
  Generate(*source_, 1100);
  EXPECT_TRUE(Eventually([&] { return Applied() == 1100; }, absl::Seconds(20)));
  consumer->Stop();
  EXPECT_EQ(TimesApplied(), 1100);
}

// The probe applies a change every 3 ms, so a page of 500 takes about 1.5 s
// to apply and a kill lands inside one.
std::vector<std::string> ProbeArgs(const TestDatabase& source,
                                   const TestDatabase& consumer,
                                   const std::string& holder, int lease_ms) {
  return {CHIBO_FEED_CONSUMER_PROBE, source.schema(),
          consumer.schema(),         holder,
          std::to_string(lease_ms),  "3"};
}

TEST_F(FeedConsumerTest, KilledInTheMiddleOfAPageAppliesEachChangeOnce) {
  Generate(*source_, 1200);
  const std::string log = testing::MakeTempDir() + "/probe.log";
  {
    testing::Subprocess probe(ProbeArgs(*source_, *consumer_, "a", 10000), log);
    ASSERT_TRUE(probe.started());
    ASSERT_TRUE(Eventually([&] { return Applied() > 0; }, absl::Seconds(20)));
    absl::SleepFor(absl::Milliseconds(500));  // into the second page
    probe.Signal(SIGKILL);
    probe.Wait(absl::Seconds(5));
  }
  // Pages commit whole: the one being applied left nothing behind.
  EXPECT_EQ(Applied() % kFeedPageSize, 0) << Applied();
  EXPECT_EQ(Cursor(), Applied());
  EXPECT_LT(Applied(), 1200);
  testing::Subprocess restarted(ProbeArgs(*source_, *consumer_, "a", 10000),
                                log);
  ASSERT_TRUE(restarted.started());
  EXPECT_TRUE(Eventually([&] { return Cursor() == 1200; }, absl::Seconds(30)));
  EXPECT_EQ(Applied(), 1200);
  EXPECT_EQ(TimesApplied(), 1200);
}

TEST_F(FeedConsumerTest, ReplicaTakesOverWhenTheHolderIsKilled) {
  Generate(*source_, 1200);
  const std::string log = testing::MakeTempDir() + "/probe.log";
  auto a = std::make_unique<testing::Subprocess>(
      ProbeArgs(*source_, *consumer_, "a", 1000), log);
  auto b = std::make_unique<testing::Subprocess>(
      ProbeArgs(*source_, *consumer_, "b", 1000), log);
  ASSERT_TRUE(Eventually([&] { return Applied() > 0; }, absl::Seconds(20)));
  const bool a_holds =
      *consumer_->QueryInt("SELECT holder = 'a' FROM feed_cursors") == 1;
  (a_holds ? a : b)->Signal(SIGKILL);
  const absl::Time killed = absl::Now();
  EXPECT_TRUE(Eventually([&] { return Cursor() == 1200; }, absl::Seconds(30)));
  // The survivor took over within seconds (lease 1 s, then 700 changes at
  // 3 ms each).
  EXPECT_LT(absl::Now() - killed, absl::Seconds(15));
  EXPECT_EQ(*consumer_->QueryInt("SELECT holder = 'a' FROM feed_cursors"),
            a_holds ? 0 : 1);
  EXPECT_EQ(Applied(), 1200);
  EXPECT_EQ(TimesApplied(), 1200);
}

}  // namespace
}  // namespace chibo
