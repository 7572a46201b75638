#pragma once

#include <cstddef>

#include "model/task_template.h"

namespace capstan::renderers {

// Budgets that keep a hostile or broken manifest from taking the daemon down. Each one exceeded
// is an error naming the file (and line where known), never a crash.
struct RenderLimits {
  std::size_t max_file_bytes = 4 << 20;          // one manifest file
  std::size_t max_snapshot_bytes = 256 << 20;    // all manifest files of a snapshot
  int max_depth = 64;                            // YAML/JSON nesting depth
  std::size_t max_nodes_per_document = 200'000;  // expanded nodes, counting alias expansions
};

struct RenderOptions {
  // Unsupported kinds and fields become errors instead of warnings.
  bool strict = false;
  // The driver of a pod template / ECS task definition without a `capstan.io/driver` annotation
  // (dockerLabel). Containers, because on Kubernetes and ECS the image is what runs; `capstan
  // serve|plan|validate --default-driver process` for machines without a container engine.
  model::DriverKind default_driver = model::DriverKind::kContainer;
  RenderLimits limits;
};

}  // namespace capstan::renderers
