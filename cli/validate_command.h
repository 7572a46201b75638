#pragma once

#include <string>
#include <vector>

namespace capstan::cli {

struct ValidateOptions {
  std::vector<std::string> paths;
  bool strict = false;
  bool json = false;
};

// `capstan validate PATH...`: renders and validates manifests from the file system.
// Returns the process exit code: 0 valid (warnings allowed), 1 errors.
int RunValidate(const ValidateOptions& options);

}  // namespace capstan::cli
