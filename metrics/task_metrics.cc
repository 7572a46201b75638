#include "metrics/task_metrics.h"

namespace capstan::metrics {

std::string_view ProbeKindName(ProbeKind probe) {
  switch (probe) {
    case ProbeKind::kLiveness:
      return "liveness";
    case ProbeKind::kReadiness:
      return "readiness";
    case ProbeKind::kStartup:
      return "startup";
  }
  return "unknown";
}

TaskMetrics::TaskMetrics(prometheus::Registry& registry)
    : restarts_(prometheus::BuildCounter()
                    .Name("capstan_task_restarts_total")
                    .Help("Restarts of a workload's tasks (exits followed by a new start).")
                    .Register(registry)),
      health_check_failures_(prometheus::BuildCounter()
                                 .Name("capstan_health_check_failures_total")
                                 .Help("Failed health-check probes of a workload's tasks, by "
                                       "probe (liveness, readiness, startup).")
                                 .Register(registry)) {}

void TaskMetrics::RecordRestart(const std::string& app, const std::string& workload) {
  restarts_.Update({{"app", app}, {"workload", workload}},
                   [](prometheus::Counter& c) { c.Increment(); });
}

void TaskMetrics::RecordHealthCheckFailure(const std::string& app, const std::string& workload,
                                           ProbeKind probe) {
  health_check_failures_.Update(
      {{"app", app}, {"workload", workload}, {"probe", std::string(ProbeKindName(probe))}},
      [](prometheus::Counter& c) { c.Increment(); });
}

void TaskMetrics::RemoveWorkload(const std::string& app, const std::string& workload) {
  restarts_.RemoveMatching({{"app", app}, {"workload", workload}});
  health_check_failures_.RemoveMatching({{"app", app}, {"workload", workload}});
}

void TaskMetrics::RemoveApp(const std::string& app) {
  restarts_.RemoveMatching({{"app", app}});
  health_check_failures_.RemoveMatching({{"app", app}});
}

}  // namespace capstan::metrics
