// Init containers, native sidecars and lifecycle hooks as the TaskRunner runs them, on a FakeClock
// with a FakeDriver (which containers wait or exited is scripted; dependency_gate_test and
// process_driver_test cover the drivers' side).
#include <gtest/gtest.h>

#include <algorithm>

#include "orchestrator/orchestrator.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_driver.h"
#include "tests/fakes/fake_health_checker.h"

namespace capstan::orchestrator {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeDriver;

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
    node.cpu_millis = 8000;
    node.memory_bytes = 8ll << 30;
    scheduler.AddNode(node);
  }
  void Tick(model::Duration d = milliseconds(500)) {
    clock.Advance(d);
    orch.Step();
  }
  WorkloadStatus W() { return orch.Status("app").workloads["svc"]; }
  std::string OnlyTask() {
    auto running = driver.Running();
    return running.size() == 1 ? running[0] : "";
  }
  int Count(const std::string& entry) {
    return static_cast<int>(std::count(driver.log.begin(), driver.log.end(), entry));
  }
  std::size_t ProbesOf(const std::string& path) {
    std::size_t n = 0;
    for (const auto& r : checker.requests) n += r.path == path;
    return n;
  }
};

model::ContainerSpec Container(const std::string& name) {
  model::ContainerSpec c;
  c.name = name;
  c.command = {"/bin/" + name};
  return c;
}

AppSpec App(model::TaskTemplate task) {
  model::WorkloadSpec w;
  w.replicas = 1;
  task.labels = {{"app", "svc"}};
  w.task = std::move(task);
  AppSpec app;
  app.app = "app";
  app.workloads["svc"] = w;
  return app;
}

// A main container with a port and a readiness probe on /ready every second.
model::TaskTemplate WithMain() {
  model::TaskTemplate t;
  model::ContainerSpec main = Container("main");
  main.ports = {{"http", 80, 0, "TCP"}};
  model::ProbeSpec ready;
  ready.port = "http";
  ready.path = "/ready";
  ready.period_seconds = 1;
  main.readiness = ready;
  t.containers.push_back(main);
  return t;
}

model::LifecycleHandler Sleep(int s) {
  model::LifecycleHandler h;
  h.action = model::HookAction::kSleep;
  h.sleep_seconds = s;
  return h;
}

model::LifecycleHandler Exec(const std::string& cmd) {
  model::LifecycleHandler h;
  h.action = model::HookAction::kExec;
  h.command = {cmd, "arg"};
  return h;
}

TEST(InitContainers, MainContainersWaitForThemAndTheTaskIsNotReadyBefore) {
  Harness h;
  model::TaskTemplate t = WithMain();
  t.init_containers = {Container("init-1"), Container("init-2")};
  h.driver.waiting = {"main", "init-2"};  // as a driver sees them while init-1 runs
  h.orch.SetDesired(App(t));
  for (int i = 0; i < 5; ++i) h.Tick(seconds(1));
  const std::string id = h.OnlyTask();
  ASSERT_FALSE(id.empty());
  // The launch spec orders them: init-1, then init-2 on its SUCCESS, then main on init-2's.
  const auto& cs = h.driver.tasks[id].spec.containers;
  ASSERT_EQ(cs.size(), 3u);
  EXPECT_EQ(cs[0].name, "main");
  EXPECT_EQ(
      cs[0].depends_on,
      (std::vector<model::ContainerDependency>{{"init-2", model::DependencyCondition::kSuccess}}));
  EXPECT_TRUE(cs[1].depends_on.empty());
  EXPECT_FALSE(cs[1].essential);
  EXPECT_EQ(
      cs[2].depends_on,
      (std::vector<model::ContainerDependency>{{"init-1", model::DependencyCondition::kSuccess}}));
  EXPECT_EQ(h.ProbesOf("/ready"), 0u);  // a waiting main container is not probed
  EXPECT_EQ(h.W().ready, 0);
  EXPECT_EQ(h.W().tasks.at(0).phase, TaskPhase::kRunning);
  // Both init containers succeeded: main runs, is probed, the task becomes Ready.
  h.driver.exited = {{"init-1", {0, ""}}, {"init-2", {0, ""}}};
  h.driver.waiting.clear();
  for (int i = 0; i < 3; ++i) h.Tick(seconds(1));
  EXPECT_GE(h.ProbesOf("/ready"), 1u);
  EXPECT_EQ(h.W().ready, 1);
  EXPECT_EQ(h.driver.tasks[id].starts, 1);  // an init container's exit 0 ends nothing
}

TEST(InitContainers, AFailingInitContainerFailsTheTaskWhichIsRetriedWithBackoff) {
  Harness h;
  model::TaskTemplate t = WithMain();
  t.init_containers = {Container("init")};
  h.driver.exited = {{"init", {1, ""}},
                     {"main", {-1, "dependency init did not succeed (exit code 1)"}}};
  h.orch.SetDesired(App(t));
  h.Tick();
  h.Tick();
  EXPECT_EQ(h.driver.total_starts, 1);
  EXPECT_EQ(h.W().tasks.at(0).reason, "CrashLoopBackOff");
  EXPECT_NE(h.W().tasks.at(0).message.find("dependency init did not succeed"), std::string::npos)
      << h.W().tasks.at(0).message;
  h.Tick(seconds(9));
  EXPECT_EQ(h.driver.total_starts, 1);  // back-off: 10 s
  h.Tick(seconds(2));
  EXPECT_EQ(h.driver.total_starts, 2);
  // The next failure doubles it.
  h.Tick(seconds(1));
  h.Tick(seconds(15));
  EXPECT_EQ(h.driver.total_starts, 2);
  h.Tick(seconds(6));
  EXPECT_EQ(h.driver.total_starts, 3);
}

TEST(Sidecars, ASidecarRunsBesideTheMainContainersWhichWaitForItsStart) {
  Harness h;
  model::TaskTemplate t = WithMain();
  model::ContainerSpec side = Container("proxy");
  side.restart_always = true;
  t.init_containers = {Container("init"), side};
  h.driver.exited = {{"init", {0, ""}}};
  h.orch.SetDesired(App(t));
  for (int i = 0; i < 3; ++i) h.Tick(seconds(1));
  const std::string id = h.OnlyTask();
  ASSERT_FALSE(id.empty());
  const auto& cs = h.driver.tasks[id].spec.containers;
  ASSERT_EQ(cs.size(), 3u);
  EXPECT_EQ(cs[0].depends_on, (std::vector<model::ContainerDependency>{
                                  {"init", model::DependencyCondition::kSuccess},
                                  {"proxy", model::DependencyCondition::kStart}}));
  EXPECT_EQ(cs[2].name, "proxy");
  EXPECT_TRUE(cs[2].essential);  // it runs as long as the task does
  EXPECT_EQ(
      cs[2].depends_on,
      (std::vector<model::ContainerDependency>{{"init", model::DependencyCondition::kSuccess}}));
  EXPECT_EQ(h.W().ready, 1);
  // A sidecar that dies takes the task with it (Kubernetes restarts only the sidecar).
  h.driver.exited["proxy"] = {137, ""};
  h.Tick();
  EXPECT_EQ(h.W().tasks.at(0).reason, "CrashLoopBackOff");
}

TEST(PostStart, TheContainerIsNeitherProbedNorReadyUntilItsHookEnded) {
  Harness h;
  model::TaskTemplate t = WithMain();
  t.containers[0].post_start = Sleep(5);
  h.orch.SetDesired(App(t));
  h.Tick();
  h.Tick();
  ASSERT_FALSE(h.OnlyTask().empty());
  for (int i = 0; i < 4; ++i) h.Tick(seconds(1));
  EXPECT_EQ(h.ProbesOf("/ready"), 0u);
  EXPECT_EQ(h.W().ready, 0);
  EXPECT_EQ(h.events.Count(h.OnlyTask(), "Ready"), 0u);
  h.Tick(seconds(1));
  h.Tick(seconds(1));
  EXPECT_GE(h.ProbesOf("/ready"), 1u);
  EXPECT_EQ(h.W().ready, 1);
}

TEST(PostStart, AFailingHookKillsTheTaskWhichRestartsWithBackoff) {
  Harness h;
  model::TaskTemplate t = WithMain();
  t.containers[0].post_start = Exec("/bin/warm-up");
  h.checker.by_command["/bin/warm-up"] = false;
  h.orch.SetDesired(App(t));
  h.Tick();
  const std::string id = h.OnlyTask();
  ASSERT_FALSE(id.empty());
  h.Tick();
  h.Tick();
  EXPECT_EQ(h.events.Count(id, "FailedPostStartHook"), 1u);
  EXPECT_EQ(h.Count("stop:" + id), 1);
  EXPECT_EQ(h.ProbesOf("/ready"), 0u);
  // The exec hook ran with the container's environment.
  bool saw = false;
  for (const auto& r : h.checker.requests) {
    if (r.command == std::vector<std::string>{"/bin/warm-up", "arg"}) {
      saw = true;
      EXPECT_EQ(r.action, model::ProbeAction::kExec);
      EXPECT_TRUE(std::any_of(r.env.begin(), r.env.end(),
                              [](const auto& kv) { return kv.first == "PORT"; }));
    }
  }
  EXPECT_TRUE(saw);
  for (int i = 0; i < 12; ++i) h.Tick(seconds(1));
  EXPECT_EQ(h.driver.total_starts, 2);  // after the 10 s back-off; it fails again
  EXPECT_EQ(h.events.Count(id, "FailedPostStartHook"), 2u);
  EXPECT_EQ(h.W().tasks.at(0).reason, "CrashLoopBackOff");
}

TEST(PreStop, TheHookRunsBeforeSigtermAndWithinTheGracePeriod) {
  Harness h;
  model::TaskTemplate t = WithMain();
  t.termination_grace_period_seconds = 30;
  t.containers[0].pre_stop = Sleep(5);
  h.orch.SetDesired(App(t));
  h.Tick();
  h.Tick();
  const std::string id = h.OnlyTask();
  ASSERT_FALSE(id.empty());
  h.driver.hang_on_stop = true;  // ignores SIGTERM: the kill shows where the grace period ends
  h.orch.RemoveApp("app");
  h.Tick();
  h.Tick(seconds(4));
  EXPECT_EQ(h.Count("stop:" + id), 0);  // the hook still runs
  h.Tick(seconds(1));
  EXPECT_EQ(h.Count("stop:" + id), 1);
  // The grace period counted from the hook's start: 30 s after it, not after SIGTERM.
  h.Tick(seconds(24));
  EXPECT_EQ(h.Count("kill:" + id), 0);
  h.Tick(seconds(1));
  EXPECT_EQ(h.Count("kill:" + id), 1);
  EXPECT_EQ(h.events.Count(id, "FailedPreStopHook"), 0u);
}

TEST(PreStop, AnExecHookRunsInTheContainerEnvironmentThenSigterm) {
  Harness h;
  model::TaskTemplate t = WithMain();
  t.containers[0].pre_stop = Exec("/bin/drain");
  h.orch.SetDesired(App(t));
  h.Tick();
  h.Tick();
  const std::string id = h.OnlyTask();
  ASSERT_FALSE(id.empty());
  h.orch.RemoveApp("app");
  h.Tick();
  ASSERT_FALSE(h.checker.requests.empty());
  EXPECT_EQ(h.checker.requests.back().command, (std::vector<std::string>{"/bin/drain", "arg"}));
  h.Tick();
  h.Tick();
  EXPECT_EQ(h.Count("stop:" + id), 1);
  EXPECT_TRUE(h.driver.Running().empty());
}

TEST(PreStop, AHookThatOutlivesTheGracePeriodIsCutAndTheTaskKilled) {
  Harness h;
  model::TaskTemplate t = WithMain();
  t.termination_grace_period_seconds = 10;
  t.containers[0].pre_stop = Sleep(100);
  h.orch.SetDesired(App(t));
  h.Tick();
  h.Tick();
  const std::string id = h.OnlyTask();
  ASSERT_FALSE(id.empty());
  h.orch.RemoveApp("app");
  h.Tick();
  h.Tick(seconds(9));
  EXPECT_EQ(h.Count("kill:" + id), 0);
  h.Tick(seconds(1));
  EXPECT_EQ(h.Count("kill:" + id), 1);
  EXPECT_EQ(h.events.Count(id, "FailedPreStopHook"), 1u);
  h.Tick();
  h.Tick();
  EXPECT_TRUE(h.driver.Running().empty());
  EXPECT_TRUE(h.orch.Apps().empty());
}

}  // namespace
}  // namespace capstan::orchestrator
