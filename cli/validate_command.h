#pragma once

#include <string>
#include <vector>

#include "model/task_template.h"

namespace capstan::cli {

struct ValidateOptions {
  std::vector<std::string> paths;
  bool strict = false;
  bool json = false;
  // Warn when container workloads exist and no container engine answers (--no-engine-check).
  bool engine_check = true;
  std::string container_engine;  // --container-engine: the socket the daemon is given
  // The driver of workloads without a capstan.io/driver annotation (--default-driver).
  model::DriverKind default_driver = model::DriverKind::kContainer;
};

// `capstan validate PATH...`: renders and validates manifests from the file system.
// Returns the process exit code: 0 valid (warnings allowed), 1 errors.
int RunValidate(const ValidateOptions& options);

}  // namespace capstan::cli
