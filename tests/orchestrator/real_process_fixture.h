#pragma once

// A real Orchestrator for end-to-end scenarios: SystemClock, ProcessDriver in a temp directory,
// CurlHealthChecker and a running ServiceProxy, driven by Step() every ~50 ms. Workloads run the
// capstan-test-server helper (CAPSTAN_TEST_SERVER). The harness never leaves processes behind: on
// destruction it removes every app, steps until the tasks are gone, then SIGKILLs the process
// group of every task it ever saw and reaps what is left, even when the test failed.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "model/clock.h"
#include "orchestrator/curl_health_checker.h"
#include "orchestrator/event_log.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/proc_stat.h"
#include "orchestrator/process_driver.h"
#include "orchestrator/scheduler.h"
#include "orchestrator/service_proxy.h"
#include "tests/orchestrator/scenario_steps.h"

namespace capstan::orchestrator::e2e {

using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

using scenario::HttpProbe;

// A workload of `replicas` capstan-test-servers labelled app=<name>, serving on $PORT, with a
// readiness probe on /healthz (which --unhealthy and --ready-after fail).
inline model::WorkloadSpec ServerWorkload(const std::string& name, int replicas,
                                          std::vector<std::string> args) {
  model::WorkloadSpec w;
  w.replicas = replicas;
  w.selector = {{"app", name}};
  w.task.labels = {{"app", name}};
  w.task.termination_grace_period_seconds = 2;
  model::ContainerSpec c;
  c.name = "server";
  c.command = {CAPSTAN_TEST_SERVER};
  c.args = std::move(args);
  c.ports = {{"http", 8080, 0, "TCP"}};
  c.readiness = HttpProbe("/healthz");
  w.task.containers.push_back(std::move(c));
  return w;
}

inline model::ServiceSpec ServiceFor(const std::string& name) {
  model::ServiceSpec s;
  s.selector = {{"app", name}};
  s.ports = {{"http", 80, "http", "TCP"}};
  return s;
}

class RealHarness : public scenario::StepLoop<RealHarness> {
 public:
  // `ephemeral_service_ports`: Services listen on an ephemeral port of their cluster IP (so that
  // parallel tests never collide); false serves the declared ports, which names need.
  explicit RealHarness(bool ephemeral_service_ports = true) {
    dir_ = std::filesystem::temp_directory_path() /
           ("capstan-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(Seq()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    driver_ = std::make_unique<ProcessDriver>((dir_ / "tasks").string());
    // Host ports from a block below the kernel's ephemeral range (32768+), so parallel
    // tests and outgoing connections do not collide with the servers' ports.
    NodeInfo node;
    node.name = "local";
    node.cpu_millis = 64000;
    node.memory_bytes = 64ll << 30;
    // 12000-21999; the container scenarios take 22000-31999.
    node.port_min = scenario::PickPortWindow(12000, 40, 250);
    node.port_max = node.port_min + 249;
    scheduler_.AddNode(node);
    OrchestratorOptions options;
    options.ephemeral_service_ports = ephemeral_service_ports;
    options.runner.task_dir_root = (dir_ / "tasks").string();
    // Crash-loop back-off shortened so a crash-looping revision is seen in seconds.
    options.runner.backoff.initial = 200ms;
    options.runner.backoff.max = 1s;
    (void)proxy_.Start();
    orch_ = std::make_unique<Orchestrator>(
        clock_, scheduler_,
        std::map<model::DriverKind, Driver*>{{model::DriverKind::kProcess, driver_.get()}},
        checker_, events_, &proxy_, options);
  }

  ~RealHarness() {
    for (const auto& app : orch_->Apps()) orch_->RemoveApp(app);
    const auto deadline = Steady::now() + 10s;
    while (!orch_->Apps().empty() && Steady::now() < deadline) {
      Step();
      std::this_thread::sleep_for(20ms);
    }
    Step();
    orch_.reset();
    // Whatever is still alive (a failed test, a stuck stop): kill its group and reap it. A pid
    // counts as ours only with its start time, so a recycled pid is never signalled.
    for (const auto& [pid, ticks] : pids_) {
      auto st = ReadProcStat(pid);
      if (!st.ok() || st->start_time_ticks != ticks) continue;
      if (st->state != 'Z') ::kill(-pid, SIGKILL);
      for (int i = 0; i < 200 && ::waitpid(pid, nullptr, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(10ms);
      }
    }
    driver_.reset();
    proxy_.Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RealHarness(const RealHarness&) = delete;
  RealHarness& operator=(const RealHarness&) = delete;

  Orchestrator& orch() { return *orch_; }
  EventLog& events() { return events_; }
  ServiceProxy& proxy() { return proxy_; }
  ProcessDriver& driver() { return *driver_; }

  // One orchestrator pass; remembers the pid of every task it sees (for the cleanup).
  void Step() {
    orch_->Step();
    for (const auto& [id, t] : orch_->runner().tasks()) {
      if (!t.handle) continue;
      for (const auto& c : t.handle->containers) {
        if (c.pid > 0) pids_.insert({c.pid, c.start_time_ticks});
      }
    }
  }

  // The pid of a task's first container, 0 if not running.
  int PidOf(const std::string& task_id) const {
    const Task* t = orch_->runner().Find(task_id);
    if (!t || !t->handle || t->handle->containers.empty()) return 0;
    return t->handle->containers[0].pid;
  }

 private:
  static int Seq() {
    static int n = 0;
    return n++;
  }

  std::filesystem::path dir_;
  model::SystemClock clock_;
  Scheduler scheduler_;
  std::unique_ptr<ProcessDriver> driver_;
  CurlHealthChecker checker_{clock_};
  EventLog events_{clock_, 100000};
  ServiceProxy proxy_;
  std::unique_ptr<Orchestrator> orch_;
  std::set<std::pair<int, std::uint64_t>> pids_;  // pid, start time
};

using scenario::ReadyOf;

}  // namespace capstan::orchestrator::e2e
