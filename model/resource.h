#pragma once

#include <map>
#include <string>
#include <variant>

#include "model/autoscaler.h"
#include "model/config.h"
#include "model/diagnostic.h"
#include "model/job.h"
#include "model/service.h"
#include "model/workload.h"

namespace capstan::model {

// Dialect-blind kinds, declared in apply order: configuration first, then what runs, then what
// routes to it. Deletes go the other way round.
enum class ResourceKind { kConfigMap, kSecret, kWorkload, kJob, kAutoscaler, kService };

const char* ResourceKindName(ResourceKind kind);  // "ConfigMap", "Workload", ...

struct ResourceId {
  std::string app;
  ResourceKind kind = ResourceKind::kConfigMap;
  std::string name;

  std::string ToString() const;  // "web/Workload/frontend"
  friend auto operator<=>(const ResourceId&, const ResourceId&) = default;
  friend bool operator==(const ResourceId&, const ResourceId&) = default;
};

enum class Dialect { kKubernetes, kEcs };

using ResourceSpec =
    std::variant<ConfigMapSpec, SecretSpec, WorkloadSpec, JobSpec, AutoscalerSpec, ServiceSpec>;

// One desired object after rendering, whichever dialect it came from.
struct Resource {
  ResourceId id;
  Dialect dialect = Dialect::kKubernetes;
  std::string source_kind;  // as written: "Deployment", "ECS service", ...
  SourceLocation origin;    // where it was declared
  std::map<std::string, std::string> labels;
  ResourceSpec spec;

  // The revision of a workload or job; empty for other kinds.
  const std::string& Revision() const;
  friend bool operator==(const Resource& a, const Resource& b) {
    return a.id == b.id && a.spec == b.spec && a.labels == b.labels;
  }
};

// The kind that goes with each spec alternative.
ResourceKind KindOf(const ResourceSpec& spec);

}  // namespace capstan::model
