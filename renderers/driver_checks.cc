#include "renderers/driver_checks.h"

#include <fmt/format.h>

#include <variant>

namespace capstan::renderers {
namespace {

enum class ContainerList { kInit, kMain };

// Where the container's command is written, in the dialect the resource came from.
std::string CommandField(const model::Resource& resource, ContainerList list, std::size_t index) {
  if (resource.dialect == model::Dialect::kEcs) {
    return fmt::format("containerDefinitions[{}].command", index);
  }
  return fmt::format("spec.template.spec.{}[{}].command",
                     list == ContainerList::kInit ? "initContainers" : "containers", index);
}

void CheckContainers(const model::Resource& resource, const model::TaskTemplate& task,
                     ContainerList list, model::Diagnostics& out) {
  const auto& containers = list == ContainerList::kInit ? task.init_containers : task.containers;
  for (std::size_t i = 0; i < containers.size(); ++i) {
    const model::ContainerSpec& c = containers[i];
    if (!c.command.empty() || !c.args.empty()) continue;
    out.push_back({model::Severity::kWarning, resource.origin, CommandField(resource, list, i),
                   fmt::format("container \"{}\" of {} \"{}\" runs with the process driver, which "
                               "runs command + args and ignores the image (\"{}\"): set "
                               "capstan.io/driver: container ({}), or give a command",
                               c.name, resource.source_kind, resource.id.name, c.image,
                               resource.dialect == model::Dialect::kEcs
                                   ? "a dockerLabel of the container definition"
                                   : "an annotation of the pod template")});
  }
}

}  // namespace

model::Diagnostics CheckDrivers(const model::Application& app) {
  model::Diagnostics out;
  for (const auto& [id, resource] : app.resources) {
    const model::TaskTemplate* task = nullptr;
    if (const auto* w = std::get_if<model::WorkloadSpec>(&resource.spec)) task = &w->task;
    if (const auto* j = std::get_if<model::JobSpec>(&resource.spec)) task = &j->task;
    if (task == nullptr || task->driver != model::DriverKind::kProcess) continue;
    CheckContainers(resource, *task, ContainerList::kInit, out);
    CheckContainers(resource, *task, ContainerList::kMain, out);
  }
  return out;
}

}  // namespace capstan::renderers
