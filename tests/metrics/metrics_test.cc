#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/metrics/exposition.h"
#include "tests/metrics/populate.h"

namespace capstan::metrics {
namespace {

using testing::Exposition;
using testing::PopulateAll;

// The names the README documents and dashboards rely on: renaming one is a breaking change.
const std::set<std::string> kFamilies = {
    "capstan_reconcile_total",
    "capstan_reconcile_duration_seconds",
    "capstan_source_fetch_total",
    "capstan_source_fetch_duration_seconds",
    "capstan_source_last_fetch_timestamp_seconds",
    "capstan_app_info",
    "capstan_app_sync_status",
    "capstan_app_health_status",
    "capstan_workload_replicas",
    "capstan_rollout_progress_ratio",
    "capstan_rollouts_total",
    "capstan_rollbacks_total",
    "capstan_task_restarts_total",
    "capstan_health_check_failures_total",
    "capstan_webhook_requests_total",
    "capstan_build_info",
};

// Label names per family, exactly (histograms add only `le` on their buckets).
const std::map<std::string, std::set<std::string>> kLabels = {
    {"capstan_reconcile_total", {"app", "result"}},
    {"capstan_reconcile_duration_seconds_count", {}},
    {"capstan_source_fetch_total", {"repo", "result"}},
    {"capstan_source_fetch_duration_seconds_count", {}},
    {"capstan_source_last_fetch_timestamp_seconds", {"repo"}},
    {"capstan_app_info", {"app", "revision", "commit"}},
    {"capstan_app_sync_status", {"app", "status"}},
    {"capstan_app_health_status", {"app", "status"}},
    {"capstan_workload_replicas", {"app", "workload", "state"}},
    {"capstan_rollout_progress_ratio", {"app", "workload"}},
    {"capstan_rollouts_total", {"app", "result"}},
    {"capstan_rollbacks_total", {"app", "reason"}},
    {"capstan_task_restarts_total", {"app", "workload"}},
    {"capstan_health_check_failures_total", {"app", "workload", "probe"}},
    {"capstan_webhook_requests_total", {"provider", "result"}},
    {"capstan_build_info", {"version"}},
};

TEST(Metrics, EveryFamilyHasHelpTypeAndExactLabels) {
  Metrics metrics("1.2.3");
  PopulateAll(metrics);
  Exposition out(metrics.Serialize());
  std::set<std::string> helped;
  for (const std::string& line : out.lines()) {
    if (line.rfind("# HELP ", 0) == 0) {
      std::string rest = line.substr(7);
      std::string name = rest.substr(0, rest.find(' '));
      helped.insert(name);
      EXPECT_GT(rest.size(), name.size() + 10) << "HELP text too short: " << line;
    }
  }
  EXPECT_EQ(helped, kFamilies) << out.text();
  for (const auto& [name, labels] : kLabels) {
    auto samples = out.Find(name);
    ASSERT_FALSE(samples.empty()) << name;
    for (const auto& s : samples) {
      std::set<std::string> got;
      for (const auto& [k, v] : s.labels) got.insert(k);
      EXPECT_EQ(got, labels) << name;
    }
  }
}

TEST(Metrics, BuildInfo) {
  Metrics metrics("0.1.0");
  Exposition out(metrics.Serialize());
  EXPECT_TRUE(out.HasLine("# TYPE capstan_build_info gauge"));
  EXPECT_TRUE(out.HasLine("capstan_build_info{version=\"0.1.0\"} 1")) << out.text();
}

TEST(Metrics, RemoveAppDropsEverySeriesOfThatAppOnly) {
  Metrics metrics("1.0.0");
  PopulateAll(metrics);
  metrics.RemoveApp("web");
  Exposition out(metrics.Serialize());
  int api = 0;
  for (const auto& s : out.samples()) {
    auto it = s.labels.find("app");
    if (it == s.labels.end()) continue;
    EXPECT_NE(it->second, "web") << s.name;
    ++api;
  }
  // api: 2 reconcile + 1 info + 4 sync + 3 health + 4 replicas + 1 progress + 1 rollout +
  // 1 rollback + 1 restart + 1 probe failure.
  EXPECT_EQ(api, 19);
  // Families without an app label are untouched.
  EXPECT_EQ(out.Value("capstan_webhook_requests_total",
                      {{"provider", "github"}, {"result", "triggered"}}),
            1);
  EXPECT_EQ(out.Value("capstan_reconcile_duration_seconds_count"), 4);
}

TEST(Metrics, ConcurrentUpdatesAndRemovalsAreSafe) {
  Metrics metrics("1.0.0");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < 500; ++i) {
        std::string app = "app" + std::to_string(i % 5);
        metrics.app.SetSyncStatus(app, t % 2 ? SyncStatus::kSynced : SyncStatus::kFailed);
        metrics.task.RecordRestart(app, "w");
        if (i % 50 == 0) metrics.RemoveApp(app);
        if (i % 100 == 0) (void)metrics.Serialize();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  Exposition out(metrics.Serialize());
  for (const auto& s : out.Find("capstan_app_sync_status")) {
    EXPECT_TRUE(s.value == "0" || s.value == "1");
  }
}

}  // namespace
}  // namespace capstan::metrics
