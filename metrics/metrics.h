#pragma once

#include <string>

#include "metrics/app_metrics.h"
#include "metrics/build_info.h"
#include "metrics/reconcile_metrics.h"
#include "metrics/registry.h"
#include "metrics/rollout_metrics.h"
#include "metrics/source_metrics.h"
#include "metrics/task_metrics.h"
#include "metrics/webhook_metrics.h"

namespace capstan::metrics {

// Every Capstan metric, built once by the composition root (cli/) and handed out by reference:
// the reconciler gets `reconcile` and `app`, the sources `source`, the orchestrator `rollout` and
// `task`, the server `webhook` and Serialize(). A plain aggregate of services: it lives as long
// as the daemon and is neither copied nor moved.
// Thread-safety: safe for concurrent use.
struct Metrics {
  explicit Metrics(const std::string& version);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Drops every per-application series of `app`, in every family (the app was deleted).
  void RemoveApp(const std::string& app);

  // The text exposition for GET /metrics (content type MetricsRegistry::kContentType).
  std::string Serialize() const { return registry.Serialize(); }

  MetricsRegistry registry;  // declared first: every family below registers in it
  BuildInfo build_info;
  ReconcileMetrics reconcile;
  SourceMetrics source;
  AppMetrics app;
  RolloutMetrics rollout;
  TaskMetrics task;
  WebhookMetrics webhook;
};

}  // namespace capstan::metrics
