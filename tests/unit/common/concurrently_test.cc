#include "common/concurrently.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace chibo {
namespace {

// Each task waits until all of them have started: run one after another,
// the first would wait for good (here: until the timeout fails the test).
TEST(RunConcurrentlyTest, TheTasksRunAtTheSameTime) {
  constexpr int kTasks = 3;
  std::mutex mu;
  std::condition_variable all_started;
  int started = 0;
  auto task = [&]() -> absl::Status {
    std::unique_lock<std::mutex> lock(mu);
    ++started;
    all_started.notify_all();
    if (!all_started.wait_for(lock, std::chrono::seconds(10),
                              [&] { return started == kTasks; })) {
      return absl::DeadlineExceededError("the others never started");
    }
    return absl::OkStatus();
  };
  EXPECT_TRUE(RunConcurrently({task, task, task}).ok());
  EXPECT_EQ(started, kTasks);
}

TEST(RunConcurrentlyTest, EveryTaskRunsAndTheFirstErrorInOrderWins) {
  std::atomic<int> ran{0};
  absl::Status status = RunConcurrently({
      [&] {
        ++ran;
        return absl::OkStatus();
      },
      [&] {
        // Finishes last, but comes first in order.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ++ran;
        return absl::NotFoundError("second");
      },
      [&] {
        ++ran;
        return absl::UnavailableError("third");
      },
  });
  EXPECT_EQ(ran.load(), 3);
  EXPECT_EQ(status, absl::NotFoundError("second"));
}

TEST(RunConcurrentlyTest, NoTasksAndOneTask) {
  EXPECT_TRUE(RunConcurrently({}).ok());
  int ran = 0;
  EXPECT_TRUE(RunConcurrently({[&] {
                ++ran;
                return absl::OkStatus();
              }}).ok());
  EXPECT_EQ(ran, 1);
}

TEST(RunConcurrentlyTest, IntoStoresAValueOrReturnsTheError) {
  int value = 0;
  std::string untouched = "before";
  absl::Status status = RunConcurrently({
      Into(&value, [] { return absl::StatusOr<int>(42); }),
      Into(
          &untouched,
          [] { return absl::StatusOr<std::string>(absl::NotFoundError("x")); }),
  });
  EXPECT_EQ(value, 42);
  EXPECT_EQ(untouched, "before");
  EXPECT_EQ(status, absl::NotFoundError("x"));
}

}  // namespace
}  // namespace chibo
