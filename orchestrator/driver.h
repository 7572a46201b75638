#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/container.h"
#include "model/status.h"
#include "model/task_template.h"

namespace capstan::orchestrator {

// A file the orchestrator materialises for a task (configMap/secret volume content).
struct VolumeFile {
  std::string relative_path;  // inside the volume, e.g. "app.conf"
  std::string content;
  int mode = 0644;
};

// A volume as the driver sees it: already resolved to something on the host.
struct VolumeLaunch {
  std::string name;
  model::VolumeType type = model::VolumeType::kEmptyDir;
  std::string host_path;          // kHostPath: the host path; others: empty (driver decides)
  std::vector<VolumeFile> files;  // kConfigMap / kSecret: the files to write, read-only
};

struct PortBinding {
  std::string name;  // the container port's name, may be empty
  int container_port = 0;
  int host_port = 0;  // assigned by the orchestrator
  std::string protocol = "TCP";
};

// One container of a task, fully resolved: no references left to ConfigMaps, Secrets or $(VAR).
struct ContainerLaunch {
  std::string name;
  std::string image;                 // container driver only
  std::vector<std::string> command;  // resolved command (entrypoint override), may be empty
  std::vector<std::string> args;     // resolved args
  std::vector<std::pair<std::string, std::string>> env;  // in order, expanded
  std::string working_dir;  // empty: the process driver uses the task directory
  std::string user;
  model::Resources resources;
  std::vector<model::VolumeMount> mounts;
  std::vector<PortBinding> ports;
  bool essential = true;
  model::ImagePullPolicy image_pull_policy = model::ImagePullPolicy::kDefault;
  // ECS dependsOn: start only once these hold (dependency_gate.h); both drivers wait.
  std::vector<model::ContainerDependency> depends_on;
  // securityContext and rlimits, as the manifest gives them; each driver says what it enforces.
  model::SecurityContext security;
  std::vector<model::Ulimit> ulimits;
  // A Kubernetes native sidecar (an init container with restartPolicy Always): Stop() signals it
  // only once the other containers have exited, as kubelet does since 1.29.
  bool sidecar = false;
};

// Everything a driver needs to start one task. Built by the orchestrator from the TaskTemplate.
struct LaunchSpec {
  std::string task_id;  // unique and stable: "<app>-<workload>-<revision[0:8]>-<n>"
  std::string app;
  std::string workload;
  std::string revision;
  std::string task_dir;  // per-task directory the driver may use (logs, emptyDir, files)
  std::vector<ContainerLaunch> containers;
  std::vector<VolumeLaunch> volumes;
  std::map<std::string, std::string> labels;
  std::size_t max_log_bytes = 10 << 20;  // per stream, per container
  // The task's /etc/hosts (its Services' names, see service_names.h); empty = the node's own
  // resolution (dnsPolicy Default). The driver writes it to <task_dir>/hosts and the orchestrator
  // rewrites that file in place when Services come and go, so it must stay the same inode.
  std::string hosts_file;
};

// Enough to find a container again after the daemon restarts: a pid with its start time
// (/proc/<pid>/stat field 22, so a recycled pid is not mistaken for ours) or an engine id.
struct ContainerHandle {
  std::string name;
  int pid = 0;
  std::uint64_t start_time_ticks = 0;
  std::string container_id;
  friend bool operator==(const ContainerHandle&, const ContainerHandle&) = default;
};

struct TaskHandle {
  std::string driver;  // "process", "container", "simulated"
  std::string task_id;
  std::vector<ContainerHandle> containers;
  friend bool operator==(const TaskHandle&, const TaskHandle&) = default;
};

// kWaiting: created, not started yet (its dependsOn conditions do not hold yet).
enum class ContainerState { kRunning, kWaiting, kExited, kUnknown };

struct ContainerStatus {
  std::string name;
  ContainerState state = ContainerState::kUnknown;
  int exit_code = 0;    // valid when kExited and signal == 0
  int signal = 0;       // the terminating signal, 0 if it exited normally
  std::string message;  // why, when the driver knows ("OOMKilled", "image not found", ...)
  // Process driver: a container that waited (dependsOn) and was started since Start() returned
  // gets a pid only now; the orchestrator copies it into its TaskHandle (re-adoption needs it).
  int pid = 0;
  std::uint64_t start_time_ticks = 0;
};

// Runs tasks on one node. Drivers never block for long: Start() returns once the processes or
// containers are started, Inspect() only looks, Stop() only signals. Grace periods and retries are
// the orchestrator's, timed with its Clock, so tests can drive them.
// Thread-compatible: called from the orchestrator's loop thread only.
class Driver {
 public:
  virtual ~Driver() = default;

  virtual std::string Name() const = 0;
  // Starts every container of the task. On failure nothing of the task is left running.
  virtual model::Result<TaskHandle> Start(const LaunchSpec& spec) = 0;
  // The current state of each container. Non-blocking; reaps exited children.
  virtual std::vector<ContainerStatus> Inspect(const TaskHandle& handle) = 0;
  // Asks the task to stop (SIGTERM to each process group / the engine's stop without waiting).
  virtual model::Status Stop(const TaskHandle& handle) = 0;
  // Ends the task at once (SIGKILL to each process group).
  virtual model::Status Kill(const TaskHandle& handle) = 0;
  // After a daemon restart: whether the task described by `handle` is still ours and alive.
  virtual bool Adopt(const TaskHandle& handle) = 0;
  // Releases what a finished task holds (removes containers; keeps logs). Idempotent.
  virtual model::Status Cleanup(const TaskHandle& handle) = 0;
  // The last `max_bytes` of a container's stdout+stderr.
  virtual model::Result<std::string> Logs(const TaskHandle& handle, const std::string& container,
                                          std::size_t max_bytes) = 0;
  // Whether CPU/memory limits are enforced (cgroups available), for status and warnings.
  virtual bool EnforcesLimits() const = 0;
  // Whether the driver can act now. kUnavailable (a container engine that does not answer) makes
  // the orchestrator wait: tasks are neither started nor judged until it is back.
  virtual model::Status Available() { return model::Status::Ok(); }
  // The securityContext fields of `spec` this driver cannot honour, as a sentence naming them per
  // container ("" if none). The orchestrator reports it once per task as a Warning event
  // SecurityContextNotEnforced; the task still runs.
  virtual std::string SecurityNotEnforced(const LaunchSpec& /*spec*/) const { return ""; }
  // The orchestrator's readiness verdict on one container, for dependsOn HEALTHY.
  virtual void ReportHealth(const TaskHandle& /*handle*/, const std::string& /*container*/,
                            bool /*healthy*/) {}
  // The network namespace the task's containers share, as a path ("/proc/<pid>/ns/net"), when it
  // is not the node's own: the orchestrator then serves the Services' cluster IPs inside it.
  // Empty = the node's namespace (processes), or not known yet.
  virtual std::string NetworkNamespace(const TaskHandle& /*handle*/) { return ""; }
};

}  // namespace capstan::orchestrator
