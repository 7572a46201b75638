#include "metrics/rollout_metrics.h"

#include <algorithm>

namespace capstan::metrics {

std::string_view RolloutResultName(RolloutResult result) {
  switch (result) {
    case RolloutResult::kSucceeded:
      return "succeeded";
    case RolloutResult::kFailed:
      return "failed";
    case RolloutResult::kSuperseded:
      return "superseded";
  }
  return "unknown";
}

std::string_view RollbackReasonName(RollbackReason reason) {
  switch (reason) {
    case RollbackReason::kHealthCheckFailed:
      return "health_check_failed";
    case RollbackReason::kProgressDeadline:
      return "progress_deadline_exceeded";
    case RollbackReason::kTaskFailed:
      return "task_failed";
    case RollbackReason::kManual:
      return "manual";
  }
  return "unknown";
}

RolloutMetrics::RolloutMetrics(prometheus::Registry& registry)
    : replicas_(prometheus::BuildGauge()
                    .Name("capstan_workload_replicas")
                    .Help("Replicas of a workload by state: desired, updated (newest revision), "
                          "ready, available.")
                    .Register(registry)),
      progress_(prometheus::BuildGauge()
                    .Name("capstan_rollout_progress_ratio")
                    .Help("Share of a workload's desired replicas that run the newest revision "
                          "and are available, from 0 to 1.")
                    .Register(registry)),
      rollouts_(prometheus::BuildCounter()
                    .Name("capstan_rollouts_total")
                    .Help("Finished rollouts of an application, by result "
                          "(succeeded, failed, superseded).")
                    .Register(registry)),
      rollbacks_(prometheus::BuildCounter()
                     .Name("capstan_rollbacks_total")
                     .Help("Rollbacks of an application to an earlier revision, by reason.")
                     .Register(registry)) {}

void RolloutMetrics::SetReplicas(const std::string& app, const std::string& workload,
                                 const ReplicaCounts& counts) {
  const std::pair<const char*, int> states[] = {{"desired", counts.desired},
                                                {"updated", counts.updated},
                                                {"ready", counts.ready},
                                                {"available", counts.available}};
  for (const auto& [state, value] : states) {
    replicas_.Update({{"app", app}, {"workload", workload}, {"state", state}},
                     [value](prometheus::Gauge& g) { g.Set(value); });
  }
}

void RolloutMetrics::SetProgress(const std::string& app, const std::string& workload,
                                 double ratio) {
  // NaN (0/0 for a workload scaled to zero) counts as done: nothing is left to roll out.
  double clamped = ratio != ratio ? 1.0 : std::clamp(ratio, 0.0, 1.0);
  progress_.Update({{"app", app}, {"workload", workload}},
                   [clamped](prometheus::Gauge& g) { g.Set(clamped); });
}

void RolloutMetrics::RecordRollout(const std::string& app, RolloutResult result) {
  rollouts_.Update({{"app", app}, {"result", std::string(RolloutResultName(result))}},
                   [](prometheus::Counter& c) { c.Increment(); });
}

void RolloutMetrics::RecordRollback(const std::string& app, RollbackReason reason) {
  rollbacks_.Update({{"app", app}, {"reason", std::string(RollbackReasonName(reason))}},
                    [](prometheus::Counter& c) { c.Increment(); });
}

void RolloutMetrics::RemoveWorkload(const std::string& app, const std::string& workload) {
  replicas_.RemoveMatching({{"app", app}, {"workload", workload}});
  progress_.RemoveMatching({{"app", app}, {"workload", workload}});
}

void RolloutMetrics::RemoveApp(const std::string& app) {
  replicas_.RemoveMatching({{"app", app}});
  progress_.RemoveMatching({{"app", app}});
  rollouts_.RemoveMatching({{"app", app}});
  rollbacks_.RemoveMatching({{"app", app}});
}

}  // namespace capstan::metrics
