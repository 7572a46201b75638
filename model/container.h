#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/probe.h"

namespace capstan::model {

// Where an environment variable's value comes from. kFieldRef and kResourceFieldRef are
// Kubernetes' downward API (valueFrom.fieldRef / resourceFieldRef), resolved when a task starts.
enum class EnvSource { kLiteral, kConfigMapKey, kSecretKey, kFieldRef, kResourceFieldRef };

struct EnvVar {
  std::string name;
  EnvSource source = EnvSource::kLiteral;
  std::string value;  // kLiteral: the value, `$(VAR)` references not yet expanded
  // kConfigMapKey / kSecretKey: the ConfigMap or Secret, and the key in it.
  // kFieldRef: ref_key is the field path ("metadata.name", "status.podIP",
  //   "metadata.labels['tier']"); ref_name is unused.
  // kResourceFieldRef: ref_name is the container (empty = this one), ref_key the resource
  //   ("limits.cpu", "requests.memory", ...), `divisor` its divisor ("1", "1m", "1Mi"; empty = 1).
  std::string ref_name;
  std::string ref_key;
  bool optional = false;
  std::string divisor;
  friend bool operator==(const EnvVar&, const EnvVar&) = default;
};

// envFrom: every key of a ConfigMap or Secret becomes a variable (with an optional prefix).
struct EnvFrom {
  EnvSource source = EnvSource::kConfigMapKey;  // kConfigMapKey or kSecretKey
  std::string name;
  std::string prefix;
  bool optional = false;
  friend bool operator==(const EnvFrom&, const EnvFrom&) = default;
};

// A port the container listens on. For the process driver, the orchestrator assigns a host port
// per task and passes it as PORT (first port) and PORT_<NAME> (named ports, upper-cased, '-'->'_').
struct PortSpec {
  std::string name;
  int container_port = 0;
  int host_port = 0;  // 0 = assigned by the orchestrator
  std::string protocol = "TCP";
  friend bool operator==(const PortSpec&, const PortSpec&) = default;
};

// Requests drive scheduling; limits are enforced by the driver (cgroups) where it can.
// 0 means "not set".
struct Resources {
  std::int64_t cpu_request_millis = 0;
  std::int64_t cpu_limit_millis = 0;
  std::int64_t memory_request_bytes = 0;
  std::int64_t memory_limit_bytes = 0;
  friend bool operator==(const Resources&, const Resources&) = default;
};

struct VolumeMount {
  std::string name;
  std::string mount_path;
  std::string sub_path;
  bool read_only = false;
  friend bool operator==(const VolumeMount&, const VolumeMount&) = default;
};

// ECS dependsOn conditions.
enum class DependencyCondition { kStart, kComplete, kSuccess, kHealthy };

struct ContainerDependency {
  std::string container;
  DependencyCondition condition = DependencyCondition::kStart;
  friend bool operator==(const ContainerDependency&, const ContainerDependency&) = default;
};

enum class ImagePullPolicy { kDefault, kAlways, kIfNotPresent, kNever };

// Kubernetes container securityContext (with the pod's securityContext merged in by the renderer;
// the container's own fields win), ECS `user`, `privileged`, `readonlyRootFilesystem` and
// `linuxParameters.capabilities`. Unset optionals leave the driver's (engine's) default.
struct SecurityContext {
  std::optional<std::int64_t> run_as_user;
  std::optional<std::int64_t> run_as_group;
  std::optional<bool> run_as_non_root;
  std::optional<bool> read_only_root_filesystem;
  std::optional<bool> allow_privilege_escalation;
  std::optional<bool> privileged;
  std::vector<std::string> capabilities_add;   // upper case, without "CAP_": "NET_ADMIN"
  std::vector<std::string> capabilities_drop;  // "ALL" drops every capability
  bool empty() const { return *this == SecurityContext{}; }
  friend bool operator==(const SecurityContext&, const SecurityContext&) = default;
};

// An rlimit (ECS `ulimits`): name as ECS and Docker spell it ("nofile", "nproc", "core", ...).
struct Ulimit {
  std::string name;
  std::int64_t soft = 0;
  std::int64_t hard = 0;
  friend bool operator==(const Ulimit&, const Ulimit&) = default;
};

struct ContainerSpec {
  std::string name;
  std::string image;
  // Kubernetes: command replaces the image ENTRYPOINT, args its CMD. ECS entryPoint -> command,
  // ECS command -> args.
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::string working_dir;
  std::string user;
  std::vector<EnvVar> env;
  std::vector<EnvFrom> env_from;
  std::vector<PortSpec> ports;
  Resources resources;
  std::optional<ProbeSpec> liveness;
  std::optional<ProbeSpec> readiness;
  std::optional<ProbeSpec> startup;
  std::vector<VolumeMount> volume_mounts;
  ImagePullPolicy image_pull_policy = ImagePullPolicy::kDefault;
  bool essential = true;  // ECS: a non-essential container may exit without stopping the task
  std::vector<ContainerDependency> depends_on;
  int stop_timeout_seconds = 0;  // ECS per-container stopTimeout; 0 = use the task's grace period
  std::optional<LifecycleHandler> post_start;
  std::optional<LifecycleHandler> pre_stop;
  SecurityContext security;
  std::vector<Ulimit> ulimits;
  // An init container with `restartPolicy: Always` (Kubernetes native sidecar, 1.29+): it starts
  // in init order, is not waited on to finish, runs beside the main containers and is stopped
  // after them. Only meaningful in TaskTemplate::init_containers.
  bool restart_always = false;
  friend bool operator==(const ContainerSpec&, const ContainerSpec&) = default;
};

}  // namespace capstan::model
