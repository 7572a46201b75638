#pragma once

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>

#include "metrics/labelled_series.h"

namespace capstan::metrics {

enum class ReconcileResult {
  kApplied,    // "applied": changes were applied
  kUnchanged,  // "unchanged": desired already equalled observed
  kFailed,     // "failed": fetch, render, validation or apply failed; the last good state stays
};
std::string_view ReconcileResultName(ReconcileResult result);

// capstan_reconcile_total{app,result} and capstan_reconcile_duration_seconds (no labels, buckets
// from 1 ms to 60 s). Build once per registry and inject into the reconciler.
// Thread-safety: safe for concurrent use.
class ReconcileMetrics {
 public:
  explicit ReconcileMetrics(prometheus::Registry& registry);
  ReconcileMetrics(const ReconcileMetrics&) = delete;
  ReconcileMetrics& operator=(const ReconcileMetrics&) = delete;

  // One finished reconcile of `app` that took `seconds`.
  void Observe(const std::string& app, ReconcileResult result, double seconds);

  // Drops the app's series (the duration histogram is shared by all apps and stays).
  void RemoveApp(const std::string& app);

 private:
  LabelledSeries<prometheus::Counter> total_;
  prometheus::Histogram& duration_;
};

}  // namespace capstan::metrics
