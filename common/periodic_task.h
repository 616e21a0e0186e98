#ifndef CHIBO_COMMON_PERIODIC_TASK_H_
#define CHIBO_COMMON_PERIODIC_TASK_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/time/time.h"

namespace chibo {

// Runs `step` on a background thread until destroyed: again at once when
// it returns true (more work is waiting), after `interval` otherwise. The
// destructor wakes the thread and joins it; a step in progress finishes.
class PeriodicTask {
 public:
  PeriodicTask(std::function<bool()> step, absl::Duration interval);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  void Loop();

  std::function<bool()> step_;
  const absl::Duration interval_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace chibo

#endif  // CHIBO_COMMON_PERIODIC_TASK_H_
