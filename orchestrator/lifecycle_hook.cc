#include "orchestrator/lifecycle_hook.h"

#include <cstdlib>

namespace capstan::orchestrator {

const char* HookName(HookKind kind) {
  return kind == HookKind::kPostStart ? "PostStart" : "PreStop";
}

const char* HookFailureReason(HookKind kind) {
  return kind == HookKind::kPostStart ? "FailedPostStartHook" : "FailedPreStopHook";
}

const model::ContainerSpec* FindContainerSpec(const model::TaskTemplate& task,
                                              const std::string& name) {
  for (const auto* list : {&task.containers, &task.init_containers}) {
    for (const auto& c : *list) {
      if (c.name == name) return &c;
    }
  }
  return nullptr;
}

HealthCheckRequest HookRequest(const model::LifecycleHandler& hook, const std::string& container,
                               const LaunchSpec& launch, const TaskHandle* handle,
                               std::chrono::milliseconds timeout) {
  HealthCheckRequest req;
  req.timeout = timeout;
  if (hook.action == model::HookAction::kHttpGet) {
    req.action = model::ProbeAction::kHttpGet;
    req.host = hook.host.empty() ? "127.0.0.1" : hook.host;
    req.path = hook.path;
    req.scheme = hook.scheme;
    req.http_headers = hook.http_headers;
    for (const auto& c : launch.containers) {
      for (const auto& b : c.ports) {
        if (req.port == 0 && ((!b.name.empty() && b.name == hook.port) ||
                              std::to_string(b.container_port) == hook.port)) {
          req.port = b.host_port;
        }
      }
    }
    if (req.port == 0) req.port = std::atoi(hook.port.c_str());
    return req;
  }
  req.action = model::ProbeAction::kExec;
  req.command = hook.command;
  for (const auto& c : launch.containers) {
    if (c.name != container) continue;
    req.env = c.env;
    req.working_dir = c.working_dir.empty() ? launch.task_dir : c.working_dir;
  }
  if (handle) {
    for (const auto& c : handle->containers) {
      if (c.name == container) req.container_id = c.container_id;
    }
    if (!req.container_id.empty()) req.working_dir.clear();  // the container's own
  }
  return req;
}

}  // namespace capstan::orchestrator
