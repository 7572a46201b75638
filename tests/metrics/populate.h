#pragma once

#include <chrono>

#include "metrics/metrics.h"

namespace capstan::metrics::testing {

// Touches every family with two applications, so that the exposition holds each of them.
inline void PopulateAll(Metrics& m) {
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  for (const char* app : {"web", "api"}) {
    m.reconcile.Observe(app, ReconcileResult::kApplied, 0.25);
    m.reconcile.Observe(app, ReconcileResult::kFailed, 3);
    m.app.SetInfo(app, "5f2b7c", "0123456789abcdef0123456789abcdef01234567");
    m.app.SetSyncStatus(app, SyncStatus::kSynced);
    m.app.SetHealthStatus(app, HealthStatus::kProgressing);
    m.rollout.SetReplicas(app, "frontend",
                          {.desired = 3, .updated = 2, .ready = 2, .available = 1});
    m.rollout.SetProgress(app, "frontend", 1.0 / 3.0);
    m.rollout.RecordRollout(app, RolloutResult::kSucceeded);
    m.rollout.RecordRollback(app, RollbackReason::kProgressDeadline);
    m.task.RecordRestart(app, "frontend");
    m.task.RecordHealthCheckFailure(app, "frontend", ProbeKind::kReadiness);
  }
  m.source.ObserveFetch("https://github.com/acme/shop.git", FetchResult::kUpdated, 0.8, now);
  m.webhook.RecordRequest("github", "triggered");
  m.webhook.RecordRequest("gitlab", "unauthorized");
}

}  // namespace capstan::metrics::testing
