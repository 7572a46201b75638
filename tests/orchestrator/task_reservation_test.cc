// A task's CPU, memory and host ports are booked in the scheduler only while it runs (or is about
// to): a task that failed, stopped, or waits out a crash-loop back-off holds nothing, and takes its
// reservation again when it restarts.
#include <gtest/gtest.h>

#include "orchestrator/orchestrator.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_driver.h"
#include "tests/fakes/fake_health_checker.h"

namespace capstan::orchestrator {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeDriver;

// One node of 1 CPU, so two tasks of 600m cannot both be booked.
struct OneCpuNode {
  testing::FakeClock clock;
  Scheduler scheduler;
  FakeDriver driver;
  testing::FakeHealthChecker checker;
  EventLog events{clock};
  Orchestrator orch{clock,   scheduler, {{model::DriverKind::kProcess, &driver}},
                    checker, events,    nullptr};
  OneCpuNode() {
    NodeInfo node;
    node.cpu_millis = 1000;
    node.memory_bytes = 1LL << 30;
    node.port_min = 20000;
    node.port_max = 20009;
    scheduler.AddNode(node);
  }
  void Tick(model::Duration d = milliseconds(500)) {
    clock.Advance(d);
    orch.Step();
  }
  const NodeUsage& Usage() const { return *scheduler.Usage(0); }
  int PortsBooked() const {
    return static_cast<int>(
        std::count(Usage().ports_in_use.begin(), Usage().ports_in_use.end(), true));
  }
  const Task* Only(const std::string& app, const std::string& workload) {
    for (const auto& [id, t] : orch.runner().tasks()) {
      if (t.app == app && t.owner == workload) return &t;
    }
    return nullptr;
  }
};

AppSpec App600(const std::string& name,
               model::RestartPolicy policy = model::RestartPolicy::kAlways) {
  model::WorkloadSpec w;
  w.replicas = 1;
  w.task.labels = {{"app", name}};
  w.task.restart_policy = policy;
  model::ContainerSpec c;
  c.name = "main";
  c.command = {"/bin/" + name};
  c.ports = {{"http", 80, 0, "TCP"}};
  c.resources.cpu_request_millis = 600;
  w.task.containers.push_back(c);
  AppSpec app;
  app.app = name;
  app.workloads["web"] = w;
  AssignRevisions(app);
  return app;
}

TEST(Reservations, ACrashLoopingTaskHoldsNothingDuringItsBackOff) {
  OneCpuNode h;
  AppSpec a = App600("a");
  h.driver.behavior[a.workloads["web"].revision] = FakeDriver::Behavior::kCrashOnStart;
  h.orch.SetDesired(a);
  h.Tick();  // placed and started
  EXPECT_EQ(h.Usage().cpu_millis, 600);
  h.Tick();  // the exit is seen: back-off of 10 s
  ASSERT_EQ(h.Only("a", "web")->reason, "CrashLoopBackOff");
  EXPECT_EQ(h.Usage().cpu_millis, 0);
  EXPECT_EQ(h.Usage().tasks, 0);
  EXPECT_EQ(h.PortsBooked(), 0);

  // A later task fits on the one node (it was "Insufficient cpu" while the failed one held on).
  h.orch.SetDesired(App600("b"));
  h.Tick();
  const Task* b = h.Only("b", "web");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->placed && b->active()) << b->reason << ": " << b->message;
  EXPECT_EQ(h.Usage().cpu_millis, 600);
}

TEST(Reservations, ARestartBooksItsReservationAgain) {
  OneCpuNode h;
  AppSpec a = App600("a");
  h.driver.behavior[a.workloads["web"].revision] = FakeDriver::Behavior::kCrashOnStart;
  h.orch.SetDesired(a);
  int starts = 0;
  for (int i = 0; i < 2 * 40; ++i) {  // 40 s: starts at 0, 10 and 30 s
    h.Tick();
    const Task* t = h.Only("a", "web");
    // Booked exactly while it runs, never twice.
    EXPECT_EQ(h.Usage().cpu_millis, t->placed ? 600 : 0) << i;
    EXPECT_EQ(h.Usage().tasks, t->placed ? 1 : 0) << i;
    EXPECT_EQ(h.PortsBooked(), t->placed ? 1 : 0) << i;
    EXPECT_EQ(t->placed, t->active()) << i;
    starts = h.driver.total_starts;
  }
  EXPECT_EQ(starts, 3);
}

TEST(Reservations, ATaskThatCannotFitAfterItsBackOffWaitsUnschedulable) {
  OneCpuNode h;
  AppSpec a = App600("a");
  h.driver.behavior[a.workloads["web"].revision] = FakeDriver::Behavior::kCrashOnStart;
  h.orch.SetDesired(a);
  h.Tick();
  h.Tick();
  h.orch.SetDesired(App600("b"));  // takes the CPU during a's back-off
  h.Tick();
  h.Tick(seconds(11));
  const Task* t = h.Only("a", "web");
  EXPECT_EQ(t->phase, TaskPhase::kPending);
  EXPECT_EQ(t->reason, "Unschedulable");
  EXPECT_EQ(t->message, "0/1 nodes are available: 1 Insufficient cpu.");
  EXPECT_EQ(h.Usage().cpu_millis, 600);
  // Once b is gone, a runs again.
  const int starts = h.driver.StartsOfRevision(a.workloads["web"].revision);
  h.orch.RemoveApp("b");
  for (int i = 0; i < 4; ++i) h.Tick();
  EXPECT_EQ(h.driver.StartsOfRevision(a.workloads["web"].revision), starts + 1);
}

TEST(Reservations, AFailedTaskAndAStoppedTaskHoldNothing) {
  OneCpuNode h;
  AppSpec a = App600("a", model::RestartPolicy::kNever);
  model::JobSpec job;
  job.task = a.workloads["web"].task;
  job.backoff_limit = 0;
  a.workloads.clear();
  a.jobs["once"] = job;
  AssignRevisions(a);
  h.driver.behavior[a.jobs["once"].revision] = FakeDriver::Behavior::kCrashOnStart;
  h.orch.SetDesired(a);
  h.Tick();
  EXPECT_EQ(h.Usage().cpu_millis, 600);
  h.Tick();
  ASSERT_EQ(h.orch.Status("a").jobs["once"].phase, JobPhase::kFailed);
  EXPECT_EQ(h.Usage().cpu_millis, 0);
  EXPECT_EQ(h.PortsBooked(), 0);

  h.orch.SetDesired(App600("b"));
  h.Tick();
  EXPECT_EQ(h.Usage().cpu_millis, 600);
  h.orch.RemoveApp("b");
  for (int i = 0; i < 4; ++i) h.Tick();
  EXPECT_EQ(h.Usage().cpu_millis, 0);
  EXPECT_EQ(h.Usage().tasks, 0);
  EXPECT_EQ(h.PortsBooked(), 0);
}

}  // namespace
}  // namespace capstan::orchestrator
