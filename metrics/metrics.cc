#include "metrics/metrics.h"

namespace capstan::metrics {

Metrics::Metrics(const std::string& version)
    : build_info(registry.registry(), version),
      reconcile(registry.registry()),
      source(registry.registry()),
      app(registry.registry()),
      rollout(registry.registry()),
      task(registry.registry()),
      webhook(registry.registry()) {}

void Metrics::RemoveApp(const std::string& app_name) {
  reconcile.RemoveApp(app_name);
  app.RemoveApp(app_name);
  rollout.RemoveApp(app_name);
  task.RemoveApp(app_name);
}

}  // namespace capstan::metrics
