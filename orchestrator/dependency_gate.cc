#include "orchestrator/dependency_gate.h"

#include <fmt/format.h>

namespace capstan::orchestrator {

GateVerdict EvaluateDependsOn(
    const std::vector<model::ContainerDependency>& depends_on,
    const std::function<const DependencyState*(const std::string&)>& lookup) {
  bool ready = true;
  for (const auto& d : depends_on) {
    const DependencyState* dep = lookup(d.container);
    if (dep == nullptr) {
      return {Gate::kNever, fmt::format("depends on unknown container {}", d.container)};
    }
    switch (d.condition) {
      case model::DependencyCondition::kStart:
        ready = ready && dep->started;
        break;
      case model::DependencyCondition::kComplete:
        ready = ready && dep->exited;
        break;
      case model::DependencyCondition::kSuccess:
        if (dep->exited && !dep->succeeded) {
          return {
              Gate::kNever,
              fmt::format("dependency {} did not succeed (exit code {}); condition SUCCESS can no "
                          "longer be met",
                          d.container, dep->exit_code)};
        }
        ready = ready && dep->succeeded;
        break;
      case model::DependencyCondition::kHealthy:
        if (dep->exited) {
          return {Gate::kNever,
                  fmt::format("dependency {} exited before it was healthy", d.container)};
        }
        ready = ready && dep->healthy;
        break;
    }
  }
  return {ready ? Gate::kStart : Gate::kWait, ""};
}

}  // namespace capstan::orchestrator
