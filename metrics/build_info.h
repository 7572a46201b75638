#pragma once

#include <prometheus/registry.h>

#include <string>

namespace capstan::metrics {

// capstan_build_info{version} 1: which Capstan build is running (join on it in dashboards).
// Registered once at construction; nothing changes afterwards.
class BuildInfo {
 public:
  BuildInfo(prometheus::Registry& registry, const std::string& version);
  BuildInfo(const BuildInfo&) = delete;
  BuildInfo& operator=(const BuildInfo&) = delete;
};

}  // namespace capstan::metrics
