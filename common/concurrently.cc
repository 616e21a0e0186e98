#include "common/concurrently.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "absl/synchronization/notification.h"

namespace chibo {
namespace {

// One extra task of a RunConcurrently call. Whoever claims it first runs
// it: a pool worker, or the caller once its own task is done. So a task
// never waits for a busy pool, and the caller never waits for a task that
// nobody started.
struct Job {
  explicit Job(const std::function<absl::Status()>* task) : task(task) {}
  bool Claim() { return !claimed.exchange(true); }
  void Run() {
    result = (*task)();
    done.Notify();
  }
  const std::function<absl::Status()>* task;
  std::atomic<bool> claimed{false};
  absl::Status result;
  absl::Notification done;
};

// A few long-lived threads for the extra tasks: starting a thread per task
// cost more CPU than the statement it ran (about 150 us a page of
// ListMeetings on two cores). Started on first use and never stopped (the
// process ends with them idle).
class WorkerPool {
 public:
  static WorkerPool& Get() {
    static WorkerPool* const pool = new WorkerPool();
    return *pool;
  }

  void Post(std::shared_ptr<Job> job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      StartWorkerIfNeeded();
      queue_.push_back(std::move(job));
    }
    ready_.notify_one();
  }

 private:
  // Enough for the reads of several requests at once; beyond that the
  // callers run their own tasks, which bounds the connections a burst of
  // requests takes from the pool.
  static constexpr int kMaxWorkers = 8;

  void StartWorkerIfNeeded() {
    if (idle_ > static_cast<int>(queue_.size()) || workers_ >= kMaxWorkers) {
      return;
    }
    try {
      std::thread([this] { Work(); }).detach();
      ++workers_;
    } catch (const std::system_error&) {
      // No thread to be had: the caller claims the task back.
    }
  }

  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      ++idle_;
      ready_.wait(lock, [this] { return !queue_.empty(); });
      --idle_;
      std::shared_ptr<Job> job = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      if (job->Claim()) job->Run();
      job.reset();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::shared_ptr<Job>> queue_;
  int workers_ = 0;
  int idle_ = 0;
};

}  // namespace

absl::Status RunConcurrently(
    const std::vector<std::function<absl::Status()>>& tasks) {
  if (tasks.empty()) return absl::OkStatus();
  std::vector<std::shared_ptr<Job>> others;
  others.reserve(tasks.size() - 1);
  for (size_t i = 1; i < tasks.size(); ++i) {
    others.push_back(std::make_shared<Job>(&tasks[i]));
    WorkerPool::Get().Post(others.back());
  }
  absl::Status first = tasks[0]();
  std::vector<absl::Status> results;
  results.reserve(others.size());
  for (const std::shared_ptr<Job>& job : others) {
    if (job->Claim()) {
      job->Run();
    } else {
      job->done.WaitForNotification();
    }
    results.push_back(job->result);
  }
  if (!first.ok()) return first;
  for (const absl::Status& status : results) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace chibo
