#ifndef CHIBO_COMMON_TESTING_SUBPROCESS_H_
#define CHIBO_COMMON_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace chibo::testing {

// A child process for end-to-end tests: started with execv, its output
// appended to `log_path`. Killed (SIGKILL) on destruction if still running.
class Subprocess {
 public:
  Subprocess(std::vector<std::string> argv, const std::string& log_path);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  void Signal(int signal_number);
  // The exit status (WEXITSTATUS, or 128+signal) once it exits within
  // `timeout`; nullopt if it is still running.
  std::optional<int> Wait(absl::Duration timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

// Runs a command to completion and returns its stdout ("" on failure);
// `*exit_status` receives its exit status.
std::string RunCommand(const std::vector<std::string>& argv, int* exit_status);

// Waits until `path` holds a positive integer; returns it or 0 on timeout.
int WaitForPortFile(const std::string& path, absl::Duration timeout);

// A fresh temporary directory.
std::string MakeTempDir();

}  // namespace chibo::testing

#endif  // CHIBO_COMMON_TESTING_SUBPROCESS_H_
