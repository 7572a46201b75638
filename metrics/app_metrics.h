#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

#include "metrics/labelled_series.h"

namespace capstan::metrics {

enum class SyncStatus { kSynced, kOutOfSync, kProgressing, kFailed };
enum class HealthStatus { kHealthy, kProgressing, kDegraded };
// "Synced", "OutOfSync", "Progressing", "Failed" / "Healthy", "Progressing", "Degraded": the same
// words the API and `capstan status` show.
std::string_view SyncStatusName(SyncStatus status);
std::string_view HealthStatusName(HealthStatus status);

// Per-application state:
//   capstan_app_info{app,revision,commit} 1 — only the CURRENT revision/commit is exported;
//   capstan_app_sync_status{app,status}     — one-hot over Synced|OutOfSync|Progressing|Failed;
//   capstan_app_health_status{app,status}   — one-hot over Healthy|Progressing|Degraded.
// One-hot gauges export every status value (0 or 1) so that queries such as
// `capstan_app_sync_status{status="Failed"} == 1` work without absent-series tricks.
// Thread-safety: safe for concurrent use.
class AppMetrics {
 public:
  explicit AppMetrics(prometheus::Registry& registry);
  AppMetrics(const AppMetrics&) = delete;
  AppMetrics& operator=(const AppMetrics&) = delete;

  // Exports {app, revision, commit} = 1 and removes the app's previous info series.
  void SetInfo(const std::string& app, const std::string& revision, const std::string& commit);
  void SetSyncStatus(const std::string& app, SyncStatus status);
  void SetHealthStatus(const std::string& app, HealthStatus status);

  // Drops every series of `app` in these families (the app was deleted from the repository).
  void RemoveApp(const std::string& app);

 private:
  LabelledSeries<prometheus::Gauge> info_;
  LabelledSeries<prometheus::Gauge> sync_;
  LabelledSeries<prometheus::Gauge> health_;
};

}  // namespace capstan::metrics
