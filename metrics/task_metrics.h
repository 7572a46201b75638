#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

#include "metrics/labelled_series.h"

namespace capstan::metrics {

enum class ProbeKind { kLiveness, kReadiness, kStartup };
// "liveness", "readiness", "startup".
std::string_view ProbeKindName(ProbeKind probe);

// Task-level trouble, counted per workload:
//   capstan_task_restarts_total{app,workload},
//   capstan_health_check_failures_total{app,workload,probe}.
// Thread-safety: safe for concurrent use.
class TaskMetrics {
 public:
  explicit TaskMetrics(prometheus::Registry& registry);
  TaskMetrics(const TaskMetrics&) = delete;
  TaskMetrics& operator=(const TaskMetrics&) = delete;

  void RecordRestart(const std::string& app, const std::string& workload);
  void RecordHealthCheckFailure(const std::string& app, const std::string& workload,
                                ProbeKind probe);

  void RemoveWorkload(const std::string& app, const std::string& workload);
  void RemoveApp(const std::string& app);

 private:
  LabelledSeries<prometheus::Counter> restarts_;
  LabelledSeries<prometheus::Counter> health_check_failures_;
};

}  // namespace capstan::metrics
