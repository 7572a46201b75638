#include "metrics/rollout_metrics.h"

#include <gtest/gtest.h>

#include <limits>

#include "metrics/registry.h"
#include "tests/metrics/exposition.h"

namespace capstan::metrics {
namespace {

using testing::Exposition;

TEST(RolloutMetrics, ReplicasByState) {
  MetricsRegistry registry;
  RolloutMetrics metrics(registry.registry());
  metrics.SetReplicas("web", "frontend", {.desired = 4, .updated = 2, .ready = 3, .available = 1});
  Exposition out(registry.Serialize());
  EXPECT_TRUE(out.HasLine(
      "capstan_workload_replicas{app=\"web\",state=\"desired\",workload=\"frontend\"} 4"))
      << out.text();
  EXPECT_TRUE(out.HasLine(
      "capstan_workload_replicas{app=\"web\",state=\"updated\",workload=\"frontend\"} 2"));
  EXPECT_TRUE(out.HasLine(
      "capstan_workload_replicas{app=\"web\",state=\"ready\",workload=\"frontend\"} 3"));
  EXPECT_TRUE(out.HasLine(
      "capstan_workload_replicas{app=\"web\",state=\"available\",workload=\"frontend\"} 1"));
  metrics.SetReplicas("web", "frontend", {.desired = 4, .updated = 4, .ready = 4, .available = 4});
  Exposition later(registry.Serialize());
  EXPECT_EQ(later.Find("capstan_workload_replicas").size(), 4u);
  for (const auto& s : later.Find("capstan_workload_replicas")) EXPECT_EQ(s.value, "4");
}

TEST(RolloutMetrics, ProgressRatioIsClamped) {
  MetricsRegistry registry;
  RolloutMetrics metrics(registry.registry());
  metrics.SetProgress("web", "frontend", 0.5);
  EXPECT_TRUE(
      Exposition(registry.Serialize())
          .HasLine("capstan_rollout_progress_ratio{app=\"web\",workload=\"frontend\"} 0.5"));
  metrics.SetProgress("web", "frontend", 1.7);
  EXPECT_EQ(
      Exposition(registry.Serialize())
          .Value("capstan_rollout_progress_ratio", {{"app", "web"}, {"workload", "frontend"}}),
      1.0);
  metrics.SetProgress("web", "frontend", -3);
  EXPECT_EQ(
      Exposition(registry.Serialize())
          .Value("capstan_rollout_progress_ratio", {{"app", "web"}, {"workload", "frontend"}}),
      0.0);
  metrics.SetProgress("web", "frontend", std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(
      Exposition(registry.Serialize())
          .Value("capstan_rollout_progress_ratio", {{"app", "web"}, {"workload", "frontend"}}),
      1.0);
}

TEST(RolloutMetrics, RolloutsAndRollbacksCount) {
  MetricsRegistry registry;
  RolloutMetrics metrics(registry.registry());
  metrics.RecordRollout("web", RolloutResult::kSucceeded);
  metrics.RecordRollout("web", RolloutResult::kFailed);
  metrics.RecordRollout("web", RolloutResult::kSucceeded);
  metrics.RecordRollout("web", RolloutResult::kSuperseded);
  metrics.RecordRollback("web", RollbackReason::kHealthCheckFailed);
  metrics.RecordRollback("web", RollbackReason::kManual);
  Exposition out(registry.Serialize());
  EXPECT_TRUE(out.HasLine("# TYPE capstan_rollouts_total counter"));
  EXPECT_TRUE(out.HasLine("capstan_rollouts_total{app=\"web\",result=\"succeeded\"} 2"))
      << out.text();
  EXPECT_TRUE(out.HasLine("capstan_rollouts_total{app=\"web\",result=\"failed\"} 1"));
  EXPECT_TRUE(out.HasLine("capstan_rollouts_total{app=\"web\",result=\"superseded\"} 1"));
  EXPECT_TRUE(out.HasLine("capstan_rollbacks_total{app=\"web\",reason=\"health_check_failed\"} 1"));
  EXPECT_TRUE(out.HasLine("capstan_rollbacks_total{app=\"web\",reason=\"manual\"} 1"));
}

TEST(RolloutMetrics, RemoveWorkloadAndRemoveApp) {
  MetricsRegistry registry;
  RolloutMetrics metrics(registry.registry());
  metrics.SetReplicas("web", "frontend", {.desired = 1});
  metrics.SetReplicas("web", "worker", {.desired = 2});
  metrics.SetProgress("web", "frontend", 1);
  metrics.SetProgress("api", "server", 1);
  metrics.RecordRollout("web", RolloutResult::kSucceeded);
  metrics.RecordRollback("web", RollbackReason::kTaskFailed);

  metrics.RemoveWorkload("web", "frontend");
  Exposition after_workload(registry.Serialize());
  EXPECT_TRUE(after_workload.Find("capstan_workload_replicas", {{"workload", "frontend"}}).empty());
  EXPECT_TRUE(
      after_workload.Find("capstan_rollout_progress_ratio", {{"workload", "frontend"}}).empty());
  EXPECT_EQ(after_workload.Find("capstan_workload_replicas", {{"workload", "worker"}}).size(), 4u);

  metrics.RemoveApp("web");
  Exposition after_app(registry.Serialize());
  for (const auto& s : after_app.samples()) EXPECT_NE(s.labels.at("app"), "web") << s.name;
  EXPECT_EQ(after_app.Find("capstan_rollout_progress_ratio", {{"app", "api"}}).size(), 1u);
}

}  // namespace
}  // namespace capstan::metrics
