#include "common/testing/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace chibo::testing {
namespace {

std::vector<char*> CArgs(std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  return args;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Subprocess::Subprocess(std::vector<std::string> argv,
                       const std::string& log_path) {
  std::vector<char*> args = CArgs(argv);
  pid_ = fork();
  if (pid_ == 0) {
    // The child must not inherit a blocked SIGTERM from a test harness.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    execv(args[0], args.data());
    _exit(127);
  }
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !exit_status_) {
    kill(pid_, SIGKILL);
    Wait(absl::Seconds(10));
  }
}

void Subprocess::Signal(int signal_number) {
  if (pid_ > 0 && !exit_status_) kill(pid_, signal_number);
}

std::optional<int> Subprocess::Wait(absl::Duration timeout) {
  if (exit_status_ || pid_ <= 0) return exit_status_;
  const absl::Time give_up = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_status_ = DecodeStatus(status);
      return exit_status_;
    }
    if (absl::Now() >= give_up) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

std::string RunCommand(const std::vector<std::string>& argv, int* exit_status) {
  int pipe_fds[2];
  *exit_status = -1;
  if (pipe(pipe_fds) != 0) return "";
  std::vector<std::string> copy = argv;
  std::vector<char*> args = CArgs(copy);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string output;
  std::array<char, 4096> buffer;
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer.data(), buffer.size())) > 0) {
    output.append(buffer.data(), n);
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  *exit_status = DecodeStatus(status);
  return output;
}

int WaitForPortFile(const std::string& path, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    std::ifstream in(path);
    std::string text;
    int port = 0;
    if (in && std::getline(in, text) &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) && port > 0) {
      return port;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return 0;
}

std::string MakeTempDir() {
  std::string pattern = "/tmp/chibo-test-XXXXXX";
  char* made = mkdtemp(pattern.data());
  return made != nullptr ? std::string(made) : "";
}

}  // namespace chibo::testing
