#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/container.h"

namespace capstan::model {

// Which driver runs a task: `capstan.io/driver` (annotation or ECS dockerLabel); without one, the
// renderers use RenderOptions::default_driver (containers). The model default below is only what a
// hand-built template (tests) gets.
enum class DriverKind { kProcess, kContainer };

enum class RestartPolicy { kAlways, kOnFailure, kNever };

// Kubernetes dnsPolicy. kClusterFirst: Service names resolve (Capstan writes them into the task's
// hosts file); kDefault: the node's own resolution only, no Service names.
enum class DnsPolicy { kClusterFirst, kDefault };

enum class VolumeType { kEmptyDir, kConfigMap, kSecret, kHostPath };

struct KeyToPath {
  std::string key;
  std::string path;
  friend bool operator==(const KeyToPath&, const KeyToPath&) = default;
};

struct VolumeSpec {
  std::string name;
  VolumeType type = VolumeType::kEmptyDir;
  std::string source;            // ConfigMap / Secret name, or the host path
  std::vector<KeyToPath> items;  // optional projection of keys to file names
  friend bool operator==(const VolumeSpec&, const VolumeSpec&) = default;
};

// ECS placementConstraints.
enum class PlacementConstraintType { kDistinctInstance, kMemberOf };
struct PlacementConstraint {
  PlacementConstraintType type = PlacementConstraintType::kDistinctInstance;
  // kMemberOf: a simple expression over node attributes/labels, "attribute:zone == a" or
  // "attribute:zone in [a, b]"; the scheduler parses it.
  std::string expression;
  friend bool operator==(const PlacementConstraint&, const PlacementConstraint&) = default;
};

// ECS placementStrategy. Kubernetes workloads get kSpread over nodes by default (empty list).
enum class PlacementStrategyType { kBinpack, kSpread, kRandom };
struct PlacementStrategy {
  PlacementStrategyType type = PlacementStrategyType::kSpread;
  std::string field;  // binpack: "cpu" | "memory"; spread: "instanceId" or "attribute:<name>"
  friend bool operator==(const PlacementStrategy&, const PlacementStrategy&) = default;
};

// What one task (a pod, an ECS task) is made of. Its content hash, with the content of the
// ConfigMaps and Secrets it uses, is the workload's revision.
struct TaskTemplate {
  DriverKind driver = DriverKind::kProcess;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  // Kubernetes initContainers, in order: each runs to completion (exit 0) before the next starts
  // and before `containers`; sidecars (restart_always) keep running instead.
  std::vector<ContainerSpec> init_containers;
  std::vector<ContainerSpec> containers;
  std::vector<VolumeSpec> volumes;
  DnsPolicy dns_policy = DnsPolicy::kClusterFirst;
  int termination_grace_period_seconds = 30;
  RestartPolicy restart_policy = RestartPolicy::kAlways;
  std::map<std::string, std::string> node_selector;
  std::vector<PlacementConstraint> placement_constraints;
  std::vector<PlacementStrategy> placement_strategy;
  // Task-level totals (ECS task cpu/memory). 0 = the sum of the containers' requests.
  std::int64_t cpu_millis = 0;
  std::int64_t memory_bytes = 0;
  friend bool operator==(const TaskTemplate&, const TaskTemplate&) = default;

  // The names of the ConfigMaps and Secrets the template reads (env, envFrom, volumes).
  std::vector<std::string> ConfigMapRefs() const;
  std::vector<std::string> SecretRefs() const;
  // Scheduling demand: the task-level figure, else the sum of the containers' requests.
  std::int64_t CpuRequestMillis() const;
  std::int64_t MemoryRequestBytes() const;
};

}  // namespace capstan::model
