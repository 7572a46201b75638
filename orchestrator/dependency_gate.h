#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/container.h"

namespace capstan::orchestrator {

// What a driver knows of one container that others may depend on.
struct DependencyState {
  bool started = false;    // it has been started (it may have exited since)
  bool exited = false;     // it ended, or is gone
  bool succeeded = false;  // it exited with code 0, by itself (not gone, not signalled)
  bool healthy = false;    // the orchestrator's last readiness verdict (Driver::ReportHealth)
  int exit_code = 0;       // when exited, for the message
};

enum class Gate { kWait, kStart, kNever };

struct GateVerdict {
  Gate gate = Gate::kWait;
  std::string why;  // kNever: which dependency can no longer hold, for the task's message
};

// Whether a container that has not started yet may start now, given its ECS `dependsOn`
// conditions (task definition `containerDefinitions[].dependsOn`):
//   START    the dependency has started;
//   COMPLETE the dependency has exited (any code);
//   SUCCESS  the dependency has exited with code 0;
//   HEALTHY  the dependency is healthy (and still running).
// A condition that can no longer hold (SUCCESS after a non-zero exit, HEALTHY after the
// dependency ended, a dependency that does not exist) is kNever: the task cannot run as written
// and fails (ECS stops the task; Kubernetes fails an init container and restarts the pod).
// `lookup` returns null for an unknown container. No dependencies: kStart. Pure; shared by the
// process and the container driver so both wait the same way.
GateVerdict EvaluateDependsOn(
    const std::vector<model::ContainerDependency>& depends_on,
    const std::function<const DependencyState*(const std::string&)>& lookup);

}  // namespace capstan::orchestrator
