#include "common/concurrently.h"

#include <future>
#include <system_error>

namespace chibo {

absl::Status RunConcurrently(
    const std::vector<std::function<absl::Status()>>& tasks) {
  std::vector<std::future<absl::Status>> others;
  std::vector<absl::Status> results(tasks.size());
  others.reserve(tasks.size());
  for (size_t i = 1; i < tasks.size(); ++i) {
    try {
      others.push_back(std::async(std::launch::async, tasks[i]));
    } catch (const std::system_error&) {
      // No thread to be had: the caller's thread runs it below.
      others.emplace_back();
    }
  }
  if (!tasks.empty()) results[0] = tasks[0]();
  for (size_t i = 1; i < tasks.size(); ++i) {
    std::future<absl::Status>& other = others[i - 1];
    results[i] = other.valid() ? other.get() : tasks[i]();
  }
  for (const absl::Status& status : results) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace chibo
