#include "metrics/task_metrics.h"

#include <gtest/gtest.h>

#include "metrics/registry.h"
#include "tests/metrics/exposition.h"

namespace capstan::metrics {
namespace {

using testing::Exposition;

TEST(TaskMetrics, RestartsAndProbeFailures) {
  MetricsRegistry registry;
  TaskMetrics metrics(registry.registry());
  metrics.RecordRestart("web", "frontend");
  metrics.RecordRestart("web", "frontend");
  metrics.RecordHealthCheckFailure("web", "frontend", ProbeKind::kReadiness);
  metrics.RecordHealthCheckFailure("web", "frontend", ProbeKind::kLiveness);
  metrics.RecordHealthCheckFailure("web", "frontend", ProbeKind::kReadiness);
  metrics.RecordHealthCheckFailure("web", "worker", ProbeKind::kStartup);
  Exposition out(registry.Serialize());
  EXPECT_TRUE(out.HasLine("capstan_task_restarts_total{app=\"web\",workload=\"frontend\"} 2"))
      << out.text();
  EXPECT_TRUE(out.HasLine(
      "capstan_health_check_failures_total{app=\"web\",probe=\"readiness\",workload=\"frontend\"} "
      "2"));
  EXPECT_TRUE(out.HasLine(
      "capstan_health_check_failures_total{app=\"web\",probe=\"liveness\",workload=\"frontend\"} "
      "1"));
  EXPECT_TRUE(out.HasLine(
      "capstan_health_check_failures_total{app=\"web\",probe=\"startup\",workload=\"worker\"} 1"));
}

TEST(TaskMetrics, RemoveWorkloadAndApp) {
  MetricsRegistry registry;
  TaskMetrics metrics(registry.registry());
  metrics.RecordRestart("web", "frontend");
  metrics.RecordRestart("web", "worker");
  metrics.RecordRestart("api", "server");
  metrics.RecordHealthCheckFailure("web", "frontend", ProbeKind::kLiveness);
  metrics.RemoveWorkload("web", "frontend");
  Exposition one(registry.Serialize());
  EXPECT_TRUE(one.Find("capstan_task_restarts_total", {{"workload", "frontend"}}).empty());
  EXPECT_TRUE(one.Find("capstan_health_check_failures_total").empty());
  EXPECT_EQ(one.Find("capstan_task_restarts_total").size(), 2u);
  metrics.RemoveApp("web");
  Exposition two(registry.Serialize());
  ASSERT_EQ(two.Find("capstan_task_restarts_total").size(), 1u);
  EXPECT_EQ(two.Find("capstan_task_restarts_total")[0].labels.at("app"), "api");
}

}  // namespace
}  // namespace capstan::metrics
