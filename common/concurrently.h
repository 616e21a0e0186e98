#ifndef CHIBO_COMMON_CONCURRENTLY_H_
#define CHIBO_COMMON_CONCURRENTLY_H_

// Independent reads of one request, at once.

#include <functional>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace chibo {

// Runs every task at the same time: the first on the caller's thread, the
// others on a small pool of long-lived threads, and waits for all of them.
// Returns the first error in the tasks' order, or OK.
//
// For a request's reads that do not depend on each other (each on its own
// pooled connection): its latency is then the slowest read's round trip
// instead of their sum. A task that no pool thread has picked up by the
// time the caller's own task is done runs on the caller's thread, so a
// busy pool never delays a request and never deadlocks one. Each task
// takes at most one connection at a time, so tasks waiting for the
// connection pool cannot deadlock each other either.
absl::Status RunConcurrently(
    const std::vector<std::function<absl::Status()>>& tasks);

// A task for RunConcurrently that stores what `read` returns in `*out`,
// or returns its error:
//   RunConcurrently({Into(&rules, [&] { return LoadRules(call); }), ...});
template <typename T, typename Read>
std::function<absl::Status()> Into(T* out, Read read) {
  return [out, read]() -> absl::Status {
    auto result = read();
    if (!result.ok()) return result.status();
    *out = *std::move(result);
    return absl::OkStatus();
  };
}

}  // namespace chibo

#endif  // CHIBO_COMMON_CONCURRENTLY_H_
