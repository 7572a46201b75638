#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/status.h"

namespace capstan::orchestrator {

enum class CgroupVersion { kNone, kV1, kV2 };

// CPU and memory limits of one task; 0 means "not set".
struct CgroupLimits {
  std::int64_t cpu_limit_millis = 0;
  std::int64_t memory_limit_bytes = 0;
};

// Puts each task in its own cgroup, `<root>/<parent>/<task_id>` (v2) or
// `<root>/{memory,cpu}/<parent>/<task_id>` (v1), and writes its limits there.
//
// Limits are best effort: on a machine without a writable cgroup tree (a container, a non-root
// user) Detect() returns a manager that is not available(), with the reason, and tasks run
// without limits rather than fail. Works on any directory tree laid out like /sys/fs/cgroup, so
// tests exercise detection and the files written on a fake tree.
// Thread-compatible.
class CgroupManager {
 public:
  // Looks at `root`: cgroup.controllers there means v2 (unified); memory/ or cpu/ sub-hierarchies
  // mean v1. Creates `<parent>` in each hierarchy used (and, for v2, enables the cpu and memory
  // controllers for its children) to check that it is writable.
  static CgroupManager Detect(const std::string& root = "/sys/fs/cgroup",
                              const std::string& parent = "capstan");

  CgroupVersion version() const { return version_; }
  bool available() const { return version_ != CgroupVersion::kNone; }
  // Why limits are not enforced; empty when available().
  const std::string& reason() const { return reason_; }

  // Creates the task's cgroup(s) and writes the limits. Returns the cgroup.procs files the task's
  // processes must be written to (see SpawnOptions::pid_files). REQUIRES: available().
  model::Result<std::vector<std::string>> CreateTaskGroup(const std::string& task_id,
                                                          const CgroupLimits& limits) const;
  // Removes the task's cgroup(s). Fails with kFailedPrecondition while processes remain in it;
  // kOk when it does not exist. Idempotent.
  model::Status RemoveTaskGroup(const std::string& task_id) const;
  // How many times the kernel's OOM killer killed a process of the task (v2 memory.events
  // oom_kill, v1 memory.oom_control oom_kill); 0 when unknown.
  std::int64_t OomKills(const std::string& task_id) const;

 private:
  CgroupManager() = default;
  // The task directories in every hierarchy used.
  std::vector<std::string> TaskDirs(const std::string& task_id) const;

  CgroupVersion version_ = CgroupVersion::kNone;
  std::string reason_;
  std::string v2_parent_;         // <root>/<parent>
  std::string v1_memory_parent_;  // <root>/memory/<parent>, empty if no memory hierarchy
  std::string v1_cpu_parent_;     // <root>/cpu/<parent>, empty if no cpu hierarchy
};

}  // namespace capstan::orchestrator
