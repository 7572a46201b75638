#include "orchestrator/process_driver.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>

#include "orchestrator/dependency_gate.h"
#include "orchestrator/proc_stat.h"
#include "orchestrator/spawn.h"
#include "orchestrator/task_files.h"

namespace capstan::orchestrator {

namespace fs = std::filesystem;
using model::ErrorCode;
using model::Result;
using model::Status;

namespace {

std::string EnvName(const std::string& name) {
  std::string out;
  for (char c : name) {
    out += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(c)) : '_';
  }
  return out;
}

void SetIfMissing(std::vector<std::pair<std::string, std::string>>* env, const std::string& key,
                  const std::string& value) {
  for (const auto& [k, v] : *env) {
    if (k == key) return;
  }
  env->emplace_back(key, value);
}

}  // namespace

ProcessDriver::ProcessDriver(std::string base_dir, const CgroupManager* cgroups)
    : ProcessDriver(std::move(base_dir), cgroups, HostPrivileges::Current()) {}

ProcessDriver::ProcessDriver(std::string base_dir, const CgroupManager* cgroups,
                             HostPrivileges host)
    : base_dir_(std::move(base_dir)), cgroups_(cgroups), host_(host) {
  if (cgroups_ == nullptr) {
    spdlog::info("process driver: no cgroup manager, CPU/memory limits are not enforced");
  } else if (!cgroups_->available()) {
    spdlog::warn("process driver: CPU/memory limits are not enforced: {}", cgroups_->reason());
  }
}

bool ProcessDriver::EnforcesLimits() const { return cgroups_ != nullptr && cgroups_->available(); }

std::string ProcessDriver::SecurityNotEnforced(const LaunchSpec& spec) const {
  std::string out;
  for (const ContainerLaunch& c : spec.containers) {
    auto plan = PlanProcessSecurity(c, host_, users_);
    if (!plan.ok() || plan->not_enforced.empty()) continue;
    std::string fields;
    for (const auto& f : plan->not_enforced) fields += (fields.empty() ? "" : ", ") + f;
    out += (out.empty() ? "" : "; ") + ("container " + c.name + ": " + fields);
  }
  if (out.empty()) return out;
  return out + " not enforced for a plain process (use the container driver for them)";
}

std::string ProcessDriver::TaskDir(const TaskHandle& handle) const {
  auto it = tasks_.find(handle.task_id);
  if (it != tasks_.end()) return it->second.task_dir;
  return base_dir_ + "/" + handle.task_id;
}

Result<TaskHandle> ProcessDriver::Start(const LaunchSpec& spec) {
  ReapPending();
  if (!ContainedRelative(spec.task_id) || spec.task_id.find('/') != std::string::npos) {
    return Status::Error(ErrorCode::kInvalidArgument, "bad task id '" + spec.task_id + "'");
  }
  if (spec.containers.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "task " + spec.task_id + " has no containers");
  }
  TaskState state;
  state.task_dir = spec.task_dir.empty() ? base_dir_ + "/" + spec.task_id : spec.task_dir;
  state.max_log_bytes = spec.max_log_bytes;
  const std::string& task_dir = state.task_dir;
  if (Status s = MakeDirs(task_dir + "/logs"); !s.ok()) return s;
  std::map<std::string, std::string> volume_dirs;
  if (Status s = PrepareTaskVolumes(spec, task_dir, /*private_secrets=*/true, &volume_dirs);
      !s.ok()) {
    return s.WithContext("task " + spec.task_id);
  }
  // Service names need a private /etc/hosts, which only root can mount; without it processes
  // still reach Services by their cluster IPs ($<SVC>_SERVICE_HOST).
  const bool private_hosts = !spec.hosts_file.empty() && ::geteuid() == 0;
  if (private_hosts) {
    if (Status s = WriteHostsFile(task_dir, spec.hosts_file); !s.ok()) return s;
  }

  std::vector<std::string> pid_files;
  if (EnforcesLimits()) {
    CgroupLimits limits;
    for (const auto& c : spec.containers) {
      limits.cpu_limit_millis += c.resources.cpu_limit_millis;
      limits.memory_limit_bytes += c.resources.memory_limit_bytes;
    }
    auto procs = cgroups_->CreateTaskGroup(spec.task_id, limits);
    if (procs.ok()) {
      pid_files = *procs;
      state.has_cgroup = true;
    } else {
      // Limits are best effort: the task runs, the reason is logged.
      spdlog::warn("task {}: no cgroup, limits not enforced: {}", spec.task_id,
                   procs.status().ToString());
    }
  }

  TaskHandle handle;
  handle.driver = Name();
  handle.task_id = spec.task_id;
  auto fail = [&](Status status) -> Result<TaskHandle> {
    for (const ContainerHandle& c : handle.containers) {
      ::kill(-c.pid, SIGKILL);
      pending_reap_.push_back(c.pid);
    }
    if (state.has_cgroup) pending_cgroups_.push_back(spec.task_id);
    ReapPending();
    return status.WithContext("task " + spec.task_id);
  };

  std::set<std::string> names;
  for (const ContainerLaunch& c : spec.containers) {
    if (!ContainedRelative(c.name) || c.name.find('/') != std::string::npos ||
        !names.insert(c.name).second) {
      return fail(Status::Error(ErrorCode::kInvalidArgument,
                                "bad or duplicate container name '" + c.name + "'"));
    }
    auto security = PlanProcessSecurity(c, host_, users_);
    if (!security.ok()) return fail(security.status());
    SpawnOptions opts;
    opts.security = security->spawn;
    if (opts.security.change_ids) {
      // The directories the process writes (its working directory, emptyDir) become its own, as
      // Kubernetes makes emptyDir writable for any user. Logs and secrets stay the daemon's.
      std::vector<std::string> dirs = {task_dir};
      for (const VolumeLaunch& v : spec.volumes) {
        auto it = volume_dirs.find(v.name);
        if (v.type == model::VolumeType::kEmptyDir && it != volume_dirs.end()) {
          dirs.push_back(it->second);
        }
      }
      for (const std::string& dir : dirs) {
        if (::chown(dir.c_str(), opts.security.uid, opts.security.gid) != 0) {
          return fail(
              Status::Error(ErrorCode::kIoError, "chown " + dir + ": " + std::strerror(errno)));
        }
      }
    }
    opts.argv = c.command;
    opts.argv.insert(opts.argv.end(), c.args.begin(), c.args.end());
    if (opts.argv.empty()) {
      return fail(Status::Error(ErrorCode::kInvalidArgument,
                                "container " + c.name +
                                    ": no command and no args: the process driver runs command "
                                    "+ args and ignores the image; set capstan.io/driver: "
                                    "container (pod template annotation, ECS dockerLabel) or run "
                                    "the daemon with --default-driver container, or give the "
                                    "container a command"));
    }
    opts.env = c.env;
    SetIfMissing(&opts.env, "PATH", kDefaultPath);
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
      const PortBinding& p = c.ports[i];
      if (i == 0) SetIfMissing(&opts.env, "PORT", std::to_string(p.host_port));
      if (!p.name.empty())
        SetIfMissing(&opts.env, "PORT_" + EnvName(p.name), std::to_string(p.host_port));
    }
    SetIfMissing(&opts.env, "CAPSTAN_TASK_ID", spec.task_id);
    SetIfMissing(&opts.env, "CAPSTAN_TASK_DIR", task_dir);
    for (const model::VolumeMount& m : c.mounts) {
      auto it = volume_dirs.find(m.name);
      if (it == volume_dirs.end()) {
        return fail(Status::Error(ErrorCode::kInvalidArgument,
                                  "container " + c.name + ": no volume named '" + m.name + "'"));
      }
      std::string target = it->second;
      if (!m.sub_path.empty()) {
        if (!ContainedRelative(m.sub_path)) {
          return fail(
              Status::Error(ErrorCode::kInvalidArgument, "bad subPath '" + m.sub_path + "'"));
        }
        target += "/" + m.sub_path;
      }
      SetIfMissing(&opts.env, "CAPSTAN_VOLUME_" + EnvName(m.name), target);
      if (!m.mount_path.empty() && m.mount_path[0] != '/') {
        if (!ContainedRelative(m.mount_path)) {
          return fail(
              Status::Error(ErrorCode::kInvalidArgument, "bad mountPath '" + m.mount_path + "'"));
        }
        std::string link = task_dir + "/" + m.mount_path;
        std::error_code ec;
        fs::create_directories(fs::path(link).parent_path(), ec);
        fs::remove(link, ec);
        fs::create_directory_symlink(target, link, ec);
        if (ec) {
          return fail(Status::Error(ErrorCode::kIoError, "symlink " + link + ": " + ec.message()));
        }
      }
    }
    opts.working_dir = c.working_dir.empty() ? task_dir : c.working_dir;
    opts.pid_files = pid_files;
    if (private_hosts) opts.hosts_file = task_dir + "/hosts";
    state.members.push_back(Member{c.name, std::move(opts), c.depends_on, c.sidecar});
  }
  // Those that wait on nothing start now; the others when their dependsOn conditions hold.
  for (Member& m : state.members) {
    if (!m.depends_on.empty()) continue;
    if (Status s = SpawnMember(task_dir, m); !s.ok()) return fail(s);
    handle.containers.push_back(m.handle);
  }
  std::map<std::string, ContainerStatus> none;
  AdvanceDependencies(spec.task_id, state, &none);
  handle.containers.clear();
  for (const Member& m : state.members) {
    if (m.started) handle.containers.push_back(m.handle);
  }
  for (const Member& m : state.members) {
    if (!m.blocked.empty()) {
      return fail(
          Status::Error(ErrorCode::kInvalidArgument, "container " + m.name + " " + m.blocked));
    }
  }
  handle.containers.clear();
  for (const Member& m : state.members) {
    ContainerHandle ch = m.handle;
    ch.name = m.name;  // pid 0 while it waits
    handle.containers.push_back(ch);
  }
  tasks_[spec.task_id] = std::move(state);
  return handle;
}

Status ProcessDriver::SpawnMember(const std::string& task_dir, Member& m) {
  std::string log_path = task_dir + "/logs/" + m.name + ".log";
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd < 0) {
    return Status::Error(ErrorCode::kIoError, "open " + log_path + ": " + std::strerror(errno));
  }
  m.options.stdout_fd = log_fd;
  m.options.stderr_fd = log_fd;
  auto pid = Spawn(m.options);
  ::close(log_fd);
  m.options.stdout_fd = m.options.stderr_fd = -1;
  if (!pid.ok()) return pid.status().WithContext("container " + m.name);
  m.handle.name = m.name;
  m.handle.pid = *pid;
  // The child exists (it may already have exited, then it is a zombie whose stat still reads).
  auto stat = ReadProcStat(*pid);
  m.handle.start_time_ticks = stat.ok() ? stat->start_time_ticks : 0;
  m.started = true;
  return Status::Ok();
}

void ProcessDriver::AdvanceDependencies(const std::string& task_id, TaskState& state,
                                        std::map<std::string, ContainerStatus>* statuses) {
  std::map<std::string, DependencyState> deps;
  for (const Member& m : state.members) {
    DependencyState d;
    d.started = m.started;
    d.healthy = m.healthy;
    auto st = statuses->find(m.name);
    if (st != statuses->end()) {
      const ContainerStatus& s = st->second;
      d.exited = s.state == ContainerState::kExited || s.state == ContainerState::kUnknown;
      d.succeeded = s.state == ContainerState::kExited && s.exit_code == 0 && s.signal == 0 &&
                    s.message.empty();
      d.exit_code = s.exit_code;
    }
    deps[m.name] = d;
  }
  auto lookup = [&](const std::string& name) -> const DependencyState* {
    auto it = deps.find(name);
    return it == deps.end() ? nullptr : &it->second;
  };
  for (Member& m : state.members) {
    if (m.started || !m.blocked.empty()) continue;
    const GateVerdict verdict = EvaluateDependsOn(m.depends_on, lookup);
    if (verdict.gate == Gate::kWait) continue;
    if (verdict.gate == Gate::kNever) {
      m.blocked = verdict.why;
    } else if (Status s = SpawnMember(state.task_dir, m); !s.ok()) {
      m.blocked = "start failed: " + s.message();
    }
    ContainerStatus& mine = (*statuses)[m.name];
    mine.name = m.name;
    if (!m.blocked.empty()) {
      mine.state = ContainerState::kExited;
      mine.exit_code = -1;
      mine.message = m.blocked;
      deps[m.name] = DependencyState{true, true, false, false, -1};
      continue;
    }
    spdlog::debug("task {}: started container {} (dependencies met)", task_id, m.name);
    mine.state = ContainerState::kRunning;
    mine.pid = m.handle.pid;
    mine.start_time_ticks = m.handle.start_time_ticks;
    deps[m.name].started = true;  // a START dependency later in this pass is met at once
  }
}

TaskHandle ProcessDriver::Effective(const TaskHandle& handle) const {
  auto it = tasks_.find(handle.task_id);
  if (it == tasks_.end()) return handle;
  TaskHandle out = handle;
  for (ContainerHandle& c : out.containers) {
    if (c.pid != 0) continue;
    for (const Member& m : it->second.members) {
      if (m.name == c.name && m.started) c = m.handle;
    }
  }
  return out;
}

ContainerStatus ProcessDriver::InspectContainer(const std::string& task_id,
                                                const ContainerHandle& c) {
  ContainerStatus st;
  st.name = c.name;
  ProcessKey key{c.pid, c.start_time_ticks};
  auto record = [&](const Exit& e) {
    st.state = ContainerState::kExited;
    st.exit_code = e.exit_code;
    st.signal = e.signal;
    if (e.signal == SIGKILL && cgroups_ != nullptr && cgroups_->OomKills(task_id) > 0) {
      st.message = "OOMKilled";
    }
  };
  if (auto it = exits_.find(key); it != exits_.end()) {
    record(it->second);
    return st;
  }
  auto stat = ReadProcStat(c.pid);
  if (!stat.ok() || stat->start_time_ticks != c.start_time_ticks) {
    // Gone, or the pid now names another process: ours ended without us seeing its status.
    st.state = ContainerState::kExited;
    st.exit_code = -1;
    st.message = "exited while the daemon was down";
    return st;
  }
  int status = 0;
  pid_t r = ::waitpid(c.pid, &status, WNOHANG);
  if (r == c.pid) {
    Exit e;
    if (WIFEXITED(status)) e.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
      e.signal = WTERMSIG(status);
      e.exit_code = 128 + e.signal;  // the shell's convention, for those who read only the code
    }
    exits_[key] = e;
    record(e);
    return st;
  }
  if (r < 0 && errno == ECHILD && (stat->state == 'Z' || stat->state == 'X')) {
    // Someone else's child now (adopted): a zombie is as good as gone.
    st.state = ContainerState::kExited;
    st.exit_code = -1;
    st.message = "exited while the daemon was down";
    return st;
  }
  st.state = ContainerState::kRunning;
  return st;
}

std::vector<ContainerStatus> ProcessDriver::Inspect(const TaskHandle& given) {
  ReapPending();
  const TaskHandle handle = Effective(given);
  std::string task_dir = TaskDir(handle);
  auto it = tasks_.find(handle.task_id);
  TaskState* state = it != tasks_.end() ? &it->second : nullptr;
  std::size_t max_log = state ? state->max_log_bytes : LaunchSpec().max_log_bytes;
  std::map<std::string, ContainerStatus> by_name;
  for (const ContainerHandle& c : handle.containers) {
    const Member* m = state ? state->Find(c.name) : nullptr;
    ContainerStatus st;
    if (c.pid == 0 && m && !m->started) {
      st.name = c.name;
      st.state = ContainerState::kWaiting;
      if (!m->blocked.empty()) {
        st.state = ContainerState::kExited;
        st.exit_code = -1;
        st.message = m->blocked;
      } else if (state->stopping) {
        st.state = ContainerState::kExited;
        st.message = "never started";
      }
    } else {
      st = InspectContainer(handle.task_id, c);
      RotateLogIfNeeded(task_dir + "/logs/" + c.name + ".log", max_log);
    }
    if (c.pid != given.containers[&c - handle.containers.data()].pid) {
      st.pid = c.pid;  // started after Start(): the orchestrator records the new pid
      st.start_time_ticks = c.start_time_ticks;
    }
    by_name[c.name] = st;
  }
  if (state && !state->stopping) AdvanceDependencies(handle.task_id, *state, &by_name);
  if (state && state->sidecars_to_stop) StopSidecarsWhenAlone(handle, *state, by_name);
  std::vector<ContainerStatus> out;
  out.reserve(handle.containers.size());
  for (const ContainerHandle& c : handle.containers) out.push_back(by_name[c.name]);
  return out;
}

void ProcessDriver::ReportHealth(const TaskHandle& handle, const std::string& container,
                                 bool healthy) {
  auto it = tasks_.find(handle.task_id);
  if (it == tasks_.end()) return;
  for (Member& m : it->second.members) {
    if (m.name == container) m.healthy = healthy;
  }
}

void ProcessDriver::RotateLogIfNeeded(const std::string& path, std::size_t max_bytes) {
  struct stat st;
  if (max_bytes == 0 || ::stat(path.c_str(), &st) != 0 ||
      static_cast<std::size_t>(st.st_size) <= max_bytes) {
    return;
  }
  // copytruncate: the process keeps its O_APPEND descriptor, so after truncate() its next write
  // lands at the new (zero) end of the same file. Only the last max_bytes are kept in `.1`.
  std::string tail = ReadTail(path, max_bytes);
  std::string rotated = path + ".1";
  std::string tmp = rotated + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(tail.data(), static_cast<std::streamsize>(tail.size()));
    if (!out) return;
  }
  if (::rename(tmp.c_str(), rotated.c_str()) != 0) return;
  if (::truncate(path.c_str(), 0) != 0) {
    spdlog::warn("cannot truncate log {}: {}", path, std::strerror(errno));
  }
}

Status ProcessDriver::SignalGroups(const TaskHandle& given, int sig) {
  const TaskHandle handle = Effective(given);
  Status result;
  for (const ContainerHandle& c : handle.containers) {
    bool alive = ProcessMatches(c.pid, c.start_time_ticks);
    // A leader we reaped may have left children in its group; the kernel does not reuse the
    // pid while that group exists, so -pid still names our group.
    bool reaped_here = exits_.count({c.pid, c.start_time_ticks}) > 0;
    if (!alive && !reaped_here) {
      // The zombie of our own child is still "ours" and its group may live on.
      auto stat = ReadProcStat(c.pid);
      if (!stat.ok() || stat->start_time_ticks != c.start_time_ticks) continue;
    }
    if (::kill(-c.pid, sig) != 0 && errno != ESRCH) {
      result = Status::Error(ErrorCode::kPermissionDenied,
                             "signal " + std::to_string(sig) + " to process group " +
                                 std::to_string(c.pid) + ": " + std::strerror(errno));
    }
  }
  return result;
}

Status ProcessDriver::Stop(const TaskHandle& handle) {
  auto it = tasks_.find(handle.task_id);
  if (it == tasks_.end()) return SignalGroups(handle, SIGTERM);
  TaskState& state = it->second;
  // A task asked to stop starts nothing more: containers still waiting never start.
  state.stopping = true;
  const bool has_sidecars = std::any_of(state.members.begin(), state.members.end(),
                                        [](const Member& m) { return m.sidecar; });
  if (!has_sidecars) return SignalGroups(handle, SIGTERM);
  // Kubernetes 1.29+: sidecars are stopped after the main containers, so a proxy or log shipper
  // outlives what it serves
  // (https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/).
  state.sidecars_to_stop = true;
  return SignalGroups(Only(handle, state, /*sidecars=*/false), SIGTERM);
}

TaskHandle ProcessDriver::Only(const TaskHandle& handle, const TaskState& state,
                               bool sidecars) const {
  TaskHandle out = handle;
  std::erase_if(out.containers, [&](const ContainerHandle& c) {
    const Member* m = state.Find(c.name);
    return (m != nullptr && m->sidecar) != sidecars;
  });
  return out;
}

void ProcessDriver::StopSidecarsWhenAlone(const TaskHandle& handle, TaskState& state,
                                          const std::map<std::string, ContainerStatus>& statuses) {
  for (const auto& [name, st] : statuses) {
    const Member* m = state.Find(name);
    if ((m == nullptr || !m->sidecar) && st.state == ContainerState::kRunning) return;
  }
  state.sidecars_to_stop = false;
  (void)SignalGroups(Only(handle, state, /*sidecars=*/true), SIGTERM);
}

Status ProcessDriver::Kill(const TaskHandle& handle) {
  if (auto it = tasks_.find(handle.task_id); it != tasks_.end()) {
    it->second.stopping = true;
    it->second.sidecars_to_stop = false;
  }
  return SignalGroups(handle, SIGKILL);
}

bool ProcessDriver::Adopt(const TaskHandle& handle) {
  if (handle.driver != Name() || handle.containers.empty()) return false;
  bool any_alive = false;
  for (const ContainerHandle& c : handle.containers) {
    if (ProcessMatches(c.pid, c.start_time_ticks)) any_alive = true;
  }
  if (!any_alive) return false;
  if (!tasks_.count(handle.task_id)) {
    TaskState state;
    state.task_dir = base_dir_ + "/" + handle.task_id;
    state.has_cgroup = EnforcesLimits();
    tasks_[handle.task_id] = state;
  }
  return true;
}

Status ProcessDriver::Cleanup(const TaskHandle& given) {
  const TaskHandle handle = Effective(given);
  Status killed = SignalGroups(handle, SIGKILL);
  for (const ContainerHandle& c : handle.containers) {
    ProcessKey key{c.pid, c.start_time_ticks};
    if (exits_.erase(key) == 0) {
      auto stat = ReadProcStat(c.pid);
      if (stat.ok() && stat->start_time_ticks == c.start_time_ticks) pending_reap_.push_back(c.pid);
    }
  }
  std::string task_dir = TaskDir(handle);
  // Volumes may hold secrets: they go with the task. Logs stay.
  std::error_code ec;
  fs::remove_all(task_dir + "/volumes", ec);
  if (EnforcesLimits()) pending_cgroups_.push_back(handle.task_id);
  tasks_.erase(handle.task_id);
  ReapPending();
  return killed;
}

void ProcessDriver::ReapPending() {
  std::vector<int> still;
  for (int pid : pending_reap_) {
    int status;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == 0) still.push_back(pid);  // not exited yet (r < 0: not our child or already reaped)
  }
  pending_reap_.swap(still);
  if (cgroups_ == nullptr) return;
  std::vector<std::string> groups;
  for (const std::string& id : pending_cgroups_) {
    if (!cgroups_->RemoveTaskGroup(id).ok()) groups.push_back(id);
  }
  pending_cgroups_.swap(groups);
}

Result<std::string> ProcessDriver::Logs(const TaskHandle& handle, const std::string& container,
                                        std::size_t max_bytes) {
  if (!ContainedRelative(container) || container.find('/') != std::string::npos) {
    return Status::Error(ErrorCode::kInvalidArgument, "bad container name '" + container + "'");
  }
  std::string path = TaskDir(handle) + "/logs/" + container + ".log";
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return Status::Error(ErrorCode::kNotFound, "no log for container " + container);
  }
  std::string tail = ReadTail(path, max_bytes);
  if (tail.size() < max_bytes) tail = ReadTail(path + ".1", max_bytes - tail.size()) + tail;
  return tail;
}

}  // namespace capstan::orchestrator
