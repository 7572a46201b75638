#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace capstan::bench {

// Helpers for the benchmarks that drive the real `capstan` binary (idle, webhook-latency):
// a scratch Git repository, the daemon as a child process, and the task processes it starts.

// The whole content of a file ("" if unreadable).
std::string Slurp(const std::string& path);
// $CAPSTAN_BINARY, else the path compiled in, else ../cli/capstan beside the bench binary.
std::string CapstanBinary();
// Runs a /bin/sh command; returns its status.
int Sh(const std::string& command);
// Single-quotes `s` for /bin/sh.
std::string Quote(const std::string& s);
// Commits everything in `repo` with the git CLI; returns the new commit's SHA.
std::string Commit(const std::string& repo, const std::string& message);
// A Deployment of `replicas` process tasks running `sleep arg`.
std::string SleepDeployment(const std::string& name, int replicas, const std::string& arg);
// SIGKILLs every process whose CAPSTAN_TASK_ID starts with `prefix`; returns how many.
int KillTasks(const std::string& prefix);
// Starts `capstan ARGS...` in its own process group, stdout/stderr appended to `log`.
pid_t StartDaemon(const std::vector<std::string>& args, const std::string& log);
// The port the daemon logged it serves on, 0 if it exited or `timeout` passed.
int WaitForPort(pid_t pid, const std::string& log, std::chrono::seconds timeout);

}  // namespace capstan::bench
