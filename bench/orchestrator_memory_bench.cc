// orchestrator-memory: what 1,000 tasks cost the orchestrator. An Orchestrator with a
// SimulatedDriver (no processes) and an always-passing in-process health checker runs 1,000
// replicas over 10 workloads (100 with --quick), each task with a readiness and a liveness HTTP
// probe (period 1 s), 2 named ports, 4 environment variables, and a Service per workload (no
// proxy). Once every task is Ready and the probes have cycled, it reports:
//   orchestrator_rss_mb  RSS after steady state minus RSS before anything was built (target < 30)
//   step_us              one Step() with every task Ready, median of the timed Steps (p99 too)
//   tasks                tasks in the runner
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "bench/bench_report.h"
#include "bench/benchmarks.h"
#include "model/clock.h"
#include "orchestrator/event_log.h"
#include "orchestrator/health_checker.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/scheduler.h"
#include "orchestrator/simulated_driver.h"

namespace capstan::bench {
namespace {

namespace orch = capstan::orchestrator;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Every check passes, answered on the next Poll().
class PassingChecker final : public orch::HealthChecker {
 public:
  void Begin(const orch::HealthCheckRequest& request) override {
    done_.push_back({request.id, true, "HTTP 200"});
    ++begun_;
  }
  std::vector<orch::HealthCheckResult> Poll(std::chrono::milliseconds) override {
    std::vector<orch::HealthCheckResult> out;
    out.swap(done_);
    return out;
  }
  std::size_t InFlight() const override { return done_.size(); }
  std::uint64_t begun() const { return begun_; }

 private:
  std::vector<orch::HealthCheckResult> done_;
  std::uint64_t begun_ = 0;
};

orch::AppSpec Spec(int workloads, int replicas_each) {
  orch::AppSpec app;
  app.app = "mem";
  for (int i = 0; i < workloads; ++i) {
    const std::string name = "w" + std::to_string(i);
    model::WorkloadSpec w;
    w.replicas = replicas_each;
    w.selector = {{"app", name}};
    w.task.labels = {{"app", name}, {"tier", "bench"}};
    model::ContainerSpec c;
    c.name = "main";
    c.image = "example/" + name + ":1";
    c.command = {"/usr/bin/" + name};
    c.args = {"--listen", "$(PORT)"};
    c.env = {{"MODE", model::EnvSource::kLiteral, "bench", "", "", false},
             {"NAME", model::EnvSource::kLiteral, name, "", "", false},
             {"LEVEL", model::EnvSource::kLiteral, "info", "", "", false},
             {"REGION", model::EnvSource::kLiteral, "local", "", "", false}};
    c.ports = {{"http", 8080, 0, "TCP"}, {"admin", 9090, 0, "TCP"}};
    c.resources.cpu_request_millis = 10;
    c.resources.memory_request_bytes = 16 << 20;
    model::ProbeSpec probe;
    probe.port = "http";
    probe.path = "/healthz";
    probe.period_seconds = 1;
    c.readiness = probe;
    c.liveness = probe;
    w.task.containers.push_back(std::move(c));
    app.workloads[name] = std::move(w);
    model::ServiceSpec svc;
    svc.selector = {{"app", name}};
    svc.ports = {{"http", 80, "http", "TCP"}};
    app.services[name] = std::move(svc);
  }
  return app;
}

}  // namespace

int RunOrchestratorMemory(const BenchArgs& args) {
  const int workloads = 10;
  const int replicas_each = args.quick ? 10 : 100;
  const int total = workloads * replicas_each;
  const double baseline_mb = CurrentRssMb();

  model::SystemClock clock;
  auto scheduler = std::make_unique<orch::Scheduler>();
  orch::NodeInfo node;
  node.cpu_millis = 1'000'000;
  node.memory_bytes = 1ll << 42;
  node.port_min = 10000;
  node.port_max = 60000;
  scheduler->AddNode(node);
  auto driver = std::make_unique<orch::SimulatedDriver>(clock);
  auto checker = std::make_unique<PassingChecker>();
  auto events = std::make_unique<orch::EventLog>(clock);
  auto orchestrator = std::make_unique<orch::Orchestrator>(
      clock, *scheduler,
      std::map<model::DriverKind, orch::Driver*>{{model::DriverKind::kProcess, driver.get()}},
      *checker, *events, nullptr);
  orchestrator->SetDesired(Spec(workloads, replicas_each));

  auto all_ready = [&] {
    auto s = orchestrator->Status("mem");
    int ready = 0;
    for (const auto& [n, w] : s.workloads) ready += w.ready;
    return ready;
  };
  const auto deadline = Steady::now() + 60s;
  int ready = 0;
  while ((ready = all_ready()) < total && Steady::now() < deadline) {
    orchestrator->Step();
    std::this_thread::sleep_for(1ms);
  }
  // Steady state: let every probe cycle at least once more (period 1 s).
  const auto settle = Steady::now() + 1200ms;
  while (Steady::now() < settle) {
    orchestrator->Step();
    std::this_thread::sleep_for(10ms);
  }
  const double rss_mb = CurrentRssMb();

  std::vector<double> step_us;
  const int timed = args.quick ? 50 : 200;
  for (int i = 0; i < timed; ++i) {
    const auto t0 = Steady::now();
    orchestrator->Step();
    step_us.push_back(std::chrono::duration<double, std::micro>(Steady::now() - t0).count());
    std::this_thread::sleep_for(5ms);  // probes come due over time, as in the daemon's loop
  }
  std::sort(step_us.begin(), step_us.end());

  BenchReport report("orchestrator-memory");
  report.Add("tasks", static_cast<double>(orchestrator->runner().tasks().size()),
             std::to_string(workloads) + " workloads");
  report.Add("ready", ready);
  report.Add("baseline_rss_mb", baseline_mb, "before building the orchestrator");
  report.Add("rss_mb", rss_mb, "after steady state");
  report.Add("orchestrator_rss_mb", rss_mb - baseline_mb, "target < 30");
  report.Add("kb_per_task", (rss_mb - baseline_mb) * 1024.0 / std::max(1, total));
  report.Add("step_us", step_us[step_us.size() / 2], "median Step() with every task Ready");
  report.Add("step_p99_us", step_us[std::min(step_us.size() - 1, step_us.size() * 99 / 100)]);
  report.Add("health_checks", static_cast<double>(checker->begun()));
  report.Add("peak_rss_mb", PeakRssMb());
  report.Print(args.json);
  orchestrator.reset();
  return ready == total ? 0 : 1;
}

}  // namespace capstan::bench
