#include "metrics/reconcile_metrics.h"

namespace capstan::metrics {

std::string_view ReconcileResultName(ReconcileResult result) {
  switch (result) {
    case ReconcileResult::kApplied:
      return "applied";
    case ReconcileResult::kUnchanged:
      return "unchanged";
    case ReconcileResult::kFailed:
      return "failed";
  }
  return "unknown";
}

ReconcileMetrics::ReconcileMetrics(prometheus::Registry& registry)
    : total_(prometheus::BuildCounter()
                 .Name("capstan_reconcile_total")
                 .Help("Reconciles of an application, by result (applied, unchanged, failed).")
                 .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("capstan_reconcile_duration_seconds")
                    .Help("Time one reconcile of one application took, fetch to apply.")
                    .Register(registry)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01,
                                                                     0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                                     2.5, 5, 10, 30, 60})) {}

void ReconcileMetrics::Observe(const std::string& app, ReconcileResult result, double seconds) {
  total_.Update({{"app", app}, {"result", std::string(ReconcileResultName(result))}},
                [](prometheus::Counter& c) { c.Increment(); });
  duration_.Observe(seconds);
}

void ReconcileMetrics::RemoveApp(const std::string& app) { total_.RemoveMatching({{"app", app}}); }

}  // namespace capstan::metrics
