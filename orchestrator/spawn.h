#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/status.h"

namespace capstan::orchestrator {

// Privileges the child sets up for itself before exec, all resolved to numbers by the parent.
// Applied in this order: rlimits (before capabilities go, as raising a hard limit needs
// CAP_SYS_RESOURCE), capabilities out of the bounding set (needs CAP_SETPCAP), supplementary
// groups, gid, uid, then the dropped capabilities out of the effective, permitted and inheritable
// sets (and the ambient set cleared), then no_new_privs.
struct SpawnSecurity {
  struct Rlimit {
    int resource = 0;  // RLIMIT_*
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
  };
  std::vector<Rlimit> rlimits;
  std::vector<int> drop_capabilities;  // CAP_* numbers
  bool change_ids = false;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> groups;  // supplementary groups (setgroups), when change_ids
  bool no_new_privs = false;
};

// How to start one child process. Everything is prepared by the parent: between fork() and
// exec() the child only makes async-signal-safe system calls, so Spawn() is safe in a
// multi-threaded process.
struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is resolved through PATH of `env` (as execvp would)
  std::vector<std::pair<std::string, std::string>> env;  // the complete environment
  std::string working_dir;                               // empty: inherit
  int stdout_fd = -1;                                    // -1: /dev/null
  int stderr_fd = -1;                                    // -1: /dev/null
  // Files the child writes its own pid to before exec (cgroup.procs of its cgroups). A failure
  // to write is ignored: limits are best effort, the task must still run.
  std::vector<std::string> pid_files;
  SpawnSecurity security;
  // A file bind-mounted over /etc/hosts in a private mount namespace of the child (the task's
  // Service names). Needs root (CAP_SYS_ADMIN): leave empty otherwise.
  std::string hosts_file;
};

// The default PATH given to a process whose environment has none.
inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Resolves `name` like execvp: a name with a '/' is taken as is (relative to `working_dir` when
// it is relative), anything else is searched in the ':'-separated `path`. kNotFound if there is
// no executable regular file.
model::Result<std::string> ResolveExecutable(const std::string& name, const std::string& path,
                                             const std::string& working_dir);

// Forks and execs a child in a new session and process group (pgid == pid), stdin on /dev/null,
// signal mask and dispositions reset, no file descriptor inherited beyond 0-2. Exec failures are
// reported through a close-on-exec pipe, so an error here means no process was left behind.
// Returns the child's pid; the caller owns reaping it (waitpid on that pid only, never -1).
model::Result<int> Spawn(const SpawnOptions& options);

}  // namespace capstan::orchestrator
