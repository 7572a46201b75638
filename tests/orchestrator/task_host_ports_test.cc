// Host ports another program holds (a FakePortProbe says which): they are never handed out, a
// task that lost its port between hand-out and bind starts again at once on new ports, and a
// fixed hostPort that is taken is a visible scheduling failure, not a crash loop.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "orchestrator/orchestrator.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_driver.h"
#include "tests/fakes/fake_health_checker.h"
#include "tests/fakes/fake_port_probe.h"

namespace capstan::orchestrator {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeDriver;

struct PortHarness {
  testing::FakeClock clock;
  Scheduler scheduler;
  FakeDriver driver;
  testing::FakeHealthChecker checker;
  testing::FakePortProbe probe;
  EventLog events{clock};
  Orchestrator orch{clock,   scheduler, {{model::DriverKind::kProcess, &driver}},
                    checker, events,    nullptr};
  PortHarness() {
    NodeInfo node;
    node.cpu_millis = 8000;
    node.memory_bytes = 8LL << 30;
    node.port_min = 20000;
    node.port_max = 20009;
    scheduler.AddNode(node);
    orch.SetPortProbe(&probe);
  }
  void Tick(model::Duration d = milliseconds(500)) {
    clock.Advance(d);
    orch.Step();
  }
  const Task& Only() {
    EXPECT_EQ(orch.runner().tasks().size(), 1u);
    return orch.runner().tasks().begin()->second;
  }
  // The host port the driver was last asked to start the task on.
  int StartedOn(const std::string& id) {
    return driver.tasks.at(id).spec.containers.at(0).ports.at(0).host_port;
  }
  std::string Messages(const std::string& reason) {
    std::string out;
    for (const Event& e : events.Events()) {
      if (e.reason == reason) out += e.message + "\n";
    }
    return out;
  }
};

// One replica of "web" with a dynamic "http" port (or `host_port`), a readiness probe on /ready,
// and a Service on it.
AppSpec Web(int host_port = 0) {
  model::WorkloadSpec w;
  w.replicas = 1;
  w.task.labels = {{"app", "web"}};
  model::ContainerSpec c;
  c.name = "main";
  c.command = {"/bin/web"};
  c.ports = {{"http", 8080, host_port, "TCP"}};
  model::ProbeSpec ready;
  ready.port = "http";
  ready.path = "/ready";
  ready.period_seconds = 1;
  c.readiness = ready;
  w.task.containers.push_back(c);
  model::ServiceSpec svc;
  svc.selector = {{"app", "web"}};
  svc.ports = {{"http", 80, "http", "TCP"}};
  AppSpec app;
  app.app = "shop";
  app.workloads["web"] = w;
  app.services["web"] = svc;
  return app;
}

std::vector<Endpoint> EndpointsOf(PortHarness& h) {
  return h.orch.Status("shop").services["web"].ports.at(0).endpoints;
}

TEST(HostPorts, APortHeldByAnotherProgramIsSkippedAtHandOut) {
  PortHarness h;
  h.probe.Hold(20000);
  h.probe.Hold(20001, PortProtocol::kUdp);  // another protocol: free for a TCP port
  h.orch.SetDesired(Web());
  h.Tick();
  const Task& t = h.Only();
  ASSERT_TRUE(t.active()) << t.reason << ": " << t.message;
  EXPECT_EQ(h.StartedOn(t.id), 20001);
  EXPECT_EQ(t.host_ports, std::vector<int>{20001});
}

TEST(HostPorts, APortTakenAfterHandOutRestartsTheTaskOnNewPortsWithoutBackOff) {
  PortHarness h;
  h.checker.by_path["/ready"] = false;  // not Ready yet
  h.orch.SetDesired(Web());
  h.Tick();
  const std::string id = h.Only().id;
  ASSERT_EQ(h.StartedOn(id), 20000);

  // Someone binds 20000 before the task does; the task exits (its bind failed).
  h.probe.Hold(20000);
  h.driver.Exit(id, 3);
  h.Tick();  // the exit is seen, and the task starts again in the same step: no back-off

  EXPECT_EQ(h.driver.tasks.at(id).starts, 2);
  EXPECT_EQ(h.StartedOn(id), 20001);
  EXPECT_EQ(h.events.Count(id, "PortInUse"), 1u);
  EXPECT_NE(h.Messages("PortInUse").find("host port 20000/TCP is in use by another program"),
            std::string::npos)
      << h.Messages("PortInUse");
  EXPECT_EQ(h.events.Count(id, "BackOff"), 0u);
  const Task& t = h.Only();
  // Not the task's fault: neither a failure (a Job's backoffLimit) nor a restart (a rollout's
  // crash-loop detection) is counted.
  EXPECT_EQ(t.failures, 0);
  EXPECT_EQ(t.restarts, 0);
  // Only the new port is booked; the held one is the other program's.
  const auto& in_use = h.scheduler.Usage(0)->ports_in_use;
  EXPECT_FALSE(in_use[0]);
  EXPECT_TRUE(in_use[1]);

  // The Service follows the task to its new port once it is Ready.
  h.checker.by_path["/ready"] = true;
  for (int i = 0; i < 4; ++i) h.Tick();
  ASSERT_EQ(h.Only().phase, TaskPhase::kReady);
  const std::vector<Endpoint> want = {Endpoint{"127.0.0.1", 20001}};
  EXPECT_EQ(EndpointsOf(h), want);
}

TEST(HostPorts, PortConflictsDoNotFailARollout) {
  PortHarness h;
  AppSpec app = Web();
  h.orch.SetDesired(app);
  for (int i = 0; i < 3; ++i) h.Tick();
  ASSERT_EQ(h.orch.Status("shop").workloads["web"].ready, 1);

  app.workloads["web"].task.containers[0].command = {"/bin/web", "--v2"};
  h.checker.by_path["/ready"] = false;  // v2 is not Ready yet while its ports are taken
  h.orch.SetDesired(app);
  h.Tick();
  for (int conflict = 0; conflict < TaskRunner::kMaxPortConflictRestarts; ++conflict) {
    for (const auto& [id, t] : h.orch.runner().tasks()) {
      if (t.phase != TaskPhase::kRunning || !t.handle) continue;  // the v2 task, not Ready
      h.probe.Hold(t.host_ports.at(0));
      h.driver.Exit(id, 3);
    }
    h.Tick();
  }
  h.checker.by_path["/ready"] = true;
  for (int i = 0; i < 6; ++i) h.Tick();
  const WorkloadStatus w = h.orch.Status("shop").workloads["web"];
  EXPECT_EQ(h.events.Count("", "PortInUse"),
            static_cast<std::size_t>(TaskRunner::kMaxPortConflictRestarts));
  EXPECT_EQ(h.events.Count("", "RolloutFailed"), 0u);
  EXPECT_EQ(w.phase, RolloutPhase::kComplete) << w.message;
  EXPECT_EQ(w.current_revision, w.desired_revision);
}

TEST(HostPorts, AnEngineSayingAddressInUseGetsNewPortsAtOnce) {
  PortHarness h;
  h.driver.fail_next_starts = 1;
  // What Podman says when rootlessport cannot bind; the holder may be gone by the time we look.
  h.driver.start_error = "rootlessport listen tcp 0.0.0.0:20000: bind: address already in use";
  h.orch.SetDesired(Web());
  h.Tick();
  const Task& t = h.Only();
  EXPECT_EQ(t.reason, "PortInUse");
  EXPECT_NE(h.Messages("PortInUse").find("one of host ports 20000/TCP"), std::string::npos)
      << h.Messages("PortInUse");
  h.Tick();
  EXPECT_EQ(h.StartedOn(t.id), 20001);
  EXPECT_EQ(h.events.Count(t.id, "BackOff"), 0u);
}

TEST(HostPorts, ConflictsAfterConflictFallBackToTheCrashLoopBackOff) {
  PortHarness h;
  h.driver.fail_next_starts = 100;
  h.driver.start_error = "listen tcp4 0.0.0.0:20000: bind: address already in use";
  h.orch.SetDesired(Web());
  for (int i = 0; i < 10; ++i) h.Tick();
  const Task& t = h.Only();
  EXPECT_EQ(h.events.Count(t.id, "PortInUse"),
            static_cast<std::size_t>(TaskRunner::kMaxPortConflictRestarts));
  EXPECT_EQ(h.events.Count(t.id, "BackOff"), 1u);
  EXPECT_EQ(t.reason, "CrashLoopBackOff");
}

TEST(HostPorts, AFailureWithItsPortsFreeIsAnOrdinaryCrashLoop) {
  PortHarness h;
  h.checker.by_path["/ready"] = false;
  h.orch.SetDesired(Web());
  h.Tick();
  const std::string id = h.Only().id;
  h.driver.Exit(id, 1);
  h.Tick();
  EXPECT_EQ(h.events.Count(id, "PortInUse"), 0u);
  EXPECT_EQ(h.events.Count(id, "BackOff"), 1u);
  EXPECT_EQ(h.Only().failures, 1);
}

TEST(HostPorts, AReadyTaskThatDiesDidNotDieOfItsPort) {
  PortHarness h;
  h.orch.SetDesired(Web());
  for (int i = 0; i < 3; ++i) h.Tick();
  const std::string id = h.Only().id;
  ASSERT_EQ(h.Only().phase, TaskPhase::kReady);
  h.probe.Hold(20000);  // e.g. a child it left behind
  h.driver.Exit(id, 1);
  h.Tick();
  EXPECT_EQ(h.events.Count(id, "PortInUse"), 0u);
  EXPECT_EQ(h.events.Count(id, "BackOff"), 1u);
  h.Tick(seconds(11));  // after the back-off it is placed again, away from the held port
  EXPECT_EQ(h.StartedOn(id), 20001);
}

TEST(HostPorts, AFixedHostPortHeldOutsideIsAFailedSchedulingNotACrashLoop) {
  PortHarness h;
  h.probe.Hold(8080);
  h.orch.SetDesired(Web(/*host_port=*/8080));
  for (int i = 0; i < 10; ++i) h.Tick();
  EXPECT_EQ(h.driver.total_starts, 0);
  const WorkloadStatus w = h.orch.Status("shop").workloads["web"];
  ASSERT_EQ(w.tasks.size(), 1u);
  EXPECT_EQ(w.tasks[0].phase, TaskPhase::kPending);
  EXPECT_EQ(w.tasks[0].reason, "Unschedulable");
  EXPECT_EQ(w.tasks[0].message,
            "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod "
            "ports.");
  const std::string id = w.tasks[0].id;
  EXPECT_EQ(h.events.Count(id, "FailedScheduling"), 1u);  // said once, retried quietly
  EXPECT_EQ(h.events.Count(id, "BackOff"), 0u);

  h.probe.Release(8080);
  h.Tick();
  EXPECT_EQ(h.driver.total_starts, 1);
  EXPECT_EQ(h.StartedOn(id), 8080);
}

}  // namespace
}  // namespace capstan::orchestrator
