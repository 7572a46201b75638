#include "orchestrator/cgroups.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace capstan::orchestrator {

using model::ErrorCode;
using model::Result;
using model::Status;

namespace {

constexpr std::int64_t kCpuPeriodMicros = 100000;

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0) return Status::Ok();
  if (errno == EEXIST) {
    if (IsDir(path)) return Status::Ok();
    return Status::Error(ErrorCode::kPermissionDenied, "mkdir " + path + ": not a directory");
  }
  return Status::Error(ErrorCode::kPermissionDenied, "mkdir " + path + ": " + std::strerror(errno));
}

Status WriteFile(const std::string& path, const std::string& value) {
  // O_TRUNC is ignored by cgroupfs and gives fake trees (tests) the plain value.
  std::ofstream out(path, std::ios::out | std::ios::trunc);
  if (!out) return Status::Error(ErrorCode::kIoError, "open " + path + ": " + std::strerror(errno));
  out << value;
  out.flush();
  if (!out)
    return Status::Error(ErrorCode::kIoError, "write " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

std::int64_t ReadCounter(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string k;
  std::int64_t v;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return 0;
}

// Task ids come from our own naming, but a cgroup path must never escape its parent.
bool SafeName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

}  // namespace

CgroupManager CgroupManager::Detect(const std::string& root, const std::string& parent) {
  CgroupManager m;
  if (Exists(root + "/cgroup.controllers")) {
    std::string dir = root + "/" + parent;
    if (Status s = MakeDir(dir); !s.ok()) {
      m.reason_ = "cgroup v2 at " + root + " is not writable: " + s.message();
      return m;
    }
    // Children of <parent> get the cpu and memory controllers. Needs them enabled in the root's
    // subtree_control first; each write is checked by reading back what is enabled.
    Status a = WriteFile(root + "/cgroup.subtree_control", "+memory +cpu");
    Status b = WriteFile(dir + "/cgroup.subtree_control", "+memory +cpu");
    std::ifstream in(dir + "/cgroup.subtree_control");
    std::string enabled((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!a.ok() || !b.ok() || enabled.find("memory") == std::string::npos) {
      m.reason_ = "cgroup v2 at " + root + ": cannot enable the memory and cpu controllers (" +
                  (a.ok() ? b.message() : a.message()) + ")";
      return m;
    }
    m.version_ = CgroupVersion::kV2;
    m.v2_parent_ = dir;
    return m;
  }
  bool has_memory = IsDir(root + "/memory");
  bool has_cpu = IsDir(root + "/cpu");
  if (!has_memory && !has_cpu) {
    m.reason_ = "no cgroup hierarchy at " + root;
    return m;
  }
  std::string why;
  if (has_memory) {
    std::string dir = root + "/memory/" + parent;
    if (Status s = MakeDir(dir); s.ok()) {
      m.v1_memory_parent_ = dir;
    } else {
      why = s.message();
    }
  }
  if (has_cpu) {
    std::string dir = root + "/cpu/" + parent;
    if (Status s = MakeDir(dir); s.ok()) {
      m.v1_cpu_parent_ = dir;
    } else {
      why = s.message();
    }
  }
  if (m.v1_memory_parent_.empty() && m.v1_cpu_parent_.empty()) {
    m.reason_ = "cgroup v1 at " + root + " is not writable: " + why;
    return m;
  }
  m.version_ = CgroupVersion::kV1;
  return m;
}

std::vector<std::string> CgroupManager::TaskDirs(const std::string& task_id) const {
  std::vector<std::string> dirs;
  if (version_ == CgroupVersion::kV2) {
    dirs.push_back(v2_parent_ + "/" + task_id);
  } else if (version_ == CgroupVersion::kV1) {
    if (!v1_memory_parent_.empty()) dirs.push_back(v1_memory_parent_ + "/" + task_id);
    if (!v1_cpu_parent_.empty()) dirs.push_back(v1_cpu_parent_ + "/" + task_id);
  }
  return dirs;
}

Result<std::vector<std::string>> CgroupManager::CreateTaskGroup(const std::string& task_id,
                                                                const CgroupLimits& limits) const {
  if (!available()) return Status::Error(ErrorCode::kFailedPrecondition, reason_);
  if (!SafeName(task_id)) {
    return Status::Error(ErrorCode::kInvalidArgument, "bad cgroup name: " + task_id);
  }
  std::vector<std::string> procs;
  if (version_ == CgroupVersion::kV2) {
    std::string dir = v2_parent_ + "/" + task_id;
    if (Status s = MakeDir(dir); !s.ok()) return s;
    if (limits.memory_limit_bytes > 0) {
      if (Status s = WriteFile(dir + "/memory.max", std::to_string(limits.memory_limit_bytes));
          !s.ok()) {
        return s;
      }
      // Without this a limited task swaps instead of being OOM-killed, as in Kubernetes.
      (void)WriteFile(dir + "/memory.swap.max", "0");
    }
    if (limits.cpu_limit_millis > 0) {
      std::int64_t quota = limits.cpu_limit_millis * kCpuPeriodMicros / 1000;
      if (Status s = WriteFile(dir + "/cpu.max",
                               std::to_string(quota) + " " + std::to_string(kCpuPeriodMicros));
          !s.ok()) {
        return s;
      }
    }
    procs.push_back(dir + "/cgroup.procs");
    return procs;
  }
  if (!v1_memory_parent_.empty()) {
    std::string dir = v1_memory_parent_ + "/" + task_id;
    if (Status s = MakeDir(dir); !s.ok()) return s;
    if (limits.memory_limit_bytes > 0) {
      if (Status s =
              WriteFile(dir + "/memory.limit_in_bytes", std::to_string(limits.memory_limit_bytes));
          !s.ok()) {
        return s;
      }
    }
    procs.push_back(dir + "/cgroup.procs");
  }
  if (!v1_cpu_parent_.empty()) {
    std::string dir = v1_cpu_parent_ + "/" + task_id;
    if (Status s = MakeDir(dir); !s.ok()) return s;
    if (limits.cpu_limit_millis > 0) {
      std::int64_t quota = limits.cpu_limit_millis * kCpuPeriodMicros / 1000;
      if (Status s = WriteFile(dir + "/cpu.cfs_period_us", std::to_string(kCpuPeriodMicros));
          !s.ok()) {
        return s;
      }
      if (Status s = WriteFile(dir + "/cpu.cfs_quota_us", std::to_string(quota)); !s.ok()) {
        return s;
      }
    }
    procs.push_back(dir + "/cgroup.procs");
  }
  return procs;
}

Status CgroupManager::RemoveTaskGroup(const std::string& task_id) const {
  if (!available() || !SafeName(task_id)) return Status::Ok();
  Status result;
  for (const std::string& dir : TaskDirs(task_id)) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) continue;
    if (errno == EBUSY) {
      result =
          Status::Error(ErrorCode::kFailedPrecondition, "cgroup " + dir + " still has processes");
    } else if (errno == ENOTEMPTY) {
      // A fake tree (tests) holds plain files; the real cgroupfs never reports ENOTEMPTY.
      result = Status::Error(ErrorCode::kFailedPrecondition, "cgroup " + dir + " not empty");
    } else {
      result = Status::Error(ErrorCode::kIoError, "rmdir " + dir + ": " + std::strerror(errno));
    }
  }
  return result;
}

std::int64_t CgroupManager::OomKills(const std::string& task_id) const {
  if (!SafeName(task_id)) return 0;
  if (version_ == CgroupVersion::kV2) {
    return ReadCounter(v2_parent_ + "/" + task_id + "/memory.events", "oom_kill");
  }
  if (version_ == CgroupVersion::kV1 && !v1_memory_parent_.empty()) {
    return ReadCounter(v1_memory_parent_ + "/" + task_id + "/memory.oom_control", "oom_kill");
  }
  return 0;
}

}  // namespace capstan::orchestrator
