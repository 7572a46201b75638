#pragma once

#include <string>

#include "model/task_template.h"

namespace capstan::cli {

struct PlanOptions {
  std::string repo;
  std::string rev = "HEAD";
  std::string base;           // empty: the first parent of rev
  std::string path = "apps";  // "" or "." = the repository root
  std::string output = "text";
  std::string cache_dir;
  bool strict = false;
  // Warn when container workloads exist and no container engine answers (--no-engine-check).
  bool engine_check = true;
  std::string container_engine;  // --container-engine: the socket the daemon is given
  // The driver of workloads without a capstan.io/driver annotation (--default-driver).
  model::DriverKind default_driver = model::DriverKind::kContainer;
  // Compare with what the daemon at this URL applied, instead of with BASE.
  std::string against;
};

// `capstan plan`: renders REV and BASE of a repository (or asks the daemon at --against what it
// runs) and prints the difference.
// Exit codes as `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error.
int RunPlan(const PlanOptions& options);

}  // namespace capstan::cli
