#pragma once

#include <map>
#include <optional>
#include <string>

#include "model/int_or_percent.h"
#include "model/task_template.h"

namespace capstan::model {

enum class RolloutStrategy { kRollingUpdate, kRecreate };

// ECS deploymentConfiguration, kept as written because ECS rounds differently from Kubernetes:
// at least ceil(desired * minimumHealthyPercent / 100) healthy tasks, at most
// floor(desired * maximumPercent / 100) tasks in all.
struct EcsDeployment {
  int minimum_healthy_percent = 100;
  int maximum_percent = 200;
  bool circuit_breaker_enable = false;
  bool circuit_breaker_rollback = false;
  friend bool operator==(const EcsDeployment&, const EcsDeployment&) = default;
};

// A long-running, replicated workload: a Kubernetes Deployment or an ECS service (with its task
// definition folded into `task`).
struct WorkloadSpec {
  int replicas = 1;
  std::map<std::string, std::string> selector;  // matchLabels
  TaskTemplate task;
  RolloutStrategy strategy = RolloutStrategy::kRollingUpdate;
  IntOrPercent max_surge = IntOrPercent::Percent(25);
  IntOrPercent max_unavailable = IntOrPercent::Percent(25);
  int min_ready_seconds = 0;
  int progress_deadline_seconds = 600;
  int revision_history_limit = 10;
  bool paused = false;
  // Set for ECS services; when present it replaces max_surge/max_unavailable.
  std::optional<EcsDeployment> ecs;
  int health_check_grace_period_seconds = 0;  // ECS
  // The content hash of `task` plus the ConfigMaps/Secrets it uses; filled by AssignRevisions().
  std::string revision;
  friend bool operator==(const WorkloadSpec&, const WorkloadSpec&) = default;
};

}  // namespace capstan::model
