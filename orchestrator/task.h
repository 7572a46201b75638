#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/clock.h"
#include "model/probe.h"
#include "model/status.h"
#include "model/task_template.h"
#include "orchestrator/backoff.h"
#include "orchestrator/driver.h"
#include "orchestrator/event_log.h"
#include "orchestrator/health_checker.h"
#include "orchestrator/lifecycle_hook.h"
#include "orchestrator/port_probe.h"
#include "orchestrator/probe_tracker.h"
#include "orchestrator/scheduler.h"

namespace capstan::orchestrator {

// Pending (not placed, or waiting out a back-off) -> Starting (started, startup probe not yet
// passed) -> Running -> Ready (readiness passed) -> Stopping -> Succeeded / Failed.
enum class TaskPhase { kPending, kStarting, kRunning, kReady, kStopping, kSucceeded, kFailed };
const char* TaskPhaseName(TaskPhase phase);
inline bool IsTerminal(TaskPhase p) {
  return p == TaskPhase::kSucceeded || p == TaskPhase::kFailed;
}

enum class OwnerKind { kWorkload, kJob };

// One probe of one container: ProbeTracker holds Kubernetes' timing and threshold semantics;
// this adds which container it belongs to and the health check in flight.
struct ProbeState {
  std::size_t container = 0;
  ProbeTracker tracker;
  std::uint64_t in_flight = 0;  // request id, 0 = none
};

// A lifecycle hook running for one container of a task (lifecycle_hook.h).
struct HookRun {
  HookKind kind = HookKind::kPostStart;
  std::string container;
  std::uint64_t in_flight = 0;  // exec/httpGet: the health check's request id; sleep: 0
  model::TimePoint sleep_until{};
};

// Why a task is asked to stop.
enum class StopIntent { kNone, kRemove, kRestart };

// One task (a pod, an ECS task) and everything the orchestrator knows about it.
struct Task {
  std::string id;
  std::string app;
  OwnerKind owner_kind = OwnerKind::kWorkload;
  std::string owner;  // workload or job name
  std::string revision;
  // Shared because every task of a revision reads the same immutable template.
  std::shared_ptr<const model::TaskTemplate> tmpl;

  TaskPhase phase = TaskPhase::kPending;
  std::string reason;   // the last condition: "Unschedulable", "CrashLoopBackOff", "Error", ...
  std::string message;  // the details for people

  // Placement, held from Place() while the task runs or is about to: released when a run ends
  // (a restart after its back-off is placed again, with new dynamic ports) or the task is gone.
  bool placed = false;
  int node_id = -1;
  std::vector<int> host_ports;
  PlacementRequest request;

  std::optional<TaskHandle> handle;
  LaunchSpec launch;  // as last started; exec probes reuse its environment
  // Re-adopted after a restart: `launch` holds only ports; rebuild it (environment, working dir)
  // from the app's spec once the spec is known, so exec probes see the task's environment.
  bool launch_rebuild = false;

  model::TimePoint created_at;
  model::TimePoint started_at;
  model::TimePoint ready_at;      // when it last became Ready
  model::TimePoint not_before;    // back-off: no start before this
  int restarts = 0;               // in-place restarts
  int failures = 0;               // failed runs: non-zero exits, signals, liveness kills
  int early_exits = 0;            // exits within the early-exit window after becoming Ready
  bool readiness_failed = false;  // readiness reached its failure threshold since the start
  int last_exit_code = 0;
  int last_signal = 0;
  int port_conflicts = 0;  // runs in a row that lost a host port to another program
  CrashLoopBackoff backoff;

  StopIntent stop_intent = StopIntent::kNone;
  model::TimePoint kill_at;
  bool kill_sent = false;
  // Stopping, SIGTERM not sent yet: a task that serves a Service leaves its endpoints first (this
  // Step) and gets SIGTERM at the next Observe(), so no new connection reaches a dying process.
  bool term_pending = false;

  // SecurityContextNotEnforced was considered (reported at most once per task).
  bool security_reported = false;
  // Lifecycle hooks of this run: those running, the containers whose postStart was begun (a
  // running postStart holds the container's probes and the task's readiness), and whether the
  // preStop hooks were begun (SIGTERM waits for them, the grace period counts from their start).
  std::vector<HookRun> hooks;
  std::set<std::string> post_started;
  bool pre_stop_begun = false;
  bool pre_stop_ran = false;

  std::vector<ProbeState> probes;
  // Containers created but not started yet (dependsOn): their probes wait too.
  std::set<std::string> waiting;

  bool active() const {
    return phase == TaskPhase::kStarting || phase == TaskPhase::kRunning ||
           phase == TaskPhase::kReady;
  }
  // Ready for at least `min_ready`.
  bool Available(model::TimePoint now, model::Duration min_ready) const {
    return phase == TaskPhase::kReady && now - ready_at >= min_ready;
  }
};

// What survives a daemon restart of one task: enough to re-adopt it (the handle) and to run
// it again (the template).
struct TaskRecord {
  std::string id;
  std::string app;
  OwnerKind owner_kind = OwnerKind::kWorkload;
  std::string owner;
  std::string revision;
  model::TaskTemplate tmpl;
  TaskPhase phase = TaskPhase::kPending;
  bool placed = false;
  int node_id = -1;
  std::vector<int> host_ports;
  std::optional<TaskHandle> handle;
  int restarts = 0;
  int failures = 0;
};

// A side effect about to happen, handed to the journal first so that intent is durable before
// the effect (write-ahead).
enum class JournalOp { kStart, kStop, kKill, kRemove };
struct JournalEntry {
  JournalOp op = JournalOp::kStart;
  std::string task_id;
  std::string app;
  std::string owner;
  std::string revision;
  int node_id = -1;
  std::vector<int> host_ports;
};
using Journal = std::function<void(const JournalEntry&)>;

// Builds the LaunchSpec of a task that is about to start (env, ports, files); an error keeps it
// Pending with the message as the reason.
using LaunchBuilder = std::function<model::Result<LaunchSpec>(const Task&)>;

// Whether a task that is asked to stop must first leave the Service endpoints (it receives
// traffic): then SIGTERM waits for the next Observe(), after the owner updated the endpoints.
using StopDeferral = std::function<bool(const Task&)>;

struct TaskRunnerOptions {
  // A task that exits within this long of becoming Ready counts an early exit: it passed its
  // checks and still died, the failure ECS misses (containers-roadmap#1206).
  model::Duration early_exit_window = std::chrono::seconds(60);
  CrashLoopBackoff::Params backoff;
  std::string task_dir_root = "/tmp/capstan-tasks";
  // How soon a task the driver could not start yet (engine away, image pulling) is tried again.
  model::Duration driver_retry = std::chrono::seconds(1);
};

// The task lifecycle engine: places, starts, watches, probes, restarts (with back-off) and stops
// tasks; controllers decide only which tasks should exist. No thread of its own: the owner calls
// Observe() and Act() from its loop. Drivers and the health checker are never waited on.
// Thread-compatible: the orchestrator loop thread only.
class TaskRunner {
 public:
  TaskRunner(model::Clock& clock, Scheduler& scheduler,
             std::map<model::DriverKind, Driver*> drivers, HealthChecker& checker, EventLog& events,
             TaskRunnerOptions options = {});
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  void SetLaunchBuilder(LaunchBuilder builder) { builder_ = std::move(builder); }
  void SetJournal(Journal journal) { journal_ = std::move(journal); }
  void SetStopDeferral(StopDeferral deferral) { stop_deferral_ = std::move(deferral); }
  // Checks host ports on node `node_id` (the machine this runs on) with `probe`: placement skips
  // ports another program holds, and a task that fails before it is Ready because one of its
  // ports was taken gets new ports and starts again at once. `probe` may be null (no check) and
  // must outlive the runner.
  void SetPortProbe(PortProbe* probe, int node_id = 0);

  // A task whose run failed before Ready because another program held one of its host ports
  // restarts at once on new ports, at most this many runs in a row; then the crash-loop back-off
  // applies as to any failure (a port that looks taken for another reason cannot spin a task).
  static constexpr int kMaxPortConflictRestarts = 3;

  // A new Pending task; Act() places and starts it. `id` must be unique.
  Task& Create(std::string id, const std::string& app, OwnerKind kind, const std::string& owner,
               const std::string& revision, std::shared_ptr<const model::TaskTemplate> tmpl);
  // Re-adopts a task that survived a daemon restart: reserves its placement and asks the driver
  // whether it still runs (if not, it starts again). Returns false, recording nothing, if the
  // placement cannot be reserved.
  bool Adopt(const TaskRecord& record);
  std::vector<TaskRecord> Export() const;
  // Asks a task to go away: SIGTERM now (or, for a Ready task the StopDeferral picks, at the
  // next Observe()), SIGKILL a grace period after the SIGTERM. Containers with a preStop hook
  // run it first: SIGTERM waits for every hook, and the grace period counts from their start
  // (a hook still running when it ends is cut, FailedPreStopHook, and the task killed). A task that
  // is not running is released at once. Its record stays (phase Stopping, then terminal) until
  // Remove().
  void RequestStop(const std::string& id, const std::string& reason);
  // Forgets a terminal task (cleaning up what the driver still holds).
  void Remove(const std::string& id);

  // Collects health-check results, inspects running tasks, handles exits and probe outcomes,
  // starts due probes, and escalates stops whose grace period ran out.
  void Observe();
  // Places and starts Pending tasks whose back-off has passed.
  void Act();

  Task* Find(const std::string& id);
  const Task* Find(const std::string& id) const;
  std::vector<Task*> TasksOf(const std::string& app, OwnerKind kind, const std::string& owner);
  const std::map<std::string, Task>& tasks() const { return tasks_; }

 private:
  Driver* DriverFor(const Task& t) const;
  Task NewTask(const std::string& id, const std::string& app, OwnerKind kind,
               const std::string& owner, const std::string& revision,
               std::shared_ptr<const model::TaskTemplate> tmpl) const;
  void Start(Task& t);
  void Inspect(Task& t);
  void HandleExit(Task& t, bool success, const std::string& why);
  // After a failed run (handle cleaned up): if it failed before Ready because a host port was
  // taken (the probe sees it held, or the driver said "address already in use"), records
  // PortInUse, releases the placement and makes the task due at once. False otherwise.
  bool RestartOnNewPorts(Task& t, bool was_ready, const std::string& why);
  void Release(Task& t);
  void InitProbes(Task& t);
  void RunProbes(Task& t);
  void OnProbeResult(Task& t, ProbeState& p, const HealthCheckResult& r);
  void UpdateReadiness(Task& t);
  // Keeps a task Pending, without counting a failure, until driver_retry has passed.
  void Wait(Task& t, const std::string& reason, const std::string& message);
  void ReportHealth(Task& t, const ProbeState& p);
  void KillForRestart(Task& t, const std::string& reason, const std::string& message);
  // Lifecycle hooks (lifecycle_hook.h), run as one-shot health checks or Clock-timed sleeps.
  void BeginPostStartHooks(Task& t);
  void BeginPreStopHooks(Task& t);
  void BeginHook(Task& t, HookKind kind, const std::string& container,
                 const model::LifecycleHandler& hook, model::Duration timeout);
  void OnHookResult(Task& t, std::size_t index, bool success, const std::string& message);
  void AdvanceSleepHooks(Task& t);
  bool HookRunning(const Task& t, HookKind kind, const std::string& container = "") const;
  void ClearHooks(Task& t);
  void SendTerm(Task& t);
  void WriteAhead(JournalOp op, const Task& t);
  void Emit(const Task& t, EventType type, const std::string& reason, const std::string& message);
  model::Duration GracePeriod(const Task& t) const;

  model::Clock& clock_;
  Scheduler& scheduler_;
  std::map<model::DriverKind, Driver*> drivers_;
  HealthChecker& checker_;
  EventLog& events_;
  TaskRunnerOptions options_;
  LaunchBuilder builder_;
  Journal journal_;
  StopDeferral stop_deferral_;
  PortProbe* port_probe_ = nullptr;
  int probe_node_ = 0;
  PortCheck port_check_;  // asks port_probe_ on probe_node_; empty without a probe
  std::map<std::string, Task> tasks_;
  // Health checks in flight: request id -> (task id, probe index).
  std::map<std::uint64_t, std::pair<std::string, std::size_t>> probe_requests_;
  // Hooks in flight: request id -> task id (the task's HookRun holds the id).
  std::map<std::uint64_t, std::string> hook_requests_;
  std::uint64_t next_request_id_ = 1;
};

}  // namespace capstan::orchestrator
