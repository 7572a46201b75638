#pragma once

#include <string_view>
#include <variant>

#include "model/resource.h"

namespace capstan::renderers {

// The annotation (Kubernetes pod template) or dockerLabel (ECS container definition) that picks
// the driver of a task: "process" or "container".
inline constexpr std::string_view kDriverAnnotation = "capstan.io/driver";

// Gives a workload's or job's task template `default_driver` (RenderOptions::default_driver) when
// it has no capstan.io/driver annotation; the annotation always wins. Kubernetes and ECS run the
// image (https://kubernetes.io/docs/concepts/containers/images/, ECS containerDefinitions.image),
// so the default is kContainer; a daemon without a container engine passes kProcess. Called by
// each dialect as it emits a resource, before revisions are computed (the driver is part of the
// revision). Other kinds are left alone.
inline void ApplyDefaultDriver(model::Resource& resource, model::DriverKind default_driver) {
  model::TaskTemplate* task = nullptr;
  if (auto* w = std::get_if<model::WorkloadSpec>(&resource.spec)) task = &w->task;
  if (auto* j = std::get_if<model::JobSpec>(&resource.spec)) task = &j->task;
  if (task == nullptr || task->annotations.count(std::string(kDriverAnnotation)) != 0) return;
  task->driver = default_driver;
}

}  // namespace capstan::renderers
