#include "orchestrator/orchestrator.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_driver.h"
#include "tests/fakes/fake_health_checker.h"

namespace capstan::orchestrator {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeDriver;

struct OrchHarness {
  testing::FakeClock clock;
  Scheduler scheduler;
  FakeDriver driver;
  testing::FakeHealthChecker checker;
  EventLog events{clock};
  std::vector<JournalEntry> journal;
  Orchestrator orch{clock,   scheduler, {{model::DriverKind::kProcess, &driver}},
                    checker, events,    nullptr};
  OrchHarness() {
    NodeInfo node;
    node.cpu_millis = 8000;
    node.memory_bytes = 8ll << 30;
    scheduler.AddNode(node);
    orch.SetJournal([this](const JournalEntry& e) { journal.push_back(e); });
  }
  void Tick(model::Duration d = milliseconds(500)) {
    clock.Advance(d);
    orch.Step();
  }
  WorkloadStatus W() { return orch.Status("app").workloads["svc"]; }
};

AppSpec Simple(int replicas = 1) {
  model::WorkloadSpec w;
  w.replicas = replicas;
  w.task.labels = {{"app", "svc"}};
  model::ContainerSpec c;
  c.name = "main";
  c.command = {"/bin/svc"};
  c.ports = {{"http", 80, 0, "TCP"}};
  w.task.containers.push_back(c);
  AppSpec app;
  app.app = "app";
  app.workloads["svc"] = w;
  return app;
}

TEST(Task, CrashLoopBackoffTimings) {
  OrchHarness h;
  AppSpec app = Simple();
  AssignRevisions(app);
  h.driver.behavior[app.workloads["svc"].revision] = FakeDriver::Behavior::kCrashOnStart;
  h.orch.SetDesired(app);
  std::vector<model::TimePoint> starts;
  int last = 0;
  for (int i = 0; i < 2 * 200; ++i) {  // 200 s in 500 ms steps
    h.Tick();
    if (h.driver.total_starts != last) {
      last = h.driver.total_starts;
      starts.push_back(h.clock.Now());
    }
  }
  ASSERT_GE(starts.size(), 5u);
  // Exit is seen on the step after a start, then the back-off runs: 10, 20, 40, 80 s.
  const int want[] = {10, 20, 40, 80};
  for (int i = 0; i < 4; ++i) {
    auto gap = std::chrono::duration_cast<milliseconds>(starts[i + 1] - starts[i]).count();
    EXPECT_GE(gap, want[i] * 1000) << i;
    EXPECT_LE(gap, want[i] * 1000 + 1000) << i;
  }
  EXPECT_GE(h.events.Count("app-svc-", "BackOff"), 4u);
  EXPECT_EQ(h.W().tasks.at(0).reason, "CrashLoopBackOff");
}

TEST(Task, LivenessFailureRestartsTheTask) {
  OrchHarness h;
  AppSpec app = Simple();
  model::ProbeSpec live;
  live.port = "http";
  live.path = "/live";
  live.period_seconds = 1;
  live.failure_threshold = 3;
  app.workloads["svc"].task.containers[0].liveness = live;
  h.orch.SetDesired(app);
  h.Tick();
  h.Tick();
  ASSERT_EQ(h.driver.Running().size(), 1u);
  const std::string id = h.driver.Running()[0];
  h.Tick(seconds(5));
  EXPECT_EQ(h.driver.tasks[id].starts, 1);  // healthy: untouched
  h.checker.by_path["/live"] = false;
  for (int i = 0; i < 8; ++i) h.Tick(seconds(1));
  EXPECT_EQ(std::count(h.driver.log.begin(), h.driver.log.end(), "stop:" + id), 1);
  h.checker.by_path["/live"] = true;
  for (int i = 0; i < 12; ++i) h.Tick(seconds(1));
  EXPECT_EQ(h.driver.tasks[id].starts, 2);
  EXPECT_EQ(h.W().tasks.at(0).restarts, 1);
  EXPECT_GE(h.events.Count(id, "Unhealthy"), 1u);
}

TEST(Task, StartupProbeHoldsLivenessBack) {
  OrchHarness h;
  AppSpec app = Simple();
  model::ProbeSpec live;
  live.port = "http";
  live.path = "/live";
  live.period_seconds = 1;
  model::ProbeSpec startup = live;
  startup.path = "/started";
  startup.failure_threshold = 30;
  app.workloads["svc"].task.containers[0].liveness = live;
  app.workloads["svc"].task.containers[0].startup = startup;
  h.checker.by_path["/started"] = false;
  h.checker.by_path["/live"] = false;
  h.orch.SetDesired(app);
  for (int i = 0; i < 10; ++i) h.Tick(seconds(1));
  EXPECT_EQ(h.W().tasks.at(0).phase, TaskPhase::kStarting);
  EXPECT_EQ(h.driver.total_starts, 1);
  for (const auto& r : h.checker.requests) EXPECT_EQ(r.path, "/started");
}

TEST(Task, GracePeriodThenKill) {
  OrchHarness h;
  AppSpec app = Simple();
  app.workloads["svc"].task.termination_grace_period_seconds = 30;
  h.orch.SetDesired(app);
  h.Tick();
  h.Tick();
  ASSERT_EQ(h.driver.Running().size(), 1u);
  const std::string id = h.driver.Running()[0];
  h.driver.hang_on_stop = true;  // ignores SIGTERM
  h.orch.RemoveApp("app");
  h.Tick();
  EXPECT_EQ(h.driver.log.back(), "stop:" + id);
  h.Tick(seconds(29));
  EXPECT_EQ(h.driver.Running().size(), 1u);
  EXPECT_EQ(std::count(h.driver.log.begin(), h.driver.log.end(), "kill:" + id), 0);
  h.Tick(seconds(1));
  EXPECT_EQ(std::count(h.driver.log.begin(), h.driver.log.end(), "kill:" + id), 1);
  h.Tick();
  h.Tick();
  EXPECT_TRUE(h.driver.Running().empty());
  EXPECT_TRUE(h.orch.Apps().empty());
  EXPECT_TRUE(h.orch.runner().tasks().empty());
  // Journal: intent before effect.
  std::vector<JournalOp> ops;
  for (const auto& e : h.journal) ops.push_back(e.op);
  EXPECT_EQ(ops, (std::vector<JournalOp>{JournalOp::kStart, JournalOp::kStop, JournalOp::kKill,
                                         JournalOp::kRemove}));
}

TEST(Orchestrator, ConfigChangeRollsOutANewRevision) {
  OrchHarness h;
  AppSpec app = Simple(2);
  app.config_maps["cfg"].data = {{"color", "blue"}};
  app.workloads["svc"].task.containers[0].env = {
      {"COLOR", model::EnvSource::kConfigMapKey, "", "cfg", "color", false}};
  h.orch.SetDesired(app);
  for (int i = 0; i < 10; ++i) h.Tick();
  const std::string r1 = h.W().current_revision;
  ASSERT_FALSE(r1.empty());
  app.config_maps["cfg"].data["color"] = "green";
  h.orch.SetDesired(app);
  for (int i = 0; i < 20; ++i) h.Tick();
  WorkloadStatus s = h.W();
  EXPECT_NE(s.current_revision, r1);
  EXPECT_EQ(s.phase, RolloutPhase::kComplete);
  ASSERT_EQ(h.driver.Running().size(), 2u);
  for (const auto& id : h.driver.Running()) {
    const auto& env = h.driver.tasks[id].spec.containers[0].env;
    EXPECT_NE(std::find(env.begin(), env.end(),
                        std::make_pair(std::string("COLOR"), std::string("green"))),
              env.end());
  }
}

TEST(Orchestrator, MissingConfigMapKeepsTaskPendingWithReason) {
  OrchHarness h;
  AppSpec app = Simple();
  app.workloads["svc"].task.containers[0].env = {
      {"X", model::EnvSource::kConfigMapKey, "", "nope", "k", false}};
  h.orch.SetDesired(app);
  h.Tick();
  h.Tick();
  ASSERT_EQ(h.W().tasks.size(), 1u);
  EXPECT_EQ(h.W().tasks[0].phase, TaskPhase::kPending);
  EXPECT_EQ(h.W().tasks[0].reason, "CreateContainerConfigError");
  EXPECT_EQ(h.driver.total_starts, 0);
}

// A Secret another object of the install creates later (issue 9): the task waits Pending, as a
// kubelet's CreateContainerConfigError, without counting as a failed run or failing the rollout
// before its progress deadline, and it starts once the Secret exists.
TEST(Orchestrator, TaskWaitingForAMissingSecretStartsOnceItExists) {
  OrchHarness h;
  AppSpec app = Simple();
  app.workloads["svc"].task.containers[0].env = {
      {"TOKEN", model::EnvSource::kSecretKey, "", "later", "token", false}};
  h.orch.SetDesired(app);
  for (int i = 0; i < 120; ++i) h.Tick(milliseconds(1000));  // two minutes
  ASSERT_EQ(h.W().tasks.size(), 1u);
  EXPECT_EQ(h.W().tasks[0].phase, TaskPhase::kPending);
  EXPECT_EQ(h.W().tasks[0].reason, "CreateContainerConfigError");
  EXPECT_NE(h.W().tasks[0].message.find("\"later\" not found"), std::string::npos)
      << h.W().tasks[0].message;
  EXPECT_NE(h.W().phase, RolloutPhase::kFailed);
  EXPECT_EQ(h.driver.total_starts, 0);

  app.secrets["later"].data["token"] = "s3cret";
  h.orch.SetDesired(app);
  for (int i = 0; i < 10; ++i) h.Tick();
  EXPECT_EQ(h.driver.Running().size(), 1u);
  EXPECT_EQ(h.W().phase, RolloutPhase::kComplete);
}

TEST(Orchestrator, ExportImportReadoptsRunningTasks) {
  OrchHarness h;
  h.orch.SetDesired(Simple(2));
  for (int i = 0; i < 6; ++i) h.Tick();
  ASSERT_EQ(h.driver.Running().size(), 2u);
  OrchestratorState state = h.orch.Export();
  ASSERT_EQ(state.tasks.size(), 2u);
  ASSERT_EQ(state.workloads.size(), 1u);

  // A new orchestrator (daemon restart) on the same driver and a fresh scheduler.
  Scheduler scheduler2;
  NodeInfo node;
  node.cpu_millis = 8000;
  node.memory_bytes = 8ll << 30;
  scheduler2.AddNode(node);
  Orchestrator orch2{h.clock,   scheduler2, {{model::DriverKind::kProcess, &h.driver}},
                     h.checker, h.events,   nullptr};
  ASSERT_TRUE(orch2.Import(state).ok());
  orch2.SetDesired(Simple(2));
  for (int i = 0; i < 6; ++i) {
    h.clock.Advance(milliseconds(500));
    orch2.Step();
  }
  EXPECT_EQ(h.driver.total_starts, 2);  // nothing started again
  WorkloadStatus s = orch2.Status("app").workloads["svc"];
  EXPECT_EQ(s.ready, 2);
  EXPECT_EQ(s.phase, RolloutPhase::kComplete);
  EXPECT_EQ(scheduler2.Usage(0)->tasks, 2);
}

// A driver that cannot act (a container engine that is down) holds tasks Pending without
// counting failures, and they start once it is back.
TEST(DriverAvailability, TasksWaitForAnUnavailableDriverWithoutFailing) {
  OrchHarness h;
  h.driver.available = model::Status::Error(model::ErrorCode::kUnavailable,
                                            "container engine at /x does not answer");
  h.orch.SetDesired(Simple(2));
  for (int i = 0; i < 20; ++i) h.Tick(seconds(1));
  EXPECT_EQ(h.driver.total_starts, 0);
  ASSERT_EQ(h.W().tasks.size(), 2u);
  for (const auto& t : h.W().tasks) {
    EXPECT_EQ(t.phase, TaskPhase::kPending);
    EXPECT_EQ(t.reason, "DriverUnavailable");
    EXPECT_NE(t.message.find("does not answer"), std::string::npos);
    EXPECT_EQ(t.restarts, 0);
  }
  h.driver.available = model::Status::Ok();
  for (int i = 0; i < 4; ++i) h.Tick(seconds(1));
  EXPECT_EQ(h.driver.Running().size(), 2u);
}

// The engine goes away under running tasks: nothing is judged (no restart, no failure) until it
// answers again, and then the same tasks carry on.
TEST(DriverAvailability, RunningTasksAreNotJudgedWhileTheDriverIsAway) {
  OrchHarness h;
  h.orch.SetDesired(Simple(2));
  for (int i = 0; i < 4; ++i) h.Tick();
  ASSERT_EQ(h.driver.Running().size(), 2u);
  h.driver.available = model::Status::Error(model::ErrorCode::kUnavailable, "engine gone");
  for (int i = 0; i < 120; ++i) h.Tick(seconds(1));
  h.driver.available = model::Status::Ok();
  for (int i = 0; i < 4; ++i) h.Tick();
  EXPECT_EQ(h.driver.total_starts, 2);
  EXPECT_EQ(h.driver.cleaned.size(), 0u);
  for (const auto& t : h.W().tasks) EXPECT_EQ(t.restarts, 0) << t.id;
}

// Start() answering kUnavailable (image still pulling) is a wait, not a failed run.
TEST(DriverAvailability, StartNotYetPossibleIsNotAFailure) {
  OrchHarness h;
  h.driver.not_yet_starts = 3;
  h.orch.SetDesired(Simple(1));
  h.Tick();
  ASSERT_EQ(h.W().tasks.size(), 1u);
  EXPECT_EQ(h.W().tasks[0].reason, "ContainerCreating");
  EXPECT_NE(h.W().tasks[0].message.find("pulling image"), std::string::npos);
  for (int i = 0; i < 6; ++i) h.Tick(seconds(1));
  EXPECT_EQ(h.driver.Running().size(), 1u);
  EXPECT_EQ(h.W().tasks[0].restarts, 0);
  EXPECT_EQ(h.events.Count("app-svc-", "BackOff"), 0u);
}

// dependsOn HEALTHY: the runner tells the driver each container's readiness verdict, and does
// not probe containers the driver reports as still waiting to start.
TEST(DriverAvailability, ReadinessIsReportedAndWaitingContainersAreNotProbed) {
  OrchHarness h;
  AppSpec app = Simple(1);
  model::ProbeSpec ready;
  ready.port = "http";
  ready.path = "/ready";
  ready.period_seconds = 1;
  app.workloads["svc"].task.containers[0].readiness = ready;
  model::ContainerSpec side;
  side.name = "side";
  side.command = {"/bin/side"};
  model::ProbeSpec side_ready = ready;
  side_ready.path = "/side";
  side.readiness = side_ready;
  app.workloads["svc"].task.containers.push_back(side);
  h.driver.waiting = {"side"};
  h.orch.SetDesired(app);
  for (int i = 0; i < 5; ++i) h.Tick(seconds(1));
  ASSERT_EQ(h.driver.Running().size(), 1u);
  const std::string id = h.driver.Running()[0];
  EXPECT_TRUE(h.driver.health[id + "/main"]);
  std::size_t side_probes = 0;
  for (const auto& r : h.checker.requests) side_probes += r.path == "/side";
  EXPECT_EQ(side_probes, 0u);
  EXPECT_EQ(h.W().ready, 0);  // a waiting container is not ready
  h.driver.waiting.clear();
  for (int i = 0; i < 4; ++i) h.Tick(seconds(1));
  EXPECT_EQ(h.W().ready, 1);
  EXPECT_TRUE(h.driver.health[id + "/side"]);
}

TEST(Orchestrator, DownwardApiSeesTheTasksNode) {
  OrchHarness h;
  NodeInfo node;
  node.id = 0;
  node.name = "node-zero";
  node.address = "192.0.2.7";
  node.cpu_millis = 8000;
  node.memory_bytes = 8ll << 30;
  h.scheduler.AddNode(node);
  AppSpec app = Simple();
  auto& env = app.workloads["svc"].task.containers[0].env;
  for (const auto& [name, path] : std::vector<std::pair<std::string, std::string>>{
           {"NODE", "spec.nodeName"}, {"HOST_IP", "status.hostIP"}, {"NS", "metadata.namespace"}}) {
    model::EnvVar e;
    e.name = name;
    e.source = model::EnvSource::kFieldRef;
    e.ref_key = path;
    env.push_back(e);
  }
  model::EnvVar cpu;
  cpu.name = "CPU_LIMIT";
  cpu.source = model::EnvSource::kResourceFieldRef;
  cpu.ref_key = "limits.cpu";
  env.push_back(cpu);
  h.orch.SetDesired(app);
  h.Tick();
  ASSERT_EQ(h.driver.Running().size(), 1u);
  const LaunchSpec& spec = h.driver.tasks[h.driver.Running()[0]].spec;
  std::map<std::string, std::string> got(spec.containers[0].env.begin(),
                                         spec.containers[0].env.end());
  EXPECT_EQ(got["NODE"], "node-zero");
  EXPECT_EQ(got["HOST_IP"], "192.0.2.7");
  EXPECT_EQ(got["NS"], "app");
  EXPECT_EQ(got["CPU_LIMIT"], "8");  // no limit: the node's 8 cores
}

TEST(Orchestrator, SecurityContextNotEnforcedIsReportedOncePerTask) {
  OrchHarness h;
  h.driver.not_enforced = "container main: readOnlyRootFilesystem not enforced";
  AppSpec app = Simple();
  AssignRevisions(app);
  h.driver.behavior[app.workloads["svc"].revision] = FakeDriver::Behavior::kCrashOnStart;
  h.orch.SetDesired(app);
  for (int i = 0; i < 80; ++i) h.Tick();  // 40 s: several crash-loop restarts
  ASSERT_GE(h.driver.total_starts, 3);
  EXPECT_EQ(h.events.Count("app-svc-", "SecurityContextNotEnforced"), 1u);
}

}  // namespace
}  // namespace capstan::orchestrator
