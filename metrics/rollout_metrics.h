#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

#include "metrics/labelled_series.h"

namespace capstan::metrics {

enum class RolloutResult {
  kSucceeded,   // "succeeded": the new revision is fully available
  kFailed,      // "failed": the new revision did not become healthy (a rollback follows)
  kSuperseded,  // "superseded": a newer commit arrived and the rollout moved on to it
};
std::string_view RolloutResultName(RolloutResult result);

enum class RollbackReason {
  kHealthCheckFailed,  // "health_check_failed": readiness/liveness failed on the new revision
  kProgressDeadline,   // "progress_deadline_exceeded": the rollout stalled
  kTaskFailed,         // "task_failed": tasks of the new revision kept exiting
  kManual,             // "manual": `capstan rollback` / POST .../rollback
};
std::string_view RollbackReasonName(RollbackReason reason);

// Replica counts of one workload as the rollout controller sees them.
struct ReplicaCounts {
  int desired = 0;
  int updated = 0;  // running the newest revision
  int ready = 0;
  int available = 0;  // ready for at least minReadySeconds
};

// Rollout progress and outcomes:
//   capstan_workload_replicas{app,workload,state} with state desired|updated|ready|available,
//   capstan_rollout_progress_ratio{app,workload} (updated-and-available / desired, 0..1),
//   capstan_rollouts_total{app,result}, capstan_rollbacks_total{app,reason}.
// Thread-safety: safe for concurrent use.
class RolloutMetrics {
 public:
  explicit RolloutMetrics(prometheus::Registry& registry);
  RolloutMetrics(const RolloutMetrics&) = delete;
  RolloutMetrics& operator=(const RolloutMetrics&) = delete;

  void SetReplicas(const std::string& app, const std::string& workload,
                   const ReplicaCounts& counts);
  // `ratio` is clamped to [0, 1].
  void SetProgress(const std::string& app, const std::string& workload, double ratio);
  void RecordRollout(const std::string& app, RolloutResult result);
  void RecordRollback(const std::string& app, RollbackReason reason);

  // Drops the gauges of a workload that no longer exists.
  void RemoveWorkload(const std::string& app, const std::string& workload);
  // Drops every series of `app` in these families.
  void RemoveApp(const std::string& app);

 private:
  LabelledSeries<prometheus::Gauge> replicas_;
  LabelledSeries<prometheus::Gauge> progress_;
  LabelledSeries<prometheus::Counter> rollouts_;
  LabelledSeries<prometheus::Counter> rollbacks_;
};

}  // namespace capstan::metrics
