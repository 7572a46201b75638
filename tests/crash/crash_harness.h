#pragma once

// Helpers for end-to-end tests that run the real `capstan serve` and kill it: a temporary
// folder, a Git repository driven by the `git` CLI, the daemon as a child process, and a /proc
// scan of the workloads it started (CAPSTAN_TASK_ID in their environment).
// Thread-compatible: one test thread.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace capstan::crash {

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `argv` (looked up in $PATH), waits, returns its exit status (-1 if it did not run) and its
// stdout in `out` when given.
int RunCommand(const std::vector<std::string>& argv, std::string* out = nullptr);

void WriteFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);

// A Git repository on branch `main` whose working tree the test rewrites and commits.
class GitRepo {
 public:
  explicit GitRepo(std::string dir);
  const std::string& dir() const { return dir_; }
  // Replaces every file under `folder` (relative) with `files` (relative path -> content), commits
  // everything and returns the new HEAD commit id.
  std::string CommitTree(const std::string& folder, const std::map<std::string, std::string>& files,
                         const std::string& message);

 private:
  std::string dir_;
};

// One workload process found in /proc.
struct TaskProcess {
  int pid = 0;
  std::string task_id;
  std::string version;  // the value of --version on its command line ("" if none)
  unsigned long long start_ticks = 0;
};

// Every live (not zombie) session leader whose CAPSTAN_TASK_ID starts with `prefix`.
std::vector<TaskProcess> ScanTaskProcesses(const std::string& prefix);
// SIGKILLs the process groups of everything ScanTaskProcesses(prefix) finds, until none is left
// (or `timeout` passes). Returns how many processes were found on the first pass.
int KillTaskProcesses(const std::string& prefix,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The daemon under test, as a child process. Its stdout/stderr go (appended) to `log_path`.
// The destructor SIGKILLs it if it still runs.
class DaemonProcess {
 public:
  DaemonProcess(std::string binary, std::vector<std::string> args, std::string log_path);
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Starts a new instance (the previous one must be gone).
  bool Start();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // The HTTP port of the current instance, from its "serving on http://HOST:PORT" log line;
  // waits for it up to `timeout`. 0 if it did not come (or the daemon exited).
  int WaitForPort(std::chrono::milliseconds timeout);
  // SIGKILL and reap.
  void Kill9();
  // SIGTERM, wait up to `timeout`, then SIGKILL. Returns the exit status (or -1 if killed).
  int Terminate(std::chrono::milliseconds timeout);
  // Non-blocking: true (and reaped) if the instance exited on its own; `status` from waitpid.
  bool Exited(int* status);
  std::string LogTail(std::size_t max_bytes) const;

 private:
  std::string binary_;
  std::vector<std::string> args_;
  std::string log_path_;
  pid_t pid_ = -1;
  std::size_t log_offset_ = 0;  // where the current instance's log begins
  int port_ = 0;
};

// A GET against 127.0.0.1:port; returns the body on HTTP 200.
std::optional<std::string> HttpGet(int port, const std::string& path,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(3));

// Sleeps about `d`, in small steps that call `each` (continuous invariant checks).
template <typename F>
void SleepChecking(std::chrono::milliseconds d, std::chrono::milliseconds step, F&& each);

}  // namespace capstan::crash

#include <thread>

namespace capstan::crash {

template <typename F>
void SleepChecking(std::chrono::milliseconds d, std::chrono::milliseconds step, F&& each) {
  const auto end = std::chrono::steady_clock::now() + d;
  for (;;) {
    each();
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) return;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(step, end - now));
  }
}

}  // namespace capstan::crash
