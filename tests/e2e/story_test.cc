// The whole story through the real binary: push v1, roll out v2, push a v3 whose readiness fails
// and watch the automatic rollback, then push v4.
#include <set>

#include "tests/e2e/e2e_env.h"

namespace capstan::e2e {
namespace {

class StoryTest : public E2eTest {};

TEST_F(StoryTest, PushRollOutRollBackAndRecover) {
  const int service_port = FreePort();
  ASSERT_NE(service_port, 0);
  WebApp app;
  app.replicas = 3;
  app.service_port = service_port;

  // v1: deployed, Synced and Healthy, the service answers v1.
  repo().Write("apps/web/web.yaml", WebAppYaml(app));
  const std::string v1 = repo().Commit("v1");
  ASSERT_NE(StartDaemon(), nullptr);
  ASSERT_TRUE(WaitForApp("web", "Synced", "Healthy", v1));
  ASSERT_TRUE(WaitForServiceVersion(service_port, "v1"));
  const std::string v1_revision = FirstWorkload(*App("web")).value("revision", "");
  ASSERT_FALSE(v1_revision.empty());

  // v2: a rolling update; the metrics show it moving.
  app.version = "v2";
  repo().Write("apps/web/web.yaml", WebAppYaml(app));
  const std::string v2 = repo().Commit("v2");
  std::set<double> ratios, updated;
  const std::map<std::string, std::string> web = {{"app", "web"}, {"workload", "web"}};
  bool done = PollUntil(
      [&] {
        const std::string metrics = Metrics();
        if (auto r = MetricValue(metrics, "capstan_rollout_progress_ratio", web)) ratios.insert(*r);
        auto labels = web;
        labels["state"] = "updated";
        if (auto u = MetricValue(metrics, "capstan_workload_replicas", labels)) updated.insert(*u);
        auto view = App("web");
        return view && view->value("commit", "") == v2 &&
               view->value("syncStatus", "") == "Synced" && view->value("health", "") == "Healthy";
      },
      120s, 50ms);
  ASSERT_TRUE(done) << App("web").value_or(json()).dump(2);
  const std::string v2_revision = FirstWorkload(*App("web")).value("revision", "");
  EXPECT_NE(v2_revision, v1_revision);
  EXPECT_TRUE(WaitForServiceVersion(service_port, "v2"));
  std::string metrics = Metrics();
  EXPECT_EQ(MetricValue(metrics, "capstan_rollout_progress_ratio", web), 1.0);
  // Moving: some sample showed the rollout part-way (0 < ratio < 1, or fewer updated replicas).
  bool partway = false;
  for (double r : ratios) partway |= r > 0 && r < 1;
  for (double u : updated) partway |= u > 0 && u < 3;
  EXPECT_TRUE(partway) << "never saw the rollout in progress; ratios seen: " << ratios.size()
                       << ", updated values seen: " << updated.size();
  EXPECT_GE(ratios.size(), 2u);
  EXPECT_GE(MetricSum(metrics, "capstan_rollouts_total", {{"app", "web"}, {"result", "succeeded"}}),
            1.0);
  EXPECT_EQ(MetricValue(metrics, "capstan_workload_replicas",
                        {{"app", "web"}, {"workload", "web"}, {"state", "available"}}),
            3.0);

  // v3: readiness never passes -> automatic rollback to v2; the app is Failed, health Healthy.
  WebApp bad = app;
  bad.version = "v3";
  bad.readiness_fails = true;
  repo().Write("apps/web/web.yaml", WebAppYaml(bad));
  const std::string v3 = repo().Commit("v3: readiness fails");
  json view;
  done = PollUntil(
      [&] {
        auto v = App("web");
        if (!v) return false;
        view = *v;
        const json& w = FirstWorkload(view);
        // Every task on v2: the v3 ones were stopped, not merely asked to stop.
        for (const auto& t : w["tasks"]) {
          if (t.value("revision", "") != v2_revision) return false;
        }
        return view.value("syncStatus", "") == "Failed" && view.value("health", "") == "Healthy" &&
               w.value("revision", "") == v2_revision && !w["failedRevisions"].empty() &&
               w.value("ready", 0) == 3 && w.value("rolloutPhase", "") != "Progressing";
      },
      120s, 100ms);
  ASSERT_TRUE(done) << "no automatic rollback to v2; last view:\n" << view.dump(2);
  const json& workload = FirstWorkload(view);
  const std::string v3_revision = workload["failedRevisions"][0].get<std::string>();
  EXPECT_NE(v3_revision, v2_revision);
  EXPECT_EQ(view.value("seenCommit", ""), v3);
  for (const auto& t : workload["tasks"]) EXPECT_EQ(t.value("revision", ""), v2_revision);
  EXPECT_TRUE(WaitForServiceVersion(service_port, "v2"));
  metrics = Metrics();
  EXPECT_GE(MetricSum(metrics, "capstan_rollbacks_total", {{"app", "web"}}), 1.0);
  EXPECT_GE(MetricSum(metrics, "capstan_rollouts_total", {{"app", "web"}, {"result", "failed"}}),
            1.0);

  // v3 is not retried: later reconciles (the interval is 1 s) start no new v3 task.
  const std::string v3_fragment = "web-web-" + v3_revision.substr(0, 8);
  const int v3_started = CountStarted(Events(), v3_fragment);
  EXPECT_GE(v3_started, 1);
  const double fetches = MetricSum(Metrics(), "capstan_source_fetch_total");
  ASSERT_TRUE(PollUntil(
      [&] { return MetricSum(Metrics(), "capstan_source_fetch_total") >= fetches + 3; }, 60s))
      << "the daemon stopped fetching";
  EXPECT_EQ(CountStarted(Events(), v3_fragment), v3_started);
  auto after = App("web");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->value("syncStatus", ""), "Failed");
  EXPECT_EQ(FirstWorkload(*after).value("revision", ""), v2_revision);
  for (const auto& [pid, id] : TaskProcesses(tmp("state/"))) {
    EXPECT_EQ(id.find(v3_fragment), std::string::npos) << "a v3 task runs: " << id;
  }

  // v4: deploys normally.
  app.version = "v4";
  repo().Write("apps/web/web.yaml", WebAppYaml(app));
  const std::string v4 = repo().Commit("v4");
  ASSERT_TRUE(WaitForApp("web", "Synced", "Healthy", v4));
  EXPECT_TRUE(WaitForServiceVersion(service_port, "v4"));
  EXPECT_EQ(FirstWorkload(*App("web")).value("ready", 0), 3);
}

}  // namespace
}  // namespace capstan::e2e
