// End-to-end scenarios of the orchestrator with real processes (issue 3): the capstan-test-server
// helper run by the ProcessDriver, probed by the CurlHealthChecker, served by the ServiceProxy,
// all on the SystemClock. Probe periods are 1 s and grace periods 1-2 s, so each test takes a
// few seconds; every wait is a poll with a generous deadline.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "tests/orchestrator/real_process_fixture.h"

namespace capstan::orchestrator::e2e {
namespace {

using scenario::Deploy;
using scenario::Describe;
using scenario::EventsText;
using scenario::ExpectNoLostRequestDuringRollout;
using scenario::RollAndWatch;
using scenario::Settled;

// 1. Rolling updates keep the available count, checked at every step.

TEST(RealRollingUpdate, FiveReplicasSurgeOneNeverBelowFiveReady) {
  RealHarness h;
  AppSpec app;
  app.app = "roll";
  app.workloads["web"] = ServerWorkload("web", 5, {"--version", "v1"});
  app.workloads["web"].max_surge = model::IntOrPercent::Count(1);
  app.workloads["web"].max_unavailable = model::IntOrPercent::Count(0);
  const std::string v1 = Deploy(h, app, "web", 5);
  ASSERT_FALSE(v1.empty());

  app.workloads["web"].task.containers[0].args = {"--version", "v2"};
  WorkloadStatus w = RollAndWatch(h, app, "web", 5, /*min_ready=*/5, /*max_total=*/6);
  EXPECT_NE(w.current_revision, v1);
  EXPECT_EQ(h.events().Count("roll/Workload/web", "RolloutComplete"), 2u);
}

TEST(RealRollingUpdate, EcsMinimumHealthyFiftyPercentNeverBelowThreeOfSix) {
  RealHarness h;
  AppSpec app;
  app.app = "ecs";
  app.workloads["svc"] = ServerWorkload("svc", 6, {"--version", "v1"});
  app.workloads["svc"].ecs = model::EcsDeployment{50, 200, false, false};
  const std::string v1 = Deploy(h, app, "svc", 6);
  ASSERT_FALSE(v1.empty());

  app.workloads["svc"].task.containers[0].args = {"--version", "v2"};
  WorkloadStatus w = RollAndWatch(h, app, "svc", 6, /*min_ready=*/3, /*max_total=*/12);
  EXPECT_NE(w.current_revision, v1);
}

// 2. Zero lost requests through the Service proxy during a rolling update.

TEST(RealServiceProxy, RollingUpdateUnderLoadLosesNoRequest) {
  RealHarness h;
  AppSpec app;
  app.app = "shop";
  app.workloads["web"] = ServerWorkload("web", 3, {"--version", "v1"});
  app.workloads["web"].max_surge = model::IntOrPercent::Count(1);
  app.workloads["web"].max_unavailable = model::IntOrPercent::Count(0);
  app.services["web"] = ServiceFor("web");
  Deploy(h, app, "web", 3);
  ExpectNoLostRequestDuringRollout(h, app, [](AppSpec& a) {
    a.workloads["web"].task.containers[0].args = {"--version", "v2"};
  });
}

// Services by cluster IP and by name, as a Kubernetes pod reaches them: two Services of one app on
// the same port each get their own address; a process resolves `web` (its own app) and
// `api.<app>.svc.cluster.local` through the hosts file Capstan mounts over its /etc/hosts.
TEST(RealServiceNames, ProcessesReachServicesOnTheSamePortByNameAndAddress) {
  if (::geteuid() != 0) GTEST_SKIP() << "a private /etc/hosts for a process needs root";
  RealHarness h(/*ephemeral_service_ports=*/false);
  AppSpec app;
  app.app = "svcnames" + std::to_string(::getpid());
  app.workloads["web"] = ServerWorkload("web", 1, {"--version", "web1"});
  app.services["web"] = ServiceFor("web");
  app.workloads["api"] = ServerWorkload("api", 1, {"--version", "api7"});
  app.services["api"] = ServiceFor("api");  // port 80 too
  Deploy(h, app, "web", 1);
  Deploy(h, app, "api", 1);
  const auto services = h.orch().Status(app.app).services;
  ASSERT_TRUE(services.at("web").ports.at(0).error.empty()) << services.at("web").ports[0].error;
  ASSERT_TRUE(services.at("api").ports.at(0).error.empty()) << services.at("api").ports[0].error;
  EXPECT_NE(services.at("web").cluster_ip, services.at("api").cluster_ip);

  model::WorkloadSpec client;
  client.replicas = 1;
  client.selector = {{"app", "client"}};
  client.task.labels = {{"app", "client"}};
  client.task.termination_grace_period_seconds = 1;
  model::ContainerSpec c;
  c.name = "client";
  c.command = {"/bin/sh", "-c",
               "curl -sf http://web/ > web.out; "
               "curl -sf http://api." +
                   app.app +
                   ".svc.cluster.local:80/ > api.out; "
                   "curl -sf http://$API_SERVICE_HOST:$API_SERVICE_PORT/ > env.out; "
                   "touch done; exec sleep 600"};
  // An exec probe runs with the task's names too.
  model::ProbeSpec resolves;
  resolves.action = model::ProbeAction::kExec;
  resolves.command = {"getent", "hosts", "web"};
  resolves.period_seconds = 1;
  c.readiness = resolves;
  client.task.containers.push_back(c);
  app.workloads["client"] = client;
  h.orch().SetDesired(app);
  std::string dir;
  ASSERT_TRUE(h.RunUntil(
      [&] {
        for (const auto& [id, t] : h.orch().runner().tasks()) {
          if (t.owner == "client" && std::filesystem::exists(t.launch.task_dir + "/done")) {
            dir = t.launch.task_dir;
            return true;
          }
        }
        return false;
      },
      20s));
  auto read = [&](const std::string& file) {
    std::ifstream in(dir + "/" + file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_NE(read("web.out").find("web1"), std::string::npos) << read("web.out");
  EXPECT_NE(read("api.out").find("api7"), std::string::npos) << read("api.out");
  EXPECT_NE(read("env.out").find("api7"), std::string::npos) << read("env.out");
  EXPECT_TRUE(
      h.RunUntil([&] { return ReadyOf(h.orch().Status(app.app).workloads["client"]) == 1; }, 10s));
  // The node's /etc/hosts is untouched: the names live in the task's own mount namespace.
  std::ifstream node_hosts("/etc/hosts");
  std::string node(std::istreambuf_iterator<char>(node_hosts), {});
  EXPECT_EQ(node.find("cluster.local"), std::string::npos);
}

// 3. Automatic rollback with real processes: v1 keeps every Ready task throughout.

struct RollbackCase {
  std::vector<std::string> v2_args;
  int progress_deadline_seconds = 600;
  int readiness_failure_threshold = 2;
  int min_ready_seconds = 0;
  // Whether v1 must keep all its Ready tasks throughout. Not so when v2 passes its checks and
  // only crashes later without minReadySeconds: the rollout rightly replaced v1 tasks meanwhile.
  bool v1_untouched = true;
};

// Deploys 3 replicas of v1, rolls to a bad v2, and checks it is rolled back without v1 ever
// losing a Ready task. Returns v2's revision.
std::string RollBackFromBadRevision(RealHarness& h, AppSpec& app, const RollbackCase& c) {
  app.app = "rb";
  app.workloads["web"] = ServerWorkload("web", 3, {"--version", "v1"});
  app.workloads["web"].max_surge = model::IntOrPercent::Count(1);
  app.workloads["web"].max_unavailable = model::IntOrPercent::Count(0);
  app.workloads["web"].progress_deadline_seconds = c.progress_deadline_seconds;
  app.workloads["web"].min_ready_seconds = c.min_ready_seconds;
  app.workloads["web"].task.containers[0].readiness =
      HttpProbe("/healthz", c.readiness_failure_threshold);
  const std::string v1 = Deploy(h, app, "web", 3);

  app.workloads["web"].task.containers[0].args = c.v2_args;
  h.orch().SetDesired(app);
  const std::string v2 = h.Workload("rb", "web").desired_revision;
  EXPECT_NE(v2, v1);
  int lowest_v1_ready = 3;
  bool saw_v2_task = false;
  WorkloadStatus w;
  bool rolled_back = h.RunUntil(
      [&] { return w.phase == RolloutPhase::kRolledBack && w.total == 3 && ReadyOf(w, v1) == 3; },
      60s,
      [&] {
        w = h.Workload("rb", "web");
        lowest_v1_ready = std::min(lowest_v1_ready, ReadyOf(w, v1));
        for (const auto& t : w.tasks) saw_v2_task |= t.revision == v2;
      });
  EXPECT_TRUE(rolled_back) << Describe(w) << EventsText(h.events());
  EXPECT_TRUE(saw_v2_task) << "v2 was never tried";
  if (c.v1_untouched) {
    EXPECT_EQ(lowest_v1_ready, 3) << EventsText(h.events());
  }
  EXPECT_EQ(w.current_revision, v1);
  EXPECT_EQ(w.failed_revisions, std::vector<std::string>{v2});
  EXPECT_EQ(h.events().Count("rb/Workload/web", "RollingBack"), 1u);
  // The v2 tasks go away; v1 stays.
  EXPECT_TRUE(h.RunUntil(
      [&] {
        w = h.Workload("rb", "web");
        return std::all_of(w.tasks.begin(), w.tasks.end(),
                           [&](const TaskSummary& t) { return t.revision == v1; });
      },
      30s))
      << Describe(w);
  return v2;
}

TEST(RealRollback, RevisionFailingReadinessIsRolledBackAndNotRetried) {
  RealHarness h;
  AppSpec app;
  const std::string v2 = RollBackFromBadRevision(h, app, {{"--version", "v2", "--unhealthy"}});
  const std::string v2_tasks = "rb-web-" + v2.substr(0, 8);
  const std::size_t created = h.events().Count(v2_tasks, "Created");
  EXPECT_GE(created, 1u);

  // The same spec again (a re-sync): the failed revision is not tried again.
  h.orch().SetDesired(app);
  bool v2_seen = false;
  h.RunFor(3s, [&] {
    for (const auto& t : h.Workload("rb", "web").tasks) v2_seen |= t.revision == v2;
  });
  EXPECT_FALSE(v2_seen);
  EXPECT_EQ(h.events().Count(v2_tasks, "Created"), created);
  EXPECT_GE(h.events().Count("rb/Workload/web", "SkippedFailedRevision"), 1u);
  WorkloadStatus w = h.Workload("rb", "web");
  EXPECT_EQ(w.ready, 3);
  EXPECT_EQ(w.desired_revision, v2);
  EXPECT_NE(w.current_revision, v2);
}

TEST(RealRollback, CrashLoopingRevisionIsRolledBack) {
  // v2 crashes at 0.5 s, before it could turn Ready: restarted twice (back-off shortened by the
  // harness), it is crash-looping.
  RealHarness h;
  AppSpec app;
  RollbackCase c;
  c.v2_args = {"--version", "v2", "--crash-after", "0.5", "--ready-after", "5"};
  c.readiness_failure_threshold = 3;
  RollBackFromBadRevision(h, app, c);
  const WorkloadStatus w = h.Workload("rb", "web");
  EXPECT_NE(w.message.find("crash-looping"), std::string::npos) << w.message;
}

TEST(RealRollback, RevisionExitingSoonAfterReadyIsRolledBackWithoutTouchingV1) {
  // v2 turns Ready at once and crashes at 0.5 s. With minReadySeconds 2 it never counts as
  // available, so no v1 task is replaced; the early exit fails the revision.
  RealHarness h;
  AppSpec app;
  RollbackCase c;
  c.v2_args = {"--version", "v2", "--crash-after", "0.5"};
  c.min_ready_seconds = 2;
  RollBackFromBadRevision(h, app, c);
  const WorkloadStatus w = h.Workload("rb", "web");
  EXPECT_NE(w.message.find("exited soon after becoming ready"), std::string::npos) << w.message;
}

TEST(RealRollback, RevisionExitingSoonAfterReadyIsRolledBackAndV1Restored) {
  // Without minReadySeconds v2 counts as available as soon as it is Ready, so the rollout rightly
  // replaces v1 tasks until the first crash; that early exit fails the revision and v1 is
  // restored to all its replicas.
  RealHarness h;
  AppSpec app;
  RollbackCase c;
  c.v2_args = {"--version", "v2", "--crash-after", "0.5"};
  c.v1_untouched = false;
  RollBackFromBadRevision(h, app, c);
  const WorkloadStatus w = h.Workload("rb", "web");
  EXPECT_NE(w.message.find("exited soon after becoming ready"), std::string::npos) << w.message;
}

TEST(RealRollback, RevisionMissingItsProgressDeadlineIsRolledBack) {
  RealHarness h;
  AppSpec app;
  RollbackCase c;
  c.v2_args = {"--version", "v2", "--ready-after", "999"};
  c.progress_deadline_seconds = 3;
  c.readiness_failure_threshold = 1000;  // never "failed", only never Ready
  const auto start = Steady::now();
  RollBackFromBadRevision(h, app, c);
  const WorkloadStatus w = h.Workload("rb", "web");
  EXPECT_NE(w.message.find("ProgressDeadlineExceeded"), std::string::npos) << w.message;
  EXPECT_GE(Steady::now() - start, 3s);
}

// 4. A task that ignores SIGTERM is killed after its grace period, not before.

TEST(RealTermination, SigtermIgnoringTaskIsKilledAfterTheGracePeriod) {
  RealHarness h;
  AppSpec app;
  app.app = "term";
  app.workloads["stubborn"] = ServerWorkload("stubborn", 1, {"--ignore-sigterm"});
  app.workloads["stubborn"].task.termination_grace_period_seconds = 1;
  app.workloads["polite"] = ServerWorkload("polite", 1, {});
  app.workloads["polite"].task.termination_grace_period_seconds = 1;
  h.orch().SetDesired(app);
  ASSERT_TRUE(h.RunUntil(
      [&] {
        return h.Workload("term", "stubborn").ready == 1 && h.Workload("term", "polite").ready == 1;
      },
      30s))
      << EventsText(h.events());
  const std::string stubborn = h.Workload("term", "stubborn").tasks.at(0).id;
  const std::string polite = h.Workload("term", "polite").tasks.at(0).id;
  const int stubborn_pid = h.PidOf(stubborn);
  const int polite_pid = h.PidOf(polite);
  ASSERT_GT(stubborn_pid, 0);
  ASSERT_GT(polite_pid, 0);
  auto alive = [](int pid) {
    auto st = ReadProcStat(pid);
    return st.ok() && st->state != 'Z';
  };

  h.orch().RemoveApp("term");
  const auto stop_requested = Steady::now();  // the next Step sends SIGTERM
  std::optional<Steady::duration> stubborn_died, polite_died;
  bool gone = h.RunUntil([&] { return stubborn_died && polite_died; }, 15s,
                         [&] {
                           const auto now = Steady::now() - stop_requested;
                           if (!stubborn_died && !alive(stubborn_pid)) stubborn_died = now;
                           if (!polite_died && !alive(polite_pid)) polite_died = now;
                         },
                         20ms);
  ASSERT_TRUE(gone) << EventsText(h.events());
  EXPECT_GE(*stubborn_died, 1s) << "killed before its grace period ran out";
  EXPECT_LE(*stubborn_died, 5s);
  EXPECT_LT(*polite_died, *stubborn_died);

  // The exits are seen (and their events recorded) on the Steps after the processes died.
  h.RunUntil(
      [&] {
        return EventsText(h.events(), stubborn).find("killed by signal 9") != std::string::npos &&
               EventsText(h.events(), polite).find("killed by signal 15") != std::string::npos;
      },
      10s);
  const std::string stubborn_events = EventsText(h.events(), stubborn);
  EXPECT_NE(stubborn_events.find("grace period of 1s expired; killing"), std::string::npos)
      << stubborn_events;
  EXPECT_NE(stubborn_events.find("killed by signal 9"), std::string::npos) << stubborn_events;
  const std::string polite_events = EventsText(h.events(), polite);
  EXPECT_EQ(polite_events.find("expired; killing"), std::string::npos) << polite_events;
  EXPECT_NE(polite_events.find("killed by signal 15"), std::string::npos) << polite_events;
}

// 5. Jobs with real processes.

model::JobSpec ServerJob(std::vector<std::string> args, model::RestartPolicy policy) {
  model::JobSpec j;
  model::ContainerSpec c;
  c.name = "main";
  c.command = {CAPSTAN_TEST_SERVER};
  c.args = std::move(args);
  j.task.containers.push_back(std::move(c));
  j.task.restart_policy = policy;
  j.task.termination_grace_period_seconds = 1;
  return j;
}

TEST(RealJob, RunsToCompletionWithParallelism) {
  RealHarness h;
  AppSpec app;
  app.app = "batch";
  app.jobs["report"] = ServerJob({"--exit-after", "0.2"}, model::RestartPolicy::kNever);
  app.jobs["report"].completions = 3;
  app.jobs["report"].parallelism = 2;
  h.orch().SetDesired(app);
  int most_active = 0;
  JobStatus j;
  ASSERT_TRUE(h.RunUntil([&] { return j.phase != JobPhase::kRunning; }, 30s,
                         [&] {
                           j = h.orch().Status("batch").jobs["report"];
                           most_active = std::max(most_active, j.active);
                         }))
      << EventsText(h.events());
  EXPECT_EQ(j.phase, JobPhase::kComplete) << j.reason;
  EXPECT_EQ(j.succeeded, 3);
  EXPECT_EQ(j.failed, 0);
  EXPECT_EQ(most_active, 2);
  EXPECT_EQ(h.events().Count("batch-report-", "Completed"), 3u);
}

TEST(RealJob, BackoffLimitFailsTheJob) {
  RealHarness h;
  AppSpec app;
  app.app = "batch";
  // OnFailure: restarted in place (crash-loop back-off shortened by the harness) until more than
  // backoffLimit failed runs.
  app.jobs["retry"] = ServerJob({"--exit-code", "3"}, model::RestartPolicy::kOnFailure);
  app.jobs["retry"].backoff_limit = 2;
  // Never: the first failed task already exceeds a limit of 0.
  app.jobs["once"] = ServerJob({"--exit-code", "3"}, model::RestartPolicy::kNever);
  app.jobs["once"].backoff_limit = 0;
  h.orch().SetDesired(app);
  JobStatus retry, once;
  ASSERT_TRUE(h.RunUntil(
      [&] {
        retry = h.orch().Status("batch").jobs["retry"];
        once = h.orch().Status("batch").jobs["once"];
        return retry.phase != JobPhase::kRunning && once.phase != JobPhase::kRunning &&
               retry.active == 0 && once.active == 0;
      },
      30s))
      << EventsText(h.events());
  EXPECT_EQ(retry.phase, JobPhase::kFailed);
  EXPECT_EQ(retry.reason, "BackoffLimitExceeded");
  EXPECT_EQ(retry.failed, 3);
  EXPECT_EQ(retry.succeeded, 0);
  EXPECT_EQ(once.phase, JobPhase::kFailed);
  EXPECT_EQ(once.reason, "BackoffLimitExceeded");
  EXPECT_EQ(once.failed, 1);
  EXPECT_EQ(h.events().Count("batch-once-", "Created"), 1u);
  EXPECT_NE(EventsText(h.events(), "batch-retry-").find("exited with code 3"), std::string::npos);
}

}  // namespace
}  // namespace capstan::orchestrator::e2e
