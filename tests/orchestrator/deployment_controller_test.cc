#include "orchestrator/deployment_controller.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "orchestrator/orchestrator.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_driver.h"
#include "tests/fakes/fake_health_checker.h"

namespace capstan::orchestrator {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeDriver;

// An orchestrator on fakes: one node with room for 64 small tasks.
struct Harness {
  testing::FakeClock clock;
  Scheduler scheduler;
  FakeDriver driver;
  testing::FakeHealthChecker checker;
  EventLog events{clock};
  Orchestrator orch{clock,   scheduler, {{model::DriverKind::kProcess, &driver}},
                    checker, events,    nullptr};

  Harness() {
    NodeInfo node;
    node.id = 0;
    node.name = "local";
    node.cpu_millis = 64000;
    node.memory_bytes = 64ll << 30;
    scheduler.AddNode(node);
  }
  void Tick(model::Duration d = milliseconds(500)) {
    clock.Advance(d);
    orch.Step();
  }
  WorkloadStatus W(const std::string& name = "web") { return orch.Status("app").workloads[name]; }
  // Steps until `done` or `limit` of fake time passed; calls `check` after every step.
  template <typename Done, typename Check>
  bool RunUntil(Done done, model::Duration limit, Check check,
                model::Duration step = milliseconds(500)) {
    for (model::Duration t{}; t < limit; t += step) {
      Tick(step);
      check();
      if (done()) return true;
    }
    return false;
  }
  template <typename Done>
  bool RunUntil(Done done, model::Duration limit = minutes(2)) {
    return RunUntil(done, limit, [] {});
  }
};

// A workload whose version shows in an env var and whose readiness probe asks `ready_path`.
model::WorkloadSpec Web(const std::string& version, int replicas,
                        const std::string& ready_path = "/ready") {
  model::WorkloadSpec w;
  w.replicas = replicas;
  w.selector = {{"app", "web"}};
  w.task.labels = {{"app", "web"}};
  model::ContainerSpec c;
  c.name = "web";
  c.command = {"/bin/web"};
  c.env = {{"VERSION", model::EnvSource::kLiteral, version, "", "", false}};
  c.ports = {{"http", 8080, 0, "TCP"}};
  c.resources.cpu_request_millis = 100;
  c.resources.memory_request_bytes = 64 << 20;
  model::ProbeSpec ready;
  ready.port = "http";
  ready.path = ready_path;
  ready.period_seconds = 1;
  ready.failure_threshold = 3;
  c.readiness = ready;
  w.task.containers.push_back(c);
  w.max_surge = model::IntOrPercent::Count(1);
  w.max_unavailable = model::IntOrPercent::Count(0);
  return w;
}

AppSpec App(const model::WorkloadSpec& w) {
  AppSpec spec;
  spec.app = "app";
  spec.workloads["web"] = w;
  return spec;
}

int ReadyOf(const WorkloadStatus& s, const std::string& revision) {
  return static_cast<int>(std::count_if(s.tasks.begin(), s.tasks.end(), [&](const TaskSummary& t) {
    return t.revision == revision && t.phase == TaskPhase::kReady;
  }));
}

bool Complete(const WorkloadStatus& s) {
  return s.phase == RolloutPhase::kComplete && s.available == s.desired && s.total == s.desired;
}

// Deploys v1 with 5 replicas and waits until it is complete; returns its revision.
std::string DeployV1(Harness& h, int replicas = 5) {
  h.orch.SetDesired(App(Web("v1", replicas)));
  EXPECT_TRUE(h.RunUntil([&] { return Complete(h.W()); }));
  return h.W().current_revision;
}

TEST(RollingUpdate, SurgeOneUnavailableZeroNeverDropsBelowDesiredReady) {
  Harness h;
  const std::string v1 = DeployV1(h);
  h.orch.SetDesired(App(Web("v2", 5)));
  int min_ready = 100, max_total = 0;
  ASSERT_TRUE(
      h.RunUntil([&] { return Complete(h.W()) && h.W().current_revision != v1; }, minutes(2),
                 [&] {
                   WorkloadStatus s = h.W();
                   min_ready = std::min(min_ready, s.ready);
                   max_total = std::max(max_total, static_cast<int>(h.driver.Running().size()));
                 },
                 milliseconds(100)));
  EXPECT_EQ(min_ready, 5);
  EXPECT_LE(max_total, 6);
  WorkloadStatus s = h.W();
  EXPECT_EQ(s.updated, 5);
  EXPECT_EQ(h.driver.RunningOfRevision(v1), 0);
  EXPECT_EQ(s.history.size(), 2u);
}

TEST(RollingUpdate, EcsMinimumHealthy50NeverBelowCeilHalf) {
  Harness h;
  model::WorkloadSpec w = Web("v1", 5);
  w.ecs = model::EcsDeployment{50, 200, false, false};
  h.orch.SetDesired(App(w));
  ASSERT_TRUE(h.RunUntil([&] { return Complete(h.W()); }));
  const std::string v1 = h.W().current_revision;
  w.task.containers[0].env[0].value = "v2";
  w.revision.clear();
  h.orch.SetDesired(App(w));
  int min_ready = 100, max_running = 0;
  ASSERT_TRUE(
      h.RunUntil([&] { return Complete(h.W()) && h.W().current_revision != v1; }, minutes(2),
                 [&] {
                   min_ready = std::min(min_ready, h.W().ready);
                   max_running = std::max(max_running, static_cast<int>(h.driver.Running().size()));
                 },
                 milliseconds(100)));
  EXPECT_GE(min_ready, 3);
  EXPECT_LE(max_running, 10);
}

TEST(Recreate, AllOldTasksAreGoneBeforeAnyNewStarts) {
  Harness h;
  model::WorkloadSpec w = Web("v1", 3);
  w.strategy = model::RolloutStrategy::kRecreate;
  h.orch.SetDesired(App(w));
  ASSERT_TRUE(h.RunUntil([&] { return Complete(h.W()); }));
  const std::string v1 = h.W().current_revision;
  h.driver.log.clear();
  w.task.containers[0].env[0].value = "v2";
  h.orch.SetDesired(App(w));
  ASSERT_TRUE(h.RunUntil([&] { return Complete(h.W()) && h.W().current_revision != v1; }));
  const std::string prefix = "start:app-web-" + h.W().current_revision.substr(0, 8);
  auto first_new = std::find_if(h.driver.log.begin(), h.driver.log.end(),
                                [&](const auto& e) { return e.rfind(prefix, 0) == 0; });
  ASSERT_NE(first_new, h.driver.log.end());
  int exits_before = 0;
  for (auto it = h.driver.log.begin(); it != first_new; ++it) {
    exits_before += it->rfind("exit:app-web-" + v1.substr(0, 8), 0) == 0;
  }
  EXPECT_EQ(exits_before, 3);
}

TEST(MinReadySeconds, ReadyCountsAsAvailableOnlyAfterIt) {
  Harness h;
  model::WorkloadSpec w = Web("v1", 1);
  w.min_ready_seconds = 5;
  h.orch.SetDesired(App(w));
  ASSERT_TRUE(h.RunUntil([&] { return h.W().ready == 1; }, seconds(10), [] {}, milliseconds(100)));
  EXPECT_EQ(h.W().available, 0);
  h.Tick(seconds(4));
  EXPECT_EQ(h.W().available, 0);
  h.Tick(seconds(1));
  EXPECT_EQ(h.W().available, 1);
  h.Tick(milliseconds(100));
  EXPECT_EQ(h.W().phase, RolloutPhase::kComplete);
}

TEST(Scaling, UpAndDownPreferringNotReadyTasks) {
  Harness h;
  DeployV1(h, 3);
  h.orch.SetDesired(App(Web("v1", 5)));
  ASSERT_TRUE(h.RunUntil([&] { return h.W().available == 5; }));
  EXPECT_EQ(h.driver.Running().size(), 5u);
  // Make one task unready; scaling down by one must pick it.
  WorkloadStatus s = h.W();
  const TaskSummary victim = s.tasks[2];
  h.checker.by_port[victim.host_ports.at(0)] = false;
  ASSERT_TRUE(h.RunUntil([&] { return h.W().ready == 4; }, seconds(30)));
  h.orch.SetDesired(App(Web("v1", 4)));
  h.Tick();
  h.Tick();
  EXPECT_EQ(h.driver.Running().size(), 4u);
  EXPECT_EQ(std::count(h.driver.log.begin(), h.driver.log.end(), "stop:" + victim.id), 1);
  h.orch.SetDesired(App(Web("v1", 2)));
  h.Tick();
  h.Tick();
  EXPECT_EQ(h.driver.Running().size(), 2u);
  EXPECT_EQ(h.W().total, 2);
}

TEST(AutoRollback, FailedReadinessRollsBackKeepsOldServingAndIsNotRetried) {
  Harness h;
  const std::string v1 = DeployV1(h);
  h.checker.by_path["/bad"] = false;
  h.orch.SetDesired(App(Web("v2", 5, "/bad")));
  int min_v1_ready = 100;
  ASSERT_TRUE(h.RunUntil([&] { return h.W().phase == RolloutPhase::kRolledBack; }, minutes(2),
                         [&] { min_v1_ready = std::min(min_v1_ready, ReadyOf(h.W(), v1)); },
                         milliseconds(200)));
  WorkloadStatus s = h.W();
  EXPECT_EQ(min_v1_ready, 5);  // the old revision kept its ready count throughout
  EXPECT_EQ(s.current_revision, v1);
  EXPECT_EQ(s.target_revision, v1);
  ASSERT_EQ(s.failed_revisions.size(), 1u);
  const std::string v2 = s.failed_revisions[0];
  EXPECT_NE(v2, v1);
  EXPECT_EQ(h.driver.RunningOfRevision(v2), 0);
  EXPECT_GE(h.events.Count("app/Workload/web", "RollingBack"), 1u);
  EXPECT_GE(h.events.Count("app/Workload/web", "RolledBack"), 1u);

  // The same failed revision again: not retried.
  const int v2_starts = h.driver.StartsOfRevision(v2);
  h.orch.SetDesired(App(Web("v2", 5, "/bad")));
  h.RunUntil([] { return false; }, seconds(20));
  EXPECT_EQ(h.driver.StartsOfRevision(v2), v2_starts);
  EXPECT_EQ(h.W().target_revision, v1);
  EXPECT_EQ(h.events.Count("app/Workload/web", "SkippedFailedRevision"), 1u);

  // New content is a new revision: it rolls out.
  h.orch.SetDesired(App(Web("v3", 5)));
  ASSERT_TRUE(h.RunUntil([&] { return Complete(h.W()) && h.W().current_revision != v1; }));
  EXPECT_EQ(h.W().phase, RolloutPhase::kComplete);
}

TEST(AutoRollback, CrashLoopingRevisionRollsBack) {
  Harness h;
  const std::string v1 = DeployV1(h, 3);
  model::WorkloadSpec w2 = Web("v2", 3);
  AppSpec app = App(w2);
  AssignRevisions(app);
  const std::string v2 = app.workloads["web"].revision;
  h.driver.behavior[v2] = FakeDriver::Behavior::kCrashOnStart;
  h.orch.SetDesired(app);
  int min_v1_ready = 100;
  ASSERT_TRUE(h.RunUntil([&] { return h.W().phase == RolloutPhase::kRolledBack; }, minutes(5),
                         [&] { min_v1_ready = std::min(min_v1_ready, ReadyOf(h.W(), v1)); }));
  EXPECT_EQ(min_v1_ready, 3);
  EXPECT_EQ(h.W().failed_revisions, std::vector<std::string>{v2});
  EXPECT_NE(h.W().message.find("crash-looping"), std::string::npos) << h.W().message;
}

TEST(AutoRollback, ExitSoonAfterReadyRollsBack) {
  Harness h;
  const std::string v1 = DeployV1(h, 2);
  h.orch.SetDesired(App(Web("v2", 2)));
  // Wait for the first v2 task to become ready, then make it exit with code 0.
  std::string v2_task;
  ASSERT_TRUE(h.RunUntil([&] {
    for (const auto& t : h.W().tasks) {
      if (t.revision != v1 && t.phase == TaskPhase::kReady) v2_task = t.id;
    }
    return !v2_task.empty();
  }));
  h.driver.Exit(v2_task, 0);
  ASSERT_TRUE(h.RunUntil([&] { return h.W().phase == RolloutPhase::kRolledBack; }));
  EXPECT_EQ(h.W().current_revision, v1);
  EXPECT_NE(h.W().message.find("exited soon after becoming ready"), std::string::npos);
}

TEST(AutoRollback, MissedProgressDeadlineRollsBack) {
  Harness h;
  const std::string v1 = DeployV1(h, 2);
  model::WorkloadSpec w2 = Web("v2", 2);
  w2.task.containers[0].resources.memory_request_bytes = 1ll << 50;  // fits nowhere
  h.orch.SetDesired(App(w2));
  h.Tick();
  h.Tick();
  // Pending with the scheduler's reason.
  bool pending_with_reason = false;
  for (const auto& t : h.W().tasks) {
    if (t.revision != v1 && t.phase == TaskPhase::kPending && t.reason == "Unschedulable" &&
        !t.message.empty()) {
      pending_with_reason = true;
    }
  }
  EXPECT_TRUE(pending_with_reason);
  EXPECT_GE(h.events.Count("app-web-", "FailedScheduling"), 1u);
  // Not yet at 9 minutes...
  h.RunUntil([] { return false; }, minutes(9), [] {}, seconds(5));
  EXPECT_EQ(h.W().phase, RolloutPhase::kProgressing);
  // ...rolled back once 10 minutes passed.
  ASSERT_TRUE(h.RunUntil([&] { return h.W().phase == RolloutPhase::kRolledBack; }, minutes(2),
                         [] {}, seconds(5)));
  EXPECT_NE(h.W().message.find("ProgressDeadlineExceeded"), std::string::npos);
  EXPECT_EQ(ReadyOf(h.W(), v1), 2);
}

TEST(AutoRollback, FirstDeployFailureHasNothingToRollBackTo) {
  Harness h;
  h.checker.by_path["/bad"] = false;
  h.orch.SetDesired(App(Web("v1", 2, "/bad")));
  ASSERT_TRUE(h.RunUntil([&] { return h.W().phase == RolloutPhase::kFailed; }));
  EXPECT_EQ(h.W().total, 2);  // keeps trying
  EXPECT_GE(h.events.Count("app/Workload/web", "NoRollbackTarget"), 1u);
}

TEST(CircuitBreaker, EcsFailedTaskThresholdRollsBack) {
  Harness h;
  model::WorkloadSpec w = Web("v1", 4);
  w.ecs = model::EcsDeployment{100, 200, true, true};
  h.orch.SetDesired(App(w));
  ASSERT_TRUE(h.RunUntil([&] { return Complete(h.W()); }));
  const std::string v1 = h.W().current_revision;
  w.task.containers[0].env[0].value = "v2";
  AppSpec app = App(w);
  AssignRevisions(app);
  const std::string v2 = app.workloads["web"].revision;
  h.driver.behavior[v2] = FakeDriver::Behavior::kCrashOnStart;
  h.orch.SetDesired(app);
  ASSERT_TRUE(h.RunUntil([&] { return h.W().phase == RolloutPhase::kRolledBack; }, minutes(5)));
  EXPECT_NE(h.W().message.find("circuit breaker"), std::string::npos) << h.W().message;
  EXPECT_EQ(ReadyOf(h.W(), v1), 4);
}

TEST(CircuitBreaker, WithoutRollbackMarksFailedAndStops) {
  Harness h;
  model::WorkloadSpec w = Web("v1", 4);
  w.ecs = model::EcsDeployment{100, 200, true, false};
  h.orch.SetDesired(App(w));
  ASSERT_TRUE(h.RunUntil([&] { return Complete(h.W()); }));
  const std::string v1 = h.W().current_revision;
  w.task.containers[0].env[0].value = "v2";
  AppSpec app = App(w);
  AssignRevisions(app);
  const std::string v2 = app.workloads["web"].revision;
  h.driver.behavior[v2] = FakeDriver::Behavior::kCrashOnStart;
  h.orch.SetDesired(app);
  ASSERT_TRUE(h.RunUntil([&] { return h.W().phase == RolloutPhase::kFailed; }, minutes(5)));
  EXPECT_EQ(h.W().target_revision, v2);  // no rollback
  EXPECT_EQ(ReadyOf(h.W(), v1), 4);
  EXPECT_EQ(h.events.Count("app/Workload/web", "RollingBack"), 0u);
}

TEST(ManualRollback, RollsOutAnyRevisionInHistory) {
  Harness h;
  const std::string v1 = DeployV1(h, 2);
  h.orch.SetDesired(App(Web("v2", 2)));
  ASSERT_TRUE(h.RunUntil([&] { return Complete(h.W()) && h.W().current_revision != v1; }));
  EXPECT_FALSE(h.orch.Rollback("app", "web", "feedfeedfeedfeed").ok());
  ASSERT_TRUE(h.orch.Rollback("app", "web", v1).ok());
  ASSERT_TRUE(h.RunUntil([&] { return Complete(h.W()) && h.W().current_revision == v1; }));
  EXPECT_EQ(h.driver.RunningOfRevision(v1), 2);
  // Held until the spec's revision changes.
  h.orch.SetDesired(App(Web("v2", 2)));
  h.RunUntil([] { return false; }, seconds(5));
  EXPECT_EQ(h.W().target_revision, v1);
}

TEST(Paused, NoRolloutProgressWhilePaused) {
  Harness h;
  const std::string v1 = DeployV1(h, 2);
  model::WorkloadSpec w2 = Web("v2", 2);
  w2.paused = true;
  h.orch.SetDesired(App(w2));
  h.RunUntil([] { return false; }, seconds(10));
  EXPECT_EQ(h.W().phase, RolloutPhase::kPaused);
  EXPECT_EQ(h.driver.RunningOfRevision(v1), 2);
  EXPECT_EQ(h.driver.Running().size(), 2u);
  w2.paused = false;
  h.orch.SetDesired(App(w2));
  ASSERT_TRUE(h.RunUntil([&] { return Complete(h.W()) && h.W().current_revision != v1; }));
}

}  // namespace
}  // namespace capstan::orchestrator
