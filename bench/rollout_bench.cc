// rollout: a rolling update of 100 real processes (capstan-test-server; 10 with --quick) through
// the real Orchestrator (SystemClock, ProcessDriver, CurlHealthChecker), maxSurge 25% and
// maxUnavailable 0, readiness probe on /healthz with initialDelaySeconds 1 and periodSeconds 1.
//
// Figures:
//   wall_ms        from SetDesired(v2) until the rollout is Complete (every replica of v2 Ready
//                  and no v1 task left that is not being stopped).
//   probe_wait_ms  the waits no orchestrator can avoid: the probe schedule. For each v2 task,
//                  the interval from its start to the beginning of the readiness probe that
//                  passed (the initial delay, plus a period for every failed probe before it).
//                  Waves overlap when tasks of one wave turn Ready in different Steps, so the
//                  figure is the length of the UNION of those intervals: the time during which
//                  at least one new task was still waiting for its probe schedule.
//   overhead_ms    wall_ms - probe_wait_ms: placing and spawning processes, the Step cadence
//                  (a Step every 5 ms here), probe latency, controller reactions, stopping v1.
//   overhead_pct   overhead_ms / wall_ms (target < 10%).
//
// The test server is found through $CAPSTAN_TEST_SERVER, else the CAPSTAN_TEST_SERVER compile
// definition, else next to this binary's build tree (../tests/orchestrator/capstan-test-server).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "bench/bench_report.h"
#include "bench/benchmarks.h"
#include "model/clock.h"
#include "orchestrator/curl_health_checker.h"
#include "orchestrator/event_log.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/proc_stat.h"
#include "orchestrator/process_driver.h"
#include "orchestrator/scheduler.h"

namespace capstan::bench {
namespace {

namespace fs = std::filesystem;
namespace orch = capstan::orchestrator;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string TestServerPath() {
  if (const char* env = std::getenv("CAPSTAN_TEST_SERVER")) return env;
#ifdef CAPSTAN_TEST_SERVER
  if (fs::exists(CAPSTAN_TEST_SERVER)) return CAPSTAN_TEST_SERVER;
#endif
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path dir = exe.parent_path(); !ec && !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    fs::path candidate = dir / "tests/orchestrator/capstan-test-server";
    if (fs::exists(candidate)) return candidate.string();
  }
  return "";
}

double Ms(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Length of the union of [start, end) intervals.
Steady::duration UnionLength(std::vector<std::pair<Steady::time_point, Steady::time_point>> iv) {
  std::sort(iv.begin(), iv.end());
  Steady::duration total{0};
  Steady::time_point cur_start, cur_end;
  bool open = false;
  for (const auto& [s, e] : iv) {
    if (e <= s) continue;
    if (!open || s > cur_end) {
      if (open) total += cur_end - cur_start;
      cur_start = s;
      cur_end = e;
      open = true;
    } else {
      cur_end = std::max(cur_end, e);
    }
  }
  if (open) total += cur_end - cur_start;
  return total;
}

model::WorkloadSpec Workload(const std::string& server, int replicas, const std::string& version) {
  model::WorkloadSpec w;
  w.replicas = replicas;
  w.selector = {{"app", "web"}};
  w.max_surge = model::IntOrPercent::Percent(25);
  w.max_unavailable = model::IntOrPercent::Count(0);
  w.task.labels = {{"app", "web"}};
  w.task.termination_grace_period_seconds = 5;
  model::ContainerSpec c;
  c.name = "server";
  c.command = {server};
  c.args = {"--version", version};
  c.ports = {{"http", 8080, 0, "TCP"}};
  model::ProbeSpec ready;
  ready.port = "http";
  ready.path = "/healthz";
  ready.initial_delay_seconds = 1;
  ready.period_seconds = 1;
  ready.timeout_seconds = 2;
  c.readiness = ready;
  w.task.containers.push_back(std::move(c));
  return w;
}

}  // namespace

int RunRollout(const BenchArgs& args) {
  const std::string server = TestServerPath();
  if (server.empty()) {
    std::fprintf(stderr,
                 "rollout: capstan-test-server not found; build it or set CAPSTAN_TEST_SERVER\n");
    return 1;
  }
  const int replicas = args.quick ? 10 : 100;
  const fs::path dir = fs::temp_directory_path() / ("capstan-rollout-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);

  model::SystemClock clock;
  orch::Scheduler scheduler;
  orch::NodeInfo node;
  node.cpu_millis = 1'000'000;
  node.memory_bytes = 1ll << 40;
  // A random block below the ephemeral range, to keep clear of other programs' ports.
  node.port_min = 12000 + static_cast<int>(std::random_device{}() % 40) * 500;
  node.port_max = node.port_min + 499;
  scheduler.AddNode(node);
  orch::ProcessDriver driver((dir / "tasks").string());
  orch::CurlHealthChecker checker(clock);
  orch::EventLog events(clock, 1 << 16);
  orch::OrchestratorOptions options;
  options.runner.task_dir_root = (dir / "tasks").string();
  auto orchestrator = std::make_unique<orch::Orchestrator>(
      clock, scheduler,
      std::map<model::DriverKind, orch::Driver*>{{model::DriverKind::kProcess, &driver}}, checker,
      events, nullptr, options);
  std::set<std::pair<int, std::uint64_t>> pids;  // every process seen, for the cleanup
  auto step = [&] {
    orchestrator->Step();
    for (const auto& [id, t] : orchestrator->runner().tasks()) {
      if (!t.handle) continue;
      for (const auto& c : t.handle->containers) pids.insert({c.pid, c.start_time_ticks});
    }
  };
  auto status = [&] { return orchestrator->Status("bench").workloads["web"]; };

  orch::AppSpec app;
  app.app = "bench";
  app.workloads["web"] = Workload(server, replicas, "v1");
  orchestrator->SetDesired(app);
  bool ok = true;
  auto deadline = Steady::now() + 180s;
  for (;;) {
    step();
    auto w = status();
    if (w.phase == orch::RolloutPhase::kComplete && w.ready == replicas) break;
    if (Steady::now() > deadline) {
      std::fprintf(stderr, "rollout: v1 did not become ready: %s\n", w.message.c_str());
      ok = false;
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  // Let v1's probes settle (and the machine calm down) before timing.
  for (int i = 0; ok && i < 20; ++i) {
    step();
    std::this_thread::sleep_for(25ms);
  }

  BenchReport report("rollout");
  if (ok) {
    app.workloads["web"].task.containers[0].args = {"--version", "v2"};
    const auto t0 = Steady::now();
    orchestrator->SetDesired(app);
    const std::string v2 = status().desired_revision;
    // task id -> [started, passing probe began)
    std::map<std::string, std::pair<Steady::time_point, Steady::time_point>> waits;
    int steps = 0;
    Steady::time_point t1;
    deadline = Steady::now() + 300s;
    for (;;) {
      step();
      ++steps;
      for (const auto& [id, t] : orchestrator->runner().tasks()) {
        if (t.revision != v2 || t.phase != orch::TaskPhase::kReady || waits.count(id)) continue;
        for (const auto& p : t.probes) {
          if (p.tracker.kind() != orch::ProbeKind::kReadiness) continue;
          auto next = p.tracker.NextDue();
          // The passing probe began one period before the next one is due.
          Steady::time_point began =
              next ? *next - std::chrono::seconds(p.tracker.spec().period_seconds) : clock.Now();
          waits[id] = {t.started_at, began};
        }
      }
      auto w = status();
      if (w.phase == orch::RolloutPhase::kComplete && w.current_revision == v2 &&
          w.ready == replicas) {
        t1 = Steady::now();
        break;
      }
      if (Steady::now() > deadline || w.phase == orch::RolloutPhase::kRolledBack) {
        std::fprintf(stderr, "rollout: v2 did not complete: %s\n", w.message.c_str());
        ok = false;
        t1 = Steady::now();
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
    std::vector<std::pair<Steady::time_point, Steady::time_point>> intervals;
    for (const auto& [id, iv] : waits) intervals.push_back(iv);
    const double wall = Ms(t1 - t0);
    const double probe_wait = Ms(UnionLength(intervals));
    report.Add("replicas", replicas, "capstan-test-server processes");
    report.AddText("strategy", "maxSurge 25%, maxUnavailable 0",
                   "readiness initialDelay 1 s, period 1 s");
    report.Add("wall_ms", wall, "SetDesired(v2) -> rollout Complete");
    report.Add("probe_wait_ms", probe_wait,
               "union over v2 tasks of [start, passing readiness probe began)");
    report.Add("overhead_ms", wall - probe_wait, "wall - probe waits");
    report.Add("overhead_pct", wall > 0 ? 100.0 * (wall - probe_wait) / wall : 0, "target < 10%");
    report.Add("v2_tasks_seen_ready", static_cast<double>(waits.size()));
    report.Add("steps", steps, "a Step every ~5 ms");
    report.Add("completed", ok ? 1 : 0);
  } else {
    report.Add("completed", 0);
  }
  report.Print(args.json);

  // Cleanup: stop everything, then make sure nothing is left (pids checked with start time).
  orchestrator->RemoveApp("bench");
  deadline = Steady::now() + 30s;
  while (!orchestrator->Apps().empty() && Steady::now() < deadline) {
    step();
    std::this_thread::sleep_for(20ms);
  }
  orchestrator.reset();
  for (const auto& [pid, ticks] : pids) {
    auto st = orch::ReadProcStat(pid);
    if (!st.ok() || st->start_time_ticks != ticks) continue;
    if (st->state != 'Z') ::kill(-pid, SIGKILL);
    for (int i = 0; i < 200 && ::waitpid(pid, nullptr, WNOHANG) == 0; ++i) {
      std::this_thread::sleep_for(5ms);
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return ok ? 0 : 1;
}

}  // namespace capstan::bench
