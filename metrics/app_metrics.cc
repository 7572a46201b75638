#include "metrics/app_metrics.h"

namespace capstan::metrics {
namespace {

constexpr SyncStatus kSyncStatuses[] = {SyncStatus::kSynced, SyncStatus::kOutOfSync,
                                        SyncStatus::kProgressing, SyncStatus::kFailed};
constexpr HealthStatus kHealthStatuses[] = {HealthStatus::kHealthy, HealthStatus::kProgressing,
                                            HealthStatus::kDegraded};

}  // namespace

std::string_view SyncStatusName(SyncStatus status) {
  switch (status) {
    case SyncStatus::kSynced:
      return "Synced";
    case SyncStatus::kOutOfSync:
      return "OutOfSync";
    case SyncStatus::kProgressing:
      return "Progressing";
    case SyncStatus::kFailed:
      return "Failed";
  }
  return "Unknown";
}

std::string_view HealthStatusName(HealthStatus status) {
  switch (status) {
    case HealthStatus::kHealthy:
      return "Healthy";
    case HealthStatus::kProgressing:
      return "Progressing";
    case HealthStatus::kDegraded:
      return "Degraded";
  }
  return "Unknown";
}

AppMetrics::AppMetrics(prometheus::Registry& registry)
    : info_(prometheus::BuildGauge()
                .Name("capstan_app_info")
                .Help("Always 1; the labels name the revision and commit an application runs.")
                .Register(registry)),
      sync_(prometheus::BuildGauge()
                .Name("capstan_app_sync_status")
                .Help("1 for an application's current sync status "
                      "(Synced, OutOfSync, Progressing, Failed), 0 for the others.")
                .Register(registry)),
      health_(prometheus::BuildGauge()
                  .Name("capstan_app_health_status")
                  .Help("1 for an application's current health "
                        "(Healthy, Progressing, Degraded), 0 for the others.")
                  .Register(registry)) {}

void AppMetrics::SetInfo(const std::string& app, const std::string& revision,
                         const std::string& commit) {
  prometheus::Labels current{{"app", app}, {"revision", revision}, {"commit", commit}};
  info_.Update(current, [](prometheus::Gauge& g) { g.Set(1); });
  info_.RemoveMatchingExcept({{"app", app}}, current);
}

void AppMetrics::SetSyncStatus(const std::string& app, SyncStatus status) {
  for (SyncStatus s : kSyncStatuses) {
    sync_.Update({{"app", app}, {"status", std::string(SyncStatusName(s))}},
                 [on = s == status](prometheus::Gauge& g) { g.Set(on ? 1 : 0); });
  }
}

void AppMetrics::SetHealthStatus(const std::string& app, HealthStatus status) {
  for (HealthStatus s : kHealthStatuses) {
    health_.Update({{"app", app}, {"status", std::string(HealthStatusName(s))}},
                   [on = s == status](prometheus::Gauge& g) { g.Set(on ? 1 : 0); });
  }
}

void AppMetrics::RemoveApp(const std::string& app) {
  info_.RemoveMatching({{"app", app}});
  sync_.RemoveMatching({{"app", app}});
  health_.RemoveMatching({{"app", app}});
}

}  // namespace capstan::metrics
