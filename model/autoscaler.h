#pragma once

#include <string>
#include <vector>

namespace capstan::model {

struct AutoscalerMetric {
  std::string resource;  // "cpu" | "memory"
  int average_utilization = 0;  // percent of requests
  friend bool operator==(const AutoscalerMetric&, const AutoscalerMetric&) = default;
};

// HorizontalPodAutoscaler: keeps a workload's replicas between min and max from utilisation.
struct AutoscalerSpec {
  std::string target_kind = "Deployment";
  std::string target_name;
  int min_replicas = 1;
  int max_replicas = 1;
  std::vector<AutoscalerMetric> metrics;
  friend bool operator==(const AutoscalerSpec&, const AutoscalerSpec&) = default;
};

}  // namespace capstan::model
