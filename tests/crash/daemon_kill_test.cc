// Crash consistency of `capstan serve` (issue 4, "Durable state"): the daemon is SIGKILLed at
// random moments while it rolls out, scales, prunes and adds workloads, and started again.
// After every restart and convergence:
//   (a) no task id has two live processes (also checked continuously, every ~100 ms);
//   (b) the live workload processes are exactly the desired replicas of the desired state, each
//       running the desired --version (nothing left over from removed workloads or old
//       revisions), and they are the tasks the API lists;
//   (c) tasks that were Ready just before the kill and belong to the desired revision keep their
//       pid (re-adopted, not restarted), as many as the desired replicas allow;
//   (d) the application reaches Synced on the newest commit, no task restarted.
// The random choices come from one seed per test, printed first; set CAPSTAN_CRASH_SEED to
// replay one. Each test prints its kill count; the suite does at least 100 kills.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/crash/crash_harness.h"

#ifndef CAPSTAN_BINARY
#error "CAPSTAN_BINARY must name the capstan executable"
#endif
#ifndef CAPSTAN_TEST_SERVER
#error "CAPSTAN_TEST_SERVER must name the capstan-test-server executable"
#endif

namespace capstan::crash {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

struct WorkloadWant {
  int replicas = 1;
  int version = 1;
};
using Desired = std::map<std::string, WorkloadWant>;  // workload name -> what it should run

std::string VersionLabel(int v) { return "v" + std::to_string(v); }

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::string DeploymentYaml(const std::string& name, const WorkloadWant& w) {
  // Fast probes and a tiny grace period; a lenient failure threshold so that a loaded machine
  // does not fail a revision (which would roll it back and never reach Synced). The server binds
  // any free port and is ready once it wrote it: no dynamic host ports, which can collide with
  // ports other processes on a shared machine hold (the scheduler does not know about those).
  std::string yaml = R"yaml(apiVersion: apps/v1
kind: Deployment
metadata:
  name: @NAME@
spec:
  replicas: @REPLICAS@
  selector:
    matchLabels:
      app: @NAME@
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 1
  template:
    metadata:
      labels:
        app: @NAME@
      annotations:
        capstan.io/driver: process
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: server
          command: ["@SERVER@"]
          args: ["--port", "0", "--port-file", "port", "--version", "@VERSION@"]
          readinessProbe:
            exec:
              command: ["/bin/sh", "-c", "test -s port"]
            periodSeconds: 1
            timeoutSeconds: 3
            failureThreshold: 60
)yaml";
  ReplaceAll(yaml, "@NAME@", name);
  ReplaceAll(yaml, "@REPLICAS@", std::to_string(w.replicas));
  ReplaceAll(yaml, "@VERSION@", VersionLabel(w.version));
  ReplaceAll(yaml, "@SERVER@", CAPSTAN_TEST_SERVER);
  return yaml;
}

// What the daemon reports about one workload.
struct ObservedWorkload {
  int desired = -1, updated = -1, ready = -1;
  std::string revision, target_revision, desired_revision;
  struct TaskView {
    std::string id, revision, phase;
    int restarts = 0;
  };
  std::vector<TaskView> tasks;
};
struct ObservedApp {
  std::string sync_status, commit;
  std::map<std::string, ObservedWorkload> workloads;
};

std::optional<ObservedApp> ObserveApp(int port, const std::string& app) {
  auto body = HttpGet(port, "/api/v1/apps/" + app);
  if (!body) return std::nullopt;
  json j = json::parse(*body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  ObservedApp out;
  out.sync_status = j.value("syncStatus", "");
  out.commit = j.value("commit", "");
  for (const auto& w : j.value("workloads", json::array())) {
    ObservedWorkload o;
    o.desired = w.value("desired", -1);
    o.updated = w.value("updated", -1);
    o.ready = w.value("ready", -1);
    o.revision = w.value("revision", "");
    o.target_revision = w.value("targetRevision", "");
    o.desired_revision = w.value("desiredRevision", "");
    for (const auto& t : w.value("tasks", json::array())) {
      o.tasks.push_back({t.value("id", ""), t.value("revision", ""), t.value("phase", ""),
                         t.value("restarts", 0)});
    }
    out.workloads[w.value("name", "")] = std::move(o);
  }
  return out;
}

// A task that was Ready (and of its workload's desired revision) just before a kill.
struct ReadyTask {
  std::string workload, revision;
  int pid = 0;
};

// The test's mix of changes.
enum class Mix { kRollouts, kScaleAndPrune, kEverything };

class DaemonKillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    std::random_device rd;
    const char* env_seed = std::getenv("CAPSTAN_CRASH_SEED");
    seed_ = env_seed ? std::strtoull(env_seed, nullptr, 10) : (std::uint64_t{rd()} << 32 | rd());
    rng_.seed(seed_);
    // A name no other test shares, so that the /proc scan sees only this test's workloads.
    app_ = "k" + std::to_string(::getpid()) + "x" + std::to_string(rng_() % 100000);
    prefix_ = app_ + "-";
    std::printf("[crash] seed=%llu app=%s (replay: CAPSTAN_CRASH_SEED=%llu)\n",
                static_cast<unsigned long long>(seed_), app_.c_str(),
                static_cast<unsigned long long>(seed_));
    repo_ = std::make_unique<GitRepo>(tmp_.path() + "/repo");
    daemon_ = std::make_unique<DaemonProcess>(
        CAPSTAN_BINARY,
        std::vector<std::string>{"serve", "--repo", repo_->dir(), "--state-dir",
                                 tmp_.path() + "/state", "--listen", "127.0.0.1:0", "--interval",
                                 "1s", "--log-level", "info", "--default-driver", "process"},
        tmp_.path() + "/daemon.log");
  }

  void TearDown() override {
    if (HasFailure()) {
      std::printf("[crash] seed=%llu; daemon log tail:\n%s\n",
                  static_cast<unsigned long long>(seed_), daemon_->LogTail(12000).c_str());
    }
    daemon_->Kill9();
    const int left = KillTaskProcesses(prefix_);
    if (left > 0) std::printf("[crash] cleanup killed %d workload process(es)\n", left);
  }

  int Rand(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  std::string Commit() {
    std::map<std::string, std::string> files;
    for (const auto& [name, w] : desired_) files[name + ".yaml"] = DeploymentYaml(name, w);
    head_ = repo_->CommitTree("apps/" + app_, files, "change " + std::to_string(++commits_));
    return head_;
  }

  // One random change of the desired state, from the test's mix.
  std::string Mutate(Mix mix) {
    static const std::vector<std::string> kNames = {"alpha", "beta", "gamma", "delta"};
    std::vector<std::string> present, absent;
    for (const auto& n : kNames) (desired_.count(n) ? present : absent).push_back(n);
    enum Op { kBump, kScale, kRemove, kAdd };
    std::vector<Op> ops;
    if (mix != Mix::kScaleAndPrune) ops.insert(ops.end(), {kBump, kBump});
    if (mix != Mix::kRollouts) ops.insert(ops.end(), {kScale, kScale});
    if (mix != Mix::kRollouts && present.size() > 1) ops.push_back(kRemove);
    if (mix != Mix::kRollouts && !absent.empty() && present.size() < 3) ops.push_back(kAdd);
    if (mix == Mix::kRollouts) ops.push_back(kScale);
    const Op op = ops[static_cast<std::size_t>(Rand(0, static_cast<int>(ops.size()) - 1))];
    const std::string& some = present[static_cast<std::size_t>(Rand(0, int(present.size()) - 1))];
    switch (op) {
      case kBump:
        desired_[some].version = ++next_version_;
        return "roll out " + some + " " + VersionLabel(next_version_);
      case kScale: {
        int r = desired_[some].replicas;
        while (r == desired_[some].replicas) r = Rand(1, 4);
        desired_[some].replicas = r;
        return "scale " + some + " to " + std::to_string(r);
      }
      case kRemove:
        desired_.erase(some);
        return "remove " + some;
      case kAdd: {
        const std::string& name = absent[static_cast<std::size_t>(Rand(0, int(absent.size()) - 1))];
        desired_[name] = WorkloadWant{Rand(1, 3), ++next_version_};
        return "add " + name;
      }
    }
    return "";
  }

  // (a): no task id with two live processes.
  void CheckNoDuplicates(const char* when) {
    std::map<std::string, std::vector<int>> by_id;
    for (const auto& p : ScanTaskProcesses(prefix_)) by_id[p.task_id].push_back(p.pid);
    for (const auto& [id, pids] : by_id) {
      if (pids.size() > 1) {
        std::string list;
        for (int pid : pids) list += " " + std::to_string(pid);
        ADD_FAILURE() << "(a) task " << id << " has " << pids.size() << " live processes:" << list
                      << " (" << when << ", kill #" << kills_ << ")";
        duplicate_found_ = true;
      }
    }
  }

  void EnsureStarted() {
    if (daemon_->running()) return;
    ASSERT_TRUE(daemon_->Start());
    ++starts_;
  }

  // Ready tasks and their pids, read just before a kill.
  std::map<std::string, ReadyTask> SnapshotReady() {
    std::map<std::string, ReadyTask> ready;
    const int port = daemon_->WaitForPort(milliseconds(0));
    if (port == 0) return ready;
    auto app = ObserveApp(port, app_);
    if (!app) return ready;
    std::map<std::string, int> pids;
    for (const auto& p : ScanTaskProcesses(prefix_)) pids[p.task_id] = p.pid;
    for (const auto& [name, w] : app->workloads) {
      for (const auto& t : w.tasks) {
        if (t.phase == "Ready" && t.revision == w.desired_revision && pids.count(t.id)) {
          ready[t.id] = {name, t.revision, pids[t.id]};
        }
      }
    }
    return ready;
  }

  // Waits until (b) and (d) hold; then checks (c) against `before` (the last pre-kill snapshot).
  void Converge(const std::map<std::string, ReadyTask>& before, const std::string& what) {
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::seconds(90);
    std::string why = "not checked yet";
    int total = 0;
    for (const auto& [n, w] : desired_) total += w.replicas;
    for (;;) {
      CheckNoDuplicates("converging");
      if (duplicate_found_) return;
      int status = 0;
      if (daemon_->Exited(&status)) {
        FAIL() << "the daemon exited by itself (status " << status << ") after " << what;
      }
      why = ConvergedWhy(total);
      if (why.empty()) break;
      if (Clock::now() > deadline) {
        FAIL() << "no convergence within 90 s after kill #" << kills_ << " (" << what
               << "): " << why << "\nlast answer of the API: "
               << HttpGet(daemon_->WaitForPort(milliseconds(0)), "/api/v1/apps/" + app_)
                      .value_or("(none)");
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    converge_ms_.push_back(std::chrono::duration_cast<milliseconds>(Clock::now() - start).count());
    // (c) Ready tasks of the desired revision kept their pid, as many as the replicas allow.
    std::map<std::string, int> now_pids;
    for (const auto& p : ScanTaskProcesses(prefix_)) now_pids[p.task_id] = p.pid;
    std::map<std::string, int> kept, eligible;
    for (const auto& [id, ready] : before) {
      const std::string& workload = ready.workload;
      const int pid = ready.pid;
      if (!desired_.count(workload)) continue;
      if (observed_revision_[workload] != ready.revision) continue;  // not desired any more
      ++eligible[workload];
      auto it = now_pids.find(id);
      if (it == now_pids.end()) continue;
      EXPECT_EQ(it->second, pid) << "(c) task " << id << " was Ready with pid " << pid
                                 << " before kill #" << kills_ << " and runs as pid " << it->second
                                 << " after the restart: restarted, not re-adopted";
      if (it->second == pid) ++kept[workload];
    }
    for (const auto& [workload, n] : eligible) {
      const int want = std::min(n, desired_[workload].replicas);
      EXPECT_GE(kept[workload], want)
          << "(c) workload " << workload << ": " << n << " task(s) of the desired revision were "
          << "Ready before kill #" << kills_ << ", only " << kept[workload]
          << " still run with the same pid (" << what << ")";
      readopted_ += kept[workload];
    }
  }

  // "" once converged, else what is missing.
  std::string ConvergedWhy(int total) {
    const int port = daemon_->WaitForPort(milliseconds(0));
    if (port == 0) return "the daemon is not serving yet";
    auto app = ObserveApp(port, app_);
    if (!app) return "no answer from /api/v1/apps/" + app_;
    if (app->commit != head_) return "applied commit " + app->commit + " is not HEAD " + head_;
    if (app->sync_status != "Synced") return "sync status " + app->sync_status;
    if (app->workloads.size() != desired_.size()) {
      return std::to_string(app->workloads.size()) + " workloads observed, " +
             std::to_string(desired_.size()) + " desired";
    }
    std::map<std::string, std::string> task_workload;
    for (const auto& [name, want] : desired_) {
      auto it = app->workloads.find(name);
      if (it == app->workloads.end()) return "workload " + name + " not observed";
      const ObservedWorkload& w = it->second;
      if (w.desired != want.replicas || w.updated != want.replicas || w.ready != want.replicas ||
          static_cast<int>(w.tasks.size()) != want.replicas) {
        return name + ": desired/updated/ready/tasks " + std::to_string(w.desired) + "/" +
               std::to_string(w.updated) + "/" + std::to_string(w.ready) + "/" +
               std::to_string(w.tasks.size()) + ", want " + std::to_string(want.replicas);
      }
      if (w.target_revision != w.desired_revision || w.revision != w.desired_revision) {
        return name + ": revision " + w.revision + " target " + w.target_revision + " desired " +
               w.desired_revision;
      }
      for (const auto& t : w.tasks) {
        if (t.phase != "Ready" || t.revision != w.desired_revision) {
          return "task " + t.id + " is " + t.phase;
        }
        if (t.restarts != 0) return "task " + t.id + " restarted " + std::to_string(t.restarts);
        task_workload[t.id] = name;
      }
      observed_revision_[name] = w.desired_revision;
    }
    // (b) the processes are exactly the tasks, each running its workload's desired version.
    const auto procs = ScanTaskProcesses(prefix_);
    if (static_cast<int>(procs.size()) != total) {
      std::string ids;
      for (const auto& p : procs) ids += " " + p.task_id + "(" + std::to_string(p.pid) + ")";
      return std::to_string(procs.size()) + " live workload processes, want " +
             std::to_string(total) + ":" + ids;
    }
    for (const auto& p : procs) {
      auto it = task_workload.find(p.task_id);
      if (it == task_workload.end()) return "process " + p.task_id + " is not a desired task";
      const std::string want = VersionLabel(desired_[it->second].version);
      if (p.version != want) return "task " + p.task_id + " runs " + p.version + ", want " + want;
    }
    return "";
  }

  // The test: `kill_quota` kills, 1..3 per change, each at a random moment; converge after each
  // change and check the invariants.
  void Run(Mix mix, int kill_quota) {
    desired_ = {{"alpha", {2, 1}}, {"beta", {1, 2}}};
    next_version_ = 2;
    Commit();
    EnsureStarted();
    Converge({}, "first start");
    ASSERT_FALSE(HasFatalFailure());
    const auto t0 = Clock::now();
    int changes = 0;
    while (kills_ < kill_quota && !HasFailure()) {
      std::string what = Mutate(mix);
      if (Rand(0, 3) == 0) what += "; " + Mutate(mix);  // two changes in one commit
      Commit();
      ++changes;
      std::map<std::string, ReadyTask> before;
      const int kills_now = Rand(1, 3);
      for (int k = 0; k < kills_now && kills_ < kill_quota; ++k) {
        // A random moment: mostly within the first 1.5 s of the change (fetch, apply, rollout
        // steps) or of the restart (Import, re-adoption, first ticks).
        const int delay = Rand(0, 9) == 0 ? Rand(0, 60) : Rand(0, 1500);
        SleepChecking(milliseconds(delay), milliseconds(100),
                      [&] { CheckNoDuplicates("before a kill"); });
        before = SnapshotReady();
        daemon_->Kill9();
        ++kills_;
        std::printf("[crash] kill #%d at +%d ms after %s (%zu Ready task(s) of desired revision)\n",
                    kills_, delay, k == 0 ? ("commit: " + what).c_str() : "restart", before.size());
        CheckNoDuplicates("right after a kill");
        EnsureStarted();
        if (HasFatalFailure()) return;
        // Sometimes a second commit lands while the daemon is down or restarting.
        if (Rand(0, 7) == 0) {
          what += "; then " + Mutate(mix);
          Commit();
          before.clear();  // the desired revisions may have changed under the snapshot
        }
      }
      Converge(before, what);
      if (HasFatalFailure()) return;
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::sort(converge_ms_.begin(), converge_ms_.end());
    const long p50 = converge_ms_.empty() ? 0 : converge_ms_[converge_ms_.size() / 2];
    const long max = converge_ms_.empty() ? 0 : converge_ms_.back();
    std::printf(
        "[crash] kills=%d changes=%d daemon starts=%d re-adopted Ready tasks kept=%d "
        "converge p50=%ld ms max=%ld ms, %.1f s\n",
        kills_, changes, starts_, readopted_, p50, max, secs);
    RecordProperty("kills", kills_);
    EXPECT_GE(kills_, kill_quota);
  }

  TempDir tmp_;
  std::uint64_t seed_ = 0;
  std::mt19937_64 rng_;
  std::string app_, prefix_, head_;
  std::unique_ptr<GitRepo> repo_;
  std::unique_ptr<DaemonProcess> daemon_;
  Desired desired_;
  int next_version_ = 0;
  int commits_ = 0;
  int kills_ = 0;
  int starts_ = 0;
  int readopted_ = 0;
  bool duplicate_found_ = false;
  std::vector<long> converge_ms_;
  std::map<std::string, std::string> observed_revision_;  // workload -> converged revision
};

// 34 + 34 + 34 = 102 kills in the suite.
TEST_F(DaemonKillTest, RolloutsSurviveKill9AtRandomMoments) { Run(Mix::kRollouts, 34); }
TEST_F(DaemonKillTest, ScalingAndPruningSurviveKill9AtRandomMoments) {
  Run(Mix::kScaleAndPrune, 34);
}
TEST_F(DaemonKillTest, MixedChangesSurviveKill9AtRandomMoments) { Run(Mix::kEverything, 34); }

}  // namespace
}  // namespace capstan::crash
