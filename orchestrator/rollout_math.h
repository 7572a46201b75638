#pragma once

#include "model/int_or_percent.h"

namespace capstan::orchestrator {

// How far a rolling update may stray from `desired`: at most desired + max_surge tasks in all, at
// least desired - max_unavailable available.
struct RolloutBounds {
  int max_surge = 0;
  int max_unavailable = 0;
  friend bool operator==(const RolloutBounds&, const RolloutBounds&) = default;
};

// Kubernetes: maxSurge rounds up, maxUnavailable down; if both resolve to 0, maxUnavailable
// becomes 1 so the rollout can move (deployment/util ResolveFenceposts).
RolloutBounds KubernetesBounds(int desired, const model::IntOrPercent& max_surge,
                               const model::IntOrPercent& max_unavailable);
// ECS: at least ceil(desired * min_healthy / 100) healthy, at most floor(desired * max / 100)
// tasks. Expressed as the same bounds; if neither allows a move, one task may be unavailable.
RolloutBounds EcsBounds(int desired, int minimum_healthy_percent, int maximum_percent);

// What a controller sees of one workload. "new" tasks run the target revision, "old" any
// other. Tasks being stopped are not counted.
struct RolloutCounts {
  int desired = 0;
  int old_total = 0;
  int old_available = 0;
  int new_total = 0;
  int new_available = 0;
};

// What to do now. Old tasks that are not available are stopped before available ones (they
// serve nobody); `stop_new` trims new tasks above `desired` (scale down).
struct RolloutStep {
  int start_new = 0;
  int stop_old_unavailable = 0;
  int stop_old_available = 0;
  int stop_new = 0;
  friend bool operator==(const RolloutStep&, const RolloutStep&) = default;
};

// One step of a rolling update, as the Kubernetes deployment controller computes it
// (rolling.go: reconcileNewReplicaSet, cleanupUnhealthyReplicas, scaleDownOldReplicaSets):
// never more than desired + max_surge tasks, never fewer than desired - max_unavailable
// available. Pure.
RolloutStep ComputeRolloutStep(const RolloutCounts& counts, const RolloutBounds& bounds);

// Recreate: stop every old task; start new ones only once no old task exists any more
// (`old_present` includes tasks still stopping).
struct RecreateStep {
  bool stop_all_old = false;
  int start_new = 0;
  int stop_new = 0;
  friend bool operator==(const RecreateStep&, const RecreateStep&) = default;
};
RecreateStep ComputeRecreateStep(int desired, int old_present, int new_total);

// ECS deployment circuit breaker: the failed-task count that fails a deployment, half the desired
// count rounded up, at least 3 and at most 200.
int CircuitBreakerThreshold(int desired);

}  // namespace capstan::orchestrator
