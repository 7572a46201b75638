#include "metrics/reconcile_metrics.h"

#include <gtest/gtest.h>

#include "metrics/registry.h"
#include "tests/metrics/exposition.h"

namespace capstan::metrics {
namespace {

using testing::Exposition;

TEST(ReconcileMetrics, CountsByAppAndResult) {
  MetricsRegistry registry;
  ReconcileMetrics metrics(registry.registry());
  metrics.Observe("web", ReconcileResult::kApplied, 0.2);
  metrics.Observe("web", ReconcileResult::kApplied, 0.3);
  metrics.Observe("web", ReconcileResult::kFailed, 1.0);
  metrics.Observe("api", ReconcileResult::kUnchanged, 0.004);
  Exposition out(registry.Serialize());
  EXPECT_TRUE(out.HasLine("# TYPE capstan_reconcile_total counter")) << out.text();
  EXPECT_TRUE(out.HasLine("capstan_reconcile_total{app=\"web\",result=\"applied\"} 2"))
      << out.text();
  EXPECT_TRUE(out.HasLine("capstan_reconcile_total{app=\"web\",result=\"failed\"} 1"));
  EXPECT_TRUE(out.HasLine("capstan_reconcile_total{app=\"api\",result=\"unchanged\"} 1"));
  EXPECT_EQ(out.Find("capstan_reconcile_total").size(), 3u);
}

TEST(ReconcileMetrics, DurationHistogramBucketsFromOneMillisecondToOneMinute) {
  MetricsRegistry registry;
  ReconcileMetrics metrics(registry.registry());
  metrics.Observe("web", ReconcileResult::kApplied, 0.0005);  // below 1 ms
  metrics.Observe("web", ReconcileResult::kApplied, 0.2);
  metrics.Observe("web", ReconcileResult::kApplied, 45);
  metrics.Observe("web", ReconcileResult::kApplied, 600);  // beyond 60 s: only +Inf
  Exposition out(registry.Serialize());
  EXPECT_TRUE(out.HasLine("# TYPE capstan_reconcile_duration_seconds histogram"));
  std::vector<std::string> les;
  for (const auto& s : out.Find("capstan_reconcile_duration_seconds_bucket")) {
    les.push_back(s.labels.at("le"));
  }
  ASSERT_FALSE(les.empty());
  EXPECT_EQ(std::stod(les.front()), 0.001);
  EXPECT_EQ(std::stod(les[les.size() - 2]), 60);
  EXPECT_EQ(les.back(), "+Inf");
  EXPECT_EQ(out.Value("capstan_reconcile_duration_seconds_bucket", {{"le", les.front()}}), 1);
  EXPECT_EQ(out.Value("capstan_reconcile_duration_seconds_bucket", {{"le", "0.25"}}), 2);
  EXPECT_EQ(out.Value("capstan_reconcile_duration_seconds_bucket", {{"le", les[les.size() - 2]}}),
            3);
  EXPECT_EQ(out.Value("capstan_reconcile_duration_seconds_bucket", {{"le", "+Inf"}}), 4);
  EXPECT_EQ(out.Value("capstan_reconcile_duration_seconds_count"), 4);
  EXPECT_DOUBLE_EQ(*out.Value("capstan_reconcile_duration_seconds_sum"), 645.2005);
  // Cumulative buckets never decrease.
  double previous = 0;
  for (const auto& s : out.Find("capstan_reconcile_duration_seconds_bucket")) {
    EXPECT_GE(std::stod(s.value), previous) << s.labels.at("le");
    previous = std::stod(s.value);
  }
}

TEST(ReconcileMetrics, RemoveAppDropsOnlyThatApp) {
  MetricsRegistry registry;
  ReconcileMetrics metrics(registry.registry());
  metrics.Observe("web", ReconcileResult::kApplied, 0.1);
  metrics.Observe("web", ReconcileResult::kFailed, 0.1);
  metrics.Observe("api", ReconcileResult::kApplied, 0.1);
  metrics.RemoveApp("web");
  Exposition out(registry.Serialize());
  EXPECT_TRUE(out.Find("capstan_reconcile_total", {{"app", "web"}}).empty()) << out.text();
  EXPECT_EQ(out.Value("capstan_reconcile_total", {{"app", "api"}, {"result", "applied"}}), 1);
  // A later reconcile of a re-created app starts from zero.
  metrics.Observe("web", ReconcileResult::kApplied, 0.1);
  EXPECT_EQ(Exposition(registry.Serialize())
                .Value("capstan_reconcile_total", {{"app", "web"}, {"result", "applied"}}),
            1);
}

}  // namespace
}  // namespace capstan::metrics
