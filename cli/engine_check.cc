#include "cli/engine_check.h"

#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <variant>

#include "orchestrator/container/docker_client.h"

namespace capstan::cli {
namespace {

// The first resource of `state` that runs with the container driver, or nullptr.
const model::Resource* FirstContainerWorkload(const model::DesiredState& state, int& count) {
  const model::Resource* first = nullptr;
  count = 0;
  for (const auto& [name, app] : state.apps) {
    for (const auto& [id, resource] : app.resources) {
      const model::TaskTemplate* task = nullptr;
      if (const auto* w = std::get_if<model::WorkloadSpec>(&resource.spec)) task = &w->task;
      if (const auto* j = std::get_if<model::JobSpec>(&resource.spec)) task = &j->task;
      if (task == nullptr || task->driver != model::DriverKind::kContainer) continue;
      ++count;
      if (first == nullptr) first = &resource;
    }
  }
  return first;
}

}  // namespace

std::optional<model::Diagnostic> CheckContainerEngine(const model::DesiredState& state,
                                                      const std::string& configured) {
  int count = 0;
  const model::Resource* first = FirstContainerWorkload(state, count);
  if (first == nullptr) return std::nullopt;
  std::map<std::string, std::string> env;
  for (const char* name : {"DOCKER_HOST", "XDG_RUNTIME_DIR"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  auto found = orchestrator::container::DiscoverEngineSocket(configured, env);
  if (found.ok()) return std::nullopt;
  return model::Diagnostic{
      model::Severity::kWarning, first->origin, "capstan.io/driver",
      fmt::format("{} workload(s) run with the container driver ({} first; pod templates and "
                  "ECS container definitions without capstan.io/driver run their image), but {}. "
                  "Start Docker or Podman (systemctl --user start podman.socket), point "
                  "--container-engine at its socket, or run them as processes "
                  "(capstan.io/driver: process, or --default-driver process)",
                  count, first->id.ToString(), found.status().message())};
}

}  // namespace capstan::cli
