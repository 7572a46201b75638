#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "model/probe.h"
#include "model/task_template.h"
#include "orchestrator/driver.h"
#include "orchestrator/health_checker.h"

namespace capstan::orchestrator {

// Kubernetes container lifecycle hooks
// (https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/): postStart runs
// right after its container started, and the container is neither probed nor Ready until it
// succeeded; preStop runs before the container gets SIGTERM and counts against the grace period.
// A failing hook is an event, FailedPostStartHook or FailedPreStopHook (kubelet's reasons,
// pkg/kubelet/events/event.go); a failed postStart kills the container.
enum class HookKind { kPostStart, kPreStop };

const char* HookName(HookKind kind);           // "PostStart" / "PreStop"
const char* HookFailureReason(HookKind kind);  // "FailedPostStartHook" / "FailedPreStopHook"

// The spec of the container named `name` among the template's main and init containers, or null.
const model::ContainerSpec* FindContainerSpec(const model::TaskTemplate& task,
                                              const std::string& name);

// The one-shot check that runs an exec or httpGet hook (sleep hooks are timed by the caller on
// its Clock, they need no check). exec: the command with the container's environment and working
// directory (process tasks), or inside the engine container (`container_id` from `handle`).
// httpGet: the task's address (hook.host, else 127.0.0.1) and the host port bound to `hook.port`
// (a container port's name or number). REQUIRES: hook.action != kSleep. Pure.
HealthCheckRequest HookRequest(const model::LifecycleHandler& hook, const std::string& container,
                               const LaunchSpec& launch, const TaskHandle* handle,
                               std::chrono::milliseconds timeout);

}  // namespace capstan::orchestrator
