#include "orchestrator/job_controller.h"

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

struct JobHarness {
  testing::FakeClock clock;
  Scheduler scheduler;
  FakeDriver driver;
  testing::FakeHealthChecker checker;
  EventLog events{clock};
  Orchestrator orch{clock,   scheduler, {{model::DriverKind::kProcess, &driver}},
                    checker, events,    nullptr};
  JobHarness() {
    NodeInfo node;
    node.cpu_millis = 8000;
    node.memory_bytes = 8ll << 30;
    scheduler.AddNode(node);
  }
  void Tick(model::Duration d = milliseconds(500)) {
    clock.Advance(d);
    orch.Step();
  }
  JobStatus J() { return orch.Status("batch").jobs["migrate"]; }
};

AppSpec JobApp(int completions, int parallelism, int backoff_limit,
               model::RestartPolicy policy = model::RestartPolicy::kNever) {
  model::JobSpec j;
  j.completions = completions;
  j.parallelism = parallelism;
  j.backoff_limit = backoff_limit;
  j.task.restart_policy = policy;
  model::ContainerSpec c;
  c.name = "migrate";
  c.command = {"/bin/migrate"};
  j.task.containers.push_back(c);
  AppSpec app;
  app.app = "batch";
  app.jobs["migrate"] = j;
  AssignRevisions(app);
  return app;
}

TEST(Job, RunsToCompletionWithParallelism) {
  JobHarness h;
  h.orch.SetDesired(JobApp(3, 2, 6));
  h.Tick();
  EXPECT_EQ(h.driver.Running().size(), 2u);  // parallelism
  EXPECT_EQ(h.J().active, 2);
  for (const auto& id : h.driver.Running()) h.driver.Exit(id, 0);
  h.Tick();
  h.Tick();
  EXPECT_EQ(h.J().succeeded, 2);
  EXPECT_EQ(h.driver.Running().size(), 1u);  // only one completion left
  for (const auto& id : h.driver.Running()) h.driver.Exit(id, 0);
  h.Tick();
  h.Tick();
  EXPECT_EQ(h.J().phase, JobPhase::kComplete);
  EXPECT_EQ(h.J().succeeded, 3);
  EXPECT_EQ(h.driver.total_starts, 3);
}

TEST(Job, BackoffLimitFailsTheJob) {
  JobHarness h;
  AppSpec app = JobApp(1, 1, 2);
  h.driver.behavior[app.jobs["migrate"].revision] = FakeDriver::Behavior::kCrashOnStart;
  h.orch.SetDesired(app);
  for (int i = 0; i < 400 && h.J().phase == JobPhase::kRunning; ++i) h.Tick(seconds(1));
  EXPECT_EQ(h.J().phase, JobPhase::kFailed);
  EXPECT_EQ(h.J().reason, "BackoffLimitExceeded");
  EXPECT_EQ(h.J().failed, 3);  // backoffLimit 2: the third failure fails the job
  EXPECT_EQ(h.driver.total_starts, 3);
}

TEST(Job, OnFailureRestartsInPlace) {
  JobHarness h;
  AppSpec app = JobApp(1, 1, 1, model::RestartPolicy::kOnFailure);
  h.orch.SetDesired(app);
  h.Tick();
  ASSERT_EQ(h.driver.Running().size(), 1u);
  const std::string id = h.driver.Running()[0];
  h.driver.Exit(id, 3);
  h.Tick();
  h.Tick(seconds(11));  // back-off 10 s
  ASSERT_EQ(h.driver.Running().size(), 1u);
  EXPECT_EQ(h.driver.Running()[0], id);  // the same task, restarted
  EXPECT_EQ(h.driver.tasks[id].starts, 2);
  h.driver.Exit(id, 0);
  h.Tick();
  h.Tick();
  EXPECT_EQ(h.J().phase, JobPhase::kComplete);
}

TEST(Job, ActiveDeadlineStopsIt) {
  JobHarness h;
  AppSpec app = JobApp(1, 1, 6);
  app.jobs["migrate"].active_deadline_seconds = 30;
  h.orch.SetDesired(app);
  h.Tick();
  EXPECT_EQ(h.driver.Running().size(), 1u);
  h.Tick(seconds(29));
  EXPECT_EQ(h.J().phase, JobPhase::kRunning);
  h.Tick(seconds(2));
  h.Tick();
  EXPECT_EQ(h.J().phase, JobPhase::kFailed);
  EXPECT_EQ(h.J().reason, "DeadlineExceeded");
  EXPECT_TRUE(h.driver.Running().empty());
}

}  // namespace
}  // namespace capstan::orchestrator
