#include "common/periodic_task.h"

namespace chibo {

PeriodicTask::PeriodicTask(std::function<bool()> step, absl::Duration interval)
    : step_(std::move(step)),
      interval_(interval),
      thread_([this] { Loop(); }) {}

PeriodicTask::~PeriodicTask() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

void PeriodicTask::Loop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    const bool more = step_();
    std::unique_lock<std::mutex> lock(mu_);
    if (more) continue;
    if (stop_cv_.wait_for(lock, absl::ToChronoMilliseconds(interval_),
                          [this] { return stopping_; })) {
      return;
    }
  }
}

}  // namespace chibo
