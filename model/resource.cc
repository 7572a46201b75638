#include "model/resource.h"

#include <fmt/format.h>

namespace capstan::model {

const char* ResourceKindName(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kConfigMap: return "ConfigMap";
    case ResourceKind::kSecret: return "Secret";
    case ResourceKind::kWorkload: return "Workload";
    case ResourceKind::kJob: return "Job";
    case ResourceKind::kAutoscaler: return "Autoscaler";
    case ResourceKind::kService: return "Service";
  }
  return "Unknown";
}

std::string ResourceId::ToString() const {
  return fmt::format("{}/{}/{}", app, ResourceKindName(kind), name);
}

const std::string& Resource::Revision() const {
  static const std::string kNone;
  if (const auto* w = std::get_if<WorkloadSpec>(&spec)) return w->revision;
  if (const auto* j = std::get_if<JobSpec>(&spec)) return j->revision;
  return kNone;
}

ResourceKind KindOf(const ResourceSpec& spec) {
  return static_cast<ResourceKind>(spec.index());
}

}  // namespace capstan::model
