#include "metrics/app_metrics.h"

#include <gtest/gtest.h>

#include "metrics/registry.h"
#include "tests/metrics/exposition.h"

namespace capstan::metrics {
namespace {

using testing::Exposition;
using testing::Sample;

TEST(AppMetrics, InfoExportsOnlyTheCurrentRevision) {
  MetricsRegistry registry;
  AppMetrics metrics(registry.registry());
  metrics.SetInfo("web", "7d9f8c", "1111111111111111111111111111111111111111");
  Exposition first(registry.Serialize());
  EXPECT_TRUE(first.HasLine(
      "capstan_app_info{app=\"web\",commit=\"1111111111111111111111111111111111111111\","
      "revision=\"7d9f8c\"} 1"))
      << first.text();

  metrics.SetInfo("web", "a1b2c3", "2222222222222222222222222222222222222222");
  metrics.SetInfo("api", "ffff00", "3333333333333333333333333333333333333333");
  Exposition second(registry.Serialize());
  auto web = second.Find("capstan_app_info", {{"app", "web"}});
  ASSERT_EQ(web.size(), 1u) << second.text();
  EXPECT_EQ(web[0].labels.at("revision"), "a1b2c3");
  EXPECT_EQ(web[0].labels.at("commit"), "2222222222222222222222222222222222222222");
  EXPECT_EQ(web[0].value, "1");
  EXPECT_EQ(second.Find("capstan_app_info", {{"revision", "7d9f8c"}}).size(), 0u);
  EXPECT_EQ(second.Find("capstan_app_info", {{"app", "api"}}).size(), 1u);

  // Setting the same info again changes nothing.
  metrics.SetInfo("web", "a1b2c3", "2222222222222222222222222222222222222222");
  EXPECT_EQ(Exposition(registry.Serialize()).Find("capstan_app_info").size(), 2u);
}

TEST(AppMetrics, SyncStatusIsOneHotOverAllFourValues) {
  MetricsRegistry registry;
  AppMetrics metrics(registry.registry());
  metrics.SetSyncStatus("web", SyncStatus::kProgressing);
  Exposition progressing(registry.Serialize());
  EXPECT_TRUE(progressing.HasLine("# TYPE capstan_app_sync_status gauge"));
  EXPECT_TRUE(progressing.HasLine("capstan_app_sync_status{app=\"web\",status=\"Progressing\"} 1"))
      << progressing.text();
  EXPECT_TRUE(progressing.HasLine("capstan_app_sync_status{app=\"web\",status=\"Synced\"} 0"));
  EXPECT_TRUE(progressing.HasLine("capstan_app_sync_status{app=\"web\",status=\"OutOfSync\"} 0"));
  EXPECT_TRUE(progressing.HasLine("capstan_app_sync_status{app=\"web\",status=\"Failed\"} 0"));

  metrics.SetSyncStatus("web", SyncStatus::kSynced);
  Exposition synced(registry.Serialize());
  auto series = synced.Find("capstan_app_sync_status", {{"app", "web"}});
  ASSERT_EQ(series.size(), 4u);
  int hot = 0;
  for (const auto& s : series) {
    if (s.value == "1") {
      ++hot;
      EXPECT_EQ(s.labels.at("status"), "Synced");
    } else {
      EXPECT_EQ(s.value, "0");
    }
  }
  EXPECT_EQ(hot, 1);
}

TEST(AppMetrics, HealthStatusIsOneHotOverThreeValues) {
  MetricsRegistry registry;
  AppMetrics metrics(registry.registry());
  metrics.SetHealthStatus("web", HealthStatus::kDegraded);
  metrics.SetHealthStatus("api", HealthStatus::kHealthy);
  Exposition out(registry.Serialize());
  EXPECT_EQ(out.Find("capstan_app_health_status", {{"app", "web"}}).size(), 3u);
  EXPECT_EQ(out.Value("capstan_app_health_status", {{"app", "web"}, {"status", "Degraded"}}), 1);
  EXPECT_EQ(out.Value("capstan_app_health_status", {{"app", "web"}, {"status", "Healthy"}}), 0);
  EXPECT_EQ(out.Value("capstan_app_health_status", {{"app", "web"}, {"status", "Progressing"}}), 0);
  EXPECT_EQ(out.Value("capstan_app_health_status", {{"app", "api"}, {"status", "Healthy"}}), 1);
}

TEST(AppMetrics, RemoveAppDropsInfoSyncAndHealth) {
  MetricsRegistry registry;
  AppMetrics metrics(registry.registry());
  for (const char* app : {"web", "api"}) {
    metrics.SetInfo(app, "r1", "c1");
    metrics.SetSyncStatus(app, SyncStatus::kSynced);
    metrics.SetHealthStatus(app, HealthStatus::kHealthy);
  }
  metrics.RemoveApp("web");
  Exposition out(registry.Serialize());
  for (const Sample& s : out.samples()) EXPECT_NE(s.labels.at("app"), "web") << s.name;
  EXPECT_EQ(out.Find("capstan_app_sync_status", {{"app", "api"}}).size(), 4u);
  EXPECT_EQ(out.Find("capstan_app_info", {{"app", "api"}}).size(), 1u);
}

TEST(AppMetrics, StatusNamesMatchTheApiWords) {
  EXPECT_EQ(SyncStatusName(SyncStatus::kOutOfSync), "OutOfSync");
  EXPECT_EQ(HealthStatusName(HealthStatus::kProgressing), "Progressing");
}

}  // namespace
}  // namespace capstan::metrics
