#pragma once

#include <map>
#include <string>

#include "metrics/metrics.h"
#include "orchestrator/event_log.h"
#include "orchestrator/task.h"

namespace capstan::cli {

// Derives the counters that follow from what the orchestrator reports as events (rollouts,
// rollbacks, probe failures) and from its task records (restarts), so the orchestrator itself
// stays free of metric plumbing. Called by the daemon loop for every new event and once per turn.
// Thread-compatible: the loop thread only.
class EventMetrics {
 public:
  explicit EventMetrics(metrics::Metrics& metrics) : metrics_(metrics) {}

  // One new event. `runner` resolves task ids to their app and workload.
  void OnEvent(const orchestrator::Event& event, const orchestrator::TaskRunner& runner);
  // Restarts since the last call, per task.
  void CountRestarts(const orchestrator::TaskRunner& runner);

 private:
  metrics::Metrics& metrics_;
  std::map<std::string, int> restarts_seen_;  // task id -> restarts already counted
};

// "web/Workload/frontend" -> {"web", "frontend"}; empty strings if the object is not a workload.
std::pair<std::string, std::string> SplitWorkloadObject(const std::string& object);

}  // namespace capstan::cli
