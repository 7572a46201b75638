#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "orchestrator/cgroups.h"
#include "orchestrator/driver.h"
#include "orchestrator/process_security.h"
#include "orchestrator/spawn.h"

namespace capstan::orchestrator {

// Runs each container of a task as a plain process on this machine (the image is ignored).
//
// Process: argv = command + args (argv[0] = command[0], or args[0] if command is empty),
// resolved through the task's PATH like execvp; own session and process group (setsid), so
// Stop()/Kill() signal the whole group, children included; stdin /dev/null.
//
// Environment: exactly the container's `env`, nothing inherited from the daemon, plus, only when
// the spec does not set them: PATH (kDefaultPath), PORT / PORT_<NAME> from the port bindings,
// CAPSTAN_TASK_ID, CAPSTAN_TASK_DIR, and CAPSTAN_VOLUME_<NAME> for each mounted volume.
//
// Task directory: spec.task_dir, or `<base_dir>/<task_id>` when empty. Working directory: the
// container's working_dir, or the task directory.
//
// Logs: stdout and stderr go, interleaved, to `<task_dir>/logs/<container>.log` (O_APPEND).
// Size cap: when Inspect() finds the file larger than max_log_bytes it copies it to `.log.1`
// (replacing the previous one) and truncates it, like logrotate's copytruncate. So at most about
// 2 x max_log_bytes stay on disk plus what is written between two Inspect() calls; a few bytes
// written during the copy can be lost. Logs() reads the tail across both files.
//
// Volumes: `<task_dir>/volumes/<name>/` for emptyDir, configMap (files mode as given) and secret
// (directory 0700, files 0400); hostPath is used as given. Processes share the host's mount
// namespace, so a mount cannot appear at an absolute mount_path: the process finds the volume in
// CAPSTAN_VOLUME_<NAME> (upper-cased, non-alphanumerics -> '_'; with sub_path appended). A
// relative mount_path additionally becomes a symlink `<task_dir>/<mount_path>` -> the volume.
//
// securityContext and ulimits: as PlanProcessSecurity (process_security.h) says, applied in the
// child before exec (setrlimit, capability drop, setgroups/setgid/setuid, no_new_privs). A
// process that changes user gets its task directory and emptyDir volumes chowned to it.
// readOnlyRootFilesystem and privileged cannot be honoured: SecurityNotEnforced() names them.
//
// Limits: if a CgroupManager is given and available(), each task gets a cgroup with the sum of
// its containers' limits and its processes join it before exec. Otherwise tasks run without
// limits and EnforcesLimits() is false.
//
// dependsOn (ECS; init containers and sidecars are built on it, task_environment.h): a container
// with conditions is not spawned by Start(); its handle has pid 0 and Inspect() reports it
// kWaiting until the conditions hold (dependency_gate.h), then spawns it and reports its pid in
// ContainerStatus. A condition that can no longer hold reports it kExited (-1) with the reason.
// After Stop()/Kill() nothing more starts. Sidecars (ContainerLaunch::sidecar) get SIGTERM from
// the Inspect() that sees every other container exited, not from Stop(). A task re-adopted after a
// daemon restart has no waiting list: a container that had not started by then reads as exited.
//
// Exits: our own children are reaped with waitpid(pid, WNOHANG) on their pid only (never -1, so
// other components may own other children); adopted processes of a previous daemon are checked
// through /proc/<pid>/stat (start time) and their exit code is unknown (-1).
// Thread-compatible: the orchestrator loop thread only.
class ProcessDriver final : public Driver {
 public:
  // `cgroups` is optional and must outlive the driver.
  explicit ProcessDriver(std::string base_dir, const CgroupManager* cgroups = nullptr);
  // Tests: plan as if the daemon had `host`'s privileges (the real ones are used to act).
  ProcessDriver(std::string base_dir, const CgroupManager* cgroups, HostPrivileges host);
  ~ProcessDriver() override = default;
  ProcessDriver(const ProcessDriver&) = delete;
  ProcessDriver& operator=(const ProcessDriver&) = delete;

  std::string Name() const override { return "process"; }
  model::Result<TaskHandle> Start(const LaunchSpec& spec) override;
  std::vector<ContainerStatus> Inspect(const TaskHandle& handle) override;
  model::Status Stop(const TaskHandle& handle) override;
  model::Status Kill(const TaskHandle& handle) override;
  bool Adopt(const TaskHandle& handle) override;
  model::Status Cleanup(const TaskHandle& handle) override;
  model::Result<std::string> Logs(const TaskHandle& handle, const std::string& container,
                                  std::size_t max_bytes) override;
  bool EnforcesLimits() const override;
  std::string SecurityNotEnforced(const LaunchSpec& spec) const override;
  void ReportHealth(const TaskHandle& handle, const std::string& container, bool healthy) override;

  // The directory of a task (for logs and volumes).
  std::string TaskDir(const TaskHandle& handle) const;

 private:
  struct Exit {
    int exit_code = 0;
    int signal = 0;
  };
  // One container of a task: how to spawn it, and whether it has been (dependsOn).
  struct Member {
    std::string name;
    SpawnOptions options;  // the log descriptors are opened at spawn time
    std::vector<model::ContainerDependency> depends_on;
    bool sidecar = false;
    bool started = false;
    bool healthy = false;
    std::string blocked;     // why it can never start
    ContainerHandle handle;  // once started
  };
  struct TaskState {
    std::string task_dir;
    std::size_t max_log_bytes = 10 << 20;
    bool has_cgroup = false;
    bool stopping = false;          // Stop()/Kill() called: waiting members never start
    bool sidecars_to_stop = false;  // Stop() held SIGTERM back from the sidecars
    std::vector<Member> members;    // empty for a task adopted after a daemon restart
    const Member* Find(const std::string& name) const {
      for (const auto& m : members) {
        if (m.name == name) return &m;
      }
      return nullptr;
    }
  };
  // A process is identified by its pid and start time: a recycled pid is another process.
  using ProcessKey = std::pair<int, std::uint64_t>;

  ContainerStatus InspectContainer(const std::string& task_id, const ContainerHandle& c);
  model::Status SpawnMember(const std::string& task_dir, Member& m);
  // Starts waiting members whose dependsOn conditions now hold (dependency_gate.h); marks those
  // that never can, in `statuses` too.
  void AdvanceDependencies(const std::string& task_id, TaskState& state,
                           std::map<std::string, ContainerStatus>* statuses);
  // `handle` with the pids of members started after Start() filled in.
  TaskHandle Effective(const TaskHandle& handle) const;
  // The containers of `handle` that are (or are not) sidecars.
  TaskHandle Only(const TaskHandle& handle, const TaskState& state, bool sidecars) const;
  // SIGTERM to the sidecars once every other container has exited.
  void StopSidecarsWhenAlone(const TaskHandle& handle, TaskState& state,
                             const std::map<std::string, ContainerStatus>& statuses);
  // Signals the process group of every container still ours.
  model::Status SignalGroups(const TaskHandle& handle, int sig);
  void RotateLogIfNeeded(const std::string& path, std::size_t max_bytes);
  // Reaps killed processes of failed starts and removes emptied cgroups, without blocking.
  void ReapPending();

  std::string base_dir_;
  const CgroupManager* cgroups_;
  HostPrivileges host_;
  UserDirectory users_ = UserDirectory::System();
  std::map<std::string, TaskState> tasks_;    // by task id
  std::map<ProcessKey, Exit> exits_;          // reaped children, until Cleanup()
  std::vector<int> pending_reap_;             // SIGKILLed children of failed starts
  std::vector<std::string> pending_cgroups_;  // task cgroups to remove once empty
};

}  // namespace capstan::orchestrator
