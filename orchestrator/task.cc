#include "orchestrator/task.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "orchestrator/task_environment.h"
#include "orchestrator/task_ports.h"

namespace capstan::orchestrator {
namespace {

std::string Seconds(model::Duration d) {
  return fmt::format("{}s", std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

}  // namespace

const char* TaskPhaseName(TaskPhase phase) {
  switch (phase) {
    case TaskPhase::kPending:
      return "Pending";
    case TaskPhase::kStarting:
      return "Starting";
    case TaskPhase::kRunning:
      return "Running";
    case TaskPhase::kReady:
      return "Ready";
    case TaskPhase::kStopping:
      return "Stopping";
    case TaskPhase::kSucceeded:
      return "Succeeded";
    case TaskPhase::kFailed:
      return "Failed";
  }
  return "Unknown";
}

TaskRunner::TaskRunner(model::Clock& clock, Scheduler& scheduler,
                       std::map<model::DriverKind, Driver*> drivers, HealthChecker& checker,
                       EventLog& events, TaskRunnerOptions options)
    : clock_(clock),
      scheduler_(scheduler),
      drivers_(std::move(drivers)),
      checker_(checker),
      events_(events),
      options_(std::move(options)) {}

Task TaskRunner::NewTask(const std::string& id, const std::string& app, OwnerKind kind,
                         const std::string& owner, const std::string& revision,
                         std::shared_ptr<const model::TaskTemplate> tmpl) const {
  Task t;
  t.id = id;
  t.app = app;
  t.owner_kind = kind;
  t.owner = owner;
  t.revision = revision;
  t.tmpl = std::move(tmpl);
  t.created_at = clock_.Now();
  t.backoff = CrashLoopBackoff(options_.backoff);
  auto [fixed, dynamic] = PortDemand(*t.tmpl);
  t.request.group = app + "/" + owner;
  t.request.cpu_millis = t.tmpl->CpuRequestMillis();
  t.request.memory_bytes = t.tmpl->MemoryRequestBytes();
  t.request.fixed_host_ports = fixed;
  t.request.dynamic_ports = dynamic;
  t.request.port_protocols = HostPortProtocols(*t.tmpl);
  t.request.node_selector = t.tmpl->node_selector;
  t.request.constraints = t.tmpl->placement_constraints;
  t.request.strategies = t.tmpl->placement_strategy;
  return t;
}

Task& TaskRunner::Create(std::string id, const std::string& app, OwnerKind kind,
                         const std::string& owner, const std::string& revision,
                         std::shared_ptr<const model::TaskTemplate> tmpl) {
  Task t = NewTask(id, app, kind, owner, revision, std::move(tmpl));
  auto [it, inserted] = tasks_.insert_or_assign(id, std::move(t));
  Emit(it->second, EventType::kNormal, "Created",
       fmt::format("created task for revision {}", revision));
  return it->second;
}

bool TaskRunner::Adopt(const TaskRecord& r) {
  Task task = NewTask(r.id, r.app, r.owner_kind, r.owner, r.revision,
                      std::make_shared<const model::TaskTemplate>(r.tmpl));
  task.phase = r.phase;
  task.placed = r.placed;
  task.node_id = r.node_id;
  task.host_ports = r.host_ports;
  task.handle = r.handle;
  task.restarts = r.restarts;
  task.failures = r.failures;
  if (IsTerminal(task.phase)) {
    task.placed = false;  // nothing to reserve for a finished task
  } else if (task.placed && !scheduler_.Reserve(task.node_id, task.request, task.host_ports)) {
    return false;
  }
  Driver* driver = DriverFor(task);
  // An engine that does not answer yet cannot say; keep the task and let Inspect() tell later
  // rather than start it a second time beside containers that may well be running.
  const bool alive = !IsTerminal(task.phase) && driver && task.handle &&
                     (!driver->Available().ok() || driver->Adopt(*task.handle));
  auto [it, inserted] = tasks_.insert_or_assign(task.id, std::move(task));
  Task& t = it->second;
  if (IsTerminal(t.phase)) return true;
  if (alive) {
    // Probes start over: a re-adopted task proves its readiness again, as after a kubelet restart.
    t.started_at = clock_.Now();
    if (t.phase == TaskPhase::kStopping) {
      t.stop_intent = StopIntent::kRemove;
      t.kill_at = clock_.Now() + GracePeriod(t);
      t.term_pending = true;  // the previous daemon may have exported it before its SIGTERM
      return true;
    }
    t.phase = TaskPhase::kRunning;
    t.launch_rebuild = true;
    // The launch spec is not persisted; ports for probes come from the record.
    auto [fixed, dynamic] = PortDemand(*t.tmpl);
    std::size_t next_fixed = 0, next_dynamic = fixed.size();
    t.launch.task_id = t.id;
    t.launch.task_dir = options_.task_dir_root + "/" + t.id;
    for (const auto& c : t.tmpl->containers) {
      ContainerLaunch cl;
      cl.name = c.name;
      cl.essential = c.essential;
      for (const auto& p : c.ports) {
        std::size_t idx = p.host_port > 0 ? next_fixed++ : next_dynamic++;
        int host = idx < t.host_ports.size() ? t.host_ports[idx] : 0;
        cl.ports.push_back(PortBinding{p.name, p.container_port, host, p.protocol});
      }
      t.launch.containers.push_back(std::move(cl));
    }
    for (const auto* list : {&t.tmpl->containers, &t.tmpl->init_containers}) {
      for (const auto& c : *list) t.post_started.insert(c.name);  // ran before the restart
    }
    InitProbes(t);
    UpdateReadiness(t);
    Emit(t, EventType::kNormal, "Adopted", "re-adopted a running task after a restart");
    return true;
  }
  t.handle.reset();
  if (t.phase == TaskPhase::kStopping) {
    Release(t);
    t.phase = TaskPhase::kSucceeded;
    return true;
  }
  t.phase = TaskPhase::kPending;
  t.not_before = clock_.Now();
  Emit(t, EventType::kWarning, "Lost", "task was not running after a restart; starting it again");
  return true;
}

std::vector<TaskRecord> TaskRunner::Export() const {
  std::vector<TaskRecord> out;
  for (const auto& [id, t] : tasks_) {
    out.push_back(TaskRecord{t.id, t.app, t.owner_kind, t.owner, t.revision, *t.tmpl, t.phase,
                             t.placed, t.node_id, t.host_ports, t.handle, t.restarts, t.failures});
  }
  return out;
}

Driver* TaskRunner::DriverFor(const Task& t) const {
  auto it = drivers_.find(t.tmpl ? t.tmpl->driver : model::DriverKind::kProcess);
  return it == drivers_.end() ? nullptr : it->second;
}

void TaskRunner::Emit(const Task& t, EventType type, const std::string& reason,
                      const std::string& message) {
  events_.Record(t.id, type, reason, message);
}

void TaskRunner::WriteAhead(JournalOp op, const Task& t) {
  if (!journal_) return;
  journal_(JournalEntry{op, t.id, t.app, t.owner, t.revision, t.node_id, t.host_ports});
}

model::Duration TaskRunner::GracePeriod(const Task& t) const {
  int seconds = t.tmpl ? t.tmpl->termination_grace_period_seconds : 30;
  if (t.tmpl) {
    for (const auto& c : t.tmpl->containers) seconds = std::max(seconds, c.stop_timeout_seconds);
  }
  return std::chrono::seconds(std::max(0, seconds));
}

void TaskRunner::Release(Task& t) {
  if (!t.placed) return;
  scheduler_.Release(t.node_id, t.request, t.host_ports);
  t.placed = false;
  t.host_ports.clear();  // no longer the task's: status shows none until it is placed again
}

void TaskRunner::RequestStop(const std::string& id, const std::string& reason) {
  Task* t = Find(id);
  if (!t || IsTerminal(t->phase)) return;
  if (t->phase == TaskPhase::kStopping) {
    t->stop_intent = StopIntent::kRemove;  // a restart in progress becomes a removal
    return;
  }
  t->stop_intent = StopIntent::kRemove;
  if (!t->handle) {
    Release(*t);
    t->phase = TaskPhase::kSucceeded;
    t->reason = "Stopped";
    Emit(*t, EventType::kNormal, "Stopped", reason);
    return;
  }
  const bool defer = t->phase == TaskPhase::kReady && stop_deferral_ && stop_deferral_(*t);
  t->phase = TaskPhase::kStopping;
  t->reason = "Stopping";
  t->kill_sent = false;
  t->term_pending = true;
  Emit(*t, EventType::kNormal, "Killing", fmt::format("stopping task: {}", reason));
  if (!defer) SendTerm(*t);
}

void TaskRunner::SendTerm(Task& t) {
  Driver* driver = DriverFor(t);
  // An engine that does not answer would lose the signal (and the grace period would run out
  // on a kill that is lost too): keep it pending until the engine is back.
  if (t.handle && driver && !driver->Available().ok()) {
    t.term_pending = true;
    return;
  }
  // preStop hooks run before SIGTERM and within the grace period, which counts from their start
  // (kubelet killContainer: executePreStopHook, then StopContainer with what is left).
  if (!t.pre_stop_begun) {
    t.pre_stop_begun = true;
    t.kill_at = clock_.Now() + GracePeriod(t);
    if (t.handle) BeginPreStopHooks(t);
  }
  if (HookRunning(t, HookKind::kPreStop)) {
    t.term_pending = true;
    return;
  }
  t.term_pending = false;
  if (!t.pre_stop_ran) t.kill_at = clock_.Now() + GracePeriod(t);
  if (!t.handle) return;
  WriteAhead(JournalOp::kStop, t);
  if (driver && driver->Stop(*t.handle).code() == model::ErrorCode::kUnavailable) {
    t.term_pending = true;
  }
}

void TaskRunner::Remove(const std::string& id) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return;
  Task& t = it->second;
  if (!IsTerminal(t.phase)) return;  // only records of tasks that are gone
  WriteAhead(JournalOp::kRemove, t);
  Release(t);
  tasks_.erase(it);
}

Task* TaskRunner::Find(const std::string& id) {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : &it->second;
}

const Task* TaskRunner::Find(const std::string& id) const {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : &it->second;
}

std::vector<Task*> TaskRunner::TasksOf(const std::string& app, OwnerKind kind,
                                       const std::string& owner) {
  std::vector<Task*> out;
  for (auto& [id, t] : tasks_) {
    if (t.app == app && t.owner_kind == kind && t.owner == owner) out.push_back(&t);
  }
  return out;
}

void TaskRunner::Observe() {
  if (builder_) {
    for (auto& [id, t] : tasks_) {
      if (!t.launch_rebuild || !t.active()) continue;
      auto spec = builder_(t);
      if (!spec.ok()) continue;  // the app's spec is not known yet: try again next time
      const std::string task_dir = t.launch.task_dir;
      t.launch = std::move(spec).value();
      if (t.launch.task_id.empty()) t.launch.task_id = t.id;
      if (t.launch.task_dir.empty()) t.launch.task_dir = task_dir;
      t.launch_rebuild = false;
    }
  }
  // Health-check results first, so an exit seen below wins over a stale probe result.
  for (const HealthCheckResult& r : checker_.Poll(std::chrono::milliseconds(0))) {
    if (auto hook = hook_requests_.find(r.id); hook != hook_requests_.end()) {
      Task* t = Find(hook->second);
      hook_requests_.erase(hook);
      for (std::size_t i = 0; t && i < t->hooks.size(); ++i) {
        if (t->hooks[i].in_flight != r.id) continue;
        OnHookResult(*t, i, r.success, r.message);
        break;
      }
      continue;
    }
    auto req = probe_requests_.find(r.id);
    if (req == probe_requests_.end()) continue;
    auto [task_id, index] = req->second;
    probe_requests_.erase(req);
    Task* t = Find(task_id);
    if (!t || !t->active() || index >= t->probes.size()) continue;
    ProbeState& p = t->probes[index];
    if (p.in_flight != r.id) continue;  // from an earlier run of the task
    p.in_flight = 0;
    OnProbeResult(*t, p, r);
  }
  const model::TimePoint now = clock_.Now();
  for (auto& [id, t] : tasks_) {
    if (t.active() || t.phase == TaskPhase::kStopping) AdvanceSleepHooks(t);
    if (t.active()) {
      Inspect(t);
      if (t.active()) RunProbes(t);
    } else if (t.phase == TaskPhase::kStopping) {
      if (t.term_pending) SendTerm(t);  // it has left the Service endpoints by now
      Inspect(t);
      Driver* d = DriverFor(t);
      const bool pre_stop_running = HookRunning(t, HookKind::kPreStop);
      if (t.phase == TaskPhase::kStopping && !t.kill_sent &&
          (!t.term_pending || pre_stop_running) && now >= t.kill_at && t.handle &&
          (!d || d->Available().ok())) {
        if (pre_stop_running) {
          for (const HookRun& h : t.hooks) {
            if (h.kind != HookKind::kPreStop) continue;
            Emit(t, EventType::kWarning, "FailedPreStopHook",
                 fmt::format("PreStop hook of container {} did not end within the grace period "
                             "of {}",
                             h.container, Seconds(GracePeriod(t))));
          }
          ClearHooks(t);
          t.term_pending = false;
        }
        WriteAhead(JournalOp::kKill, t);
        // A kill the engine did not take is sent again at the next Observe().
        if (d && d->Kill(*t.handle).code() == model::ErrorCode::kUnavailable) continue;
        t.kill_sent = true;
        Emit(t, EventType::kWarning, "Killing",
             fmt::format("grace period of {} expired; killing", Seconds(GracePeriod(t))));
      }
    }
  }
}

void TaskRunner::Inspect(Task& t) {
  Driver* driver = DriverFor(t);
  if (!driver || !t.handle) return;
  std::vector<ContainerStatus> statuses = driver->Inspect(*t.handle);
  // Nothing known while the driver cannot see (engine gone): judge nothing, wait for it.
  if (statuses.empty() && !driver->Available().ok()) return;
  bool any_running = false;
  const ContainerStatus* ended = nullptr;  // the first essential container that ended
  std::set<std::string> waiting;
  for (const auto& s : statuses) {
    if (s.pid != 0) {  // started late (dependsOn): re-adoption after a restart needs its pid
      for (auto& c : t.handle->containers) {
        if (c.name == s.name)
          c = ContainerHandle{c.name, s.pid, s.start_time_ticks, c.container_id};
      }
    }
    if (s.state == ContainerState::kWaiting) waiting.insert(s.name);
    if (s.state == ContainerState::kRunning || s.state == ContainerState::kWaiting) {
      any_running = true;
      continue;
    }
    bool essential = true;
    for (const auto& c : t.launch.containers) {
      if (c.name == s.name) essential = c.essential;
    }
    if (essential && !ended) ended = &s;
  }
  if (waiting != t.waiting) {
    t.waiting = std::move(waiting);
    UpdateReadiness(t);
  }
  if (t.active()) BeginPostStartHooks(t);
  if (t.phase == TaskPhase::kStopping) {
    if (any_running) return;
  } else if (!ended && (any_running || statuses.empty())) {
    return;
  }
  bool success = false;
  std::string why = "all containers exited";
  if (ended) {
    t.last_exit_code = ended->exit_code;
    t.last_signal = ended->signal;
    success =
        ended->state == ContainerState::kExited && ended->exit_code == 0 && ended->signal == 0;
    if (ended->state == ContainerState::kUnknown) {
      why = fmt::format("container {} is gone", ended->name);
    } else if (ended->signal != 0) {
      why = fmt::format("container {} killed by signal {}", ended->name, ended->signal);
    } else {
      why = fmt::format("container {} exited with code {}", ended->name, ended->exit_code);
    }
    if (!ended->message.empty()) why += " (" + ended->message + ")";
  }
  HandleExit(t, success, why);
}

void TaskRunner::HandleExit(Task& t, bool success, const std::string& why) {
  const model::TimePoint now = clock_.Now();
  Driver* driver = DriverFor(t);
  if (driver && t.handle) (void)driver->Cleanup(*t.handle);
  t.handle.reset();
  for (auto& p : t.probes) {
    if (p.in_flight) probe_requests_.erase(p.in_flight);
  }
  t.probes.clear();
  t.waiting.clear();
  ClearHooks(t);
  t.post_started.clear();
  t.pre_stop_begun = t.pre_stop_ran = false;
  const bool was_ready = t.phase == TaskPhase::kReady;

  if (t.stop_intent == StopIntent::kRemove) {
    Release(t);
    t.phase = success ? TaskPhase::kSucceeded : TaskPhase::kFailed;
    t.reason = "Stopped";
    t.message = why;
    Emit(t, EventType::kNormal, "Stopped", why);
    return;
  }
  if (t.stop_intent == StopIntent::kNone && !success && RestartOnNewPorts(t, was_ready, why)) {
    return;
  }
  if (t.stop_intent == StopIntent::kRestart) success = false;  // killed by its own probe
  t.stop_intent = StopIntent::kNone;
  if (!success) ++t.failures;
  if (was_ready && now - t.ready_at < options_.early_exit_window) ++t.early_exits;

  const model::RestartPolicy policy = t.tmpl->restart_policy;
  const bool restart = policy == model::RestartPolicy::kAlways ||
                       (policy == model::RestartPolicy::kOnFailure && !success);
  if (!restart) {
    Release(t);
    t.phase = success ? TaskPhase::kSucceeded : TaskPhase::kFailed;
    t.reason = success ? "Completed" : "Error";
    t.message = why;
    Emit(t, success ? EventType::kNormal : EventType::kWarning, t.reason, why);
    return;
  }
  const model::Duration delay = t.backoff.OnExit(now - t.started_at);
  // Nothing is held through the back-off (ECS replaces a stopped task the same way); Act()
  // places the restart again. Kubernetes keeps a crash-looping pod's requests on its node.
  Release(t);
  ++t.restarts;
  t.not_before = now + delay;
  t.phase = TaskPhase::kPending;
  t.reason = "CrashLoopBackOff";
  t.message = why;
  Emit(t, EventType::kWarning, "BackOff",
       fmt::format("{}; back-off {} restarting task", why, Seconds(delay)));
}

void TaskRunner::Act() {
  const model::TimePoint now = clock_.Now();
  for (auto& [id, t] : tasks_) {
    if (t.phase != TaskPhase::kPending || t.stop_intent != StopIntent::kNone) continue;
    if (now < t.not_before) continue;
    if (!t.placed) {
      Placement p = scheduler_.Place(t.request, port_check_);
      if (!p.placed) {
        if (t.reason != "Unschedulable" || t.message != p.reason) {
          t.reason = "Unschedulable";
          t.message = p.reason;
          Emit(t, EventType::kWarning, "FailedScheduling", p.reason);
        }
        continue;
      }
      t.placed = true;
      t.node_id = p.node_id;
      t.host_ports = p.host_ports;
      Emit(t, EventType::kNormal, "Scheduled", fmt::format("assigned to node {}", p.node_id));
    }
    Start(t);
  }
}

void TaskRunner::Start(Task& t) {
  Driver* driver = DriverFor(t);
  if (!driver) {
    if (t.reason != "NoDriver") {
      t.reason = "NoDriver";
      t.message = "no driver for this task's kind";
      Emit(t, EventType::kWarning, "FailedCreate", t.message);
    }
    return;
  }
  if (model::Status available = driver->Available(); !available.ok()) {
    Wait(t, "DriverUnavailable", available.message());
    return;
  }
  model::Result<LaunchSpec> spec = builder_ ? builder_(t) : model::Result<LaunchSpec>(LaunchSpec{});
  if (!spec.ok()) {
    if (t.reason != "CreateContainerConfigError" || t.message != spec.status().message()) {
      t.reason = "CreateContainerConfigError";
      t.message = spec.status().message();
      Emit(t, EventType::kWarning, "Failed", t.message);
    }
    return;
  }
  t.launch = std::move(spec).value();
  if (t.launch.task_id.empty()) t.launch.task_id = t.id;
  if (t.launch.task_dir.empty()) t.launch.task_dir = options_.task_dir_root + "/" + t.id;
  WriteAhead(JournalOp::kStart, t);
  const model::TimePoint now = clock_.Now();
  model::Result<TaskHandle> handle = driver->Start(t.launch);
  t.started_at = now;
  if (!handle.ok() && handle.status().code() == model::ErrorCode::kUnavailable) {
    // Not a failed run: the driver cannot start it yet (pulling its image, engine away).
    Wait(t, "ContainerCreating", handle.status().message());
    return;
  }
  if (!handle.ok()) {
    Emit(t, EventType::kWarning, "Failed", "start failed: " + handle.status().message());
    t.phase = TaskPhase::kRunning;  // so that HandleExit treats it as a failed run
    HandleExit(t, false, "start failed: " + handle.status().message());
    return;
  }
  t.handle = std::move(handle).value();
  t.phase = TaskPhase::kRunning;
  t.readiness_failed = false;
  t.reason.clear();
  t.message.clear();
  Emit(t, EventType::kNormal, "Started", fmt::format("started on node {}", t.node_id));
  if (!t.security_reported) {
    t.security_reported = true;
    const std::string unenforced = driver->SecurityNotEnforced(t.launch);
    if (!unenforced.empty()) {
      Emit(t, EventType::kWarning, "SecurityContextNotEnforced", unenforced);
    }
  }
  ClearHooks(t);
  t.post_started.clear();
  t.pre_stop_begun = t.pre_stop_ran = false;
  // Drivers start a container with dependsOn conditions later (Inspect() tells when): until
  // then it is waiting, and its postStart hook waits with it.
  t.waiting.clear();
  for (const auto& c : t.launch.containers) {
    if (!c.depends_on.empty()) t.waiting.insert(c.name);
  }
  InitProbes(t);
  BeginPostStartHooks(t);
  UpdateReadiness(t);
}

void TaskRunner::Wait(Task& t, const std::string& reason, const std::string& message) {
  t.not_before = clock_.Now() + options_.driver_retry;
  if (t.reason == reason && t.message == message) return;
  t.reason = reason;
  t.message = message;
  Emit(t, EventType::kNormal, reason, message);
}

void TaskRunner::InitProbes(Task& t) {
  for (auto& p : t.probes) {
    if (p.in_flight) probe_requests_.erase(p.in_flight);
  }
  t.probes.clear();
  const model::TimePoint now = clock_.Now();
  for (std::size_t ci = 0; ci < t.tmpl->containers.size(); ++ci) {
    const auto& c = t.tmpl->containers[ci];
    auto add = [&](ProbeKind kind, const std::optional<model::ProbeSpec>& spec) {
      if (spec) t.probes.push_back(ProbeState{ci, ProbeTracker(clock_, kind, *spec, now), 0});
    };
    add(ProbeKind::kStartup, c.startup);
    add(ProbeKind::kLiveness, c.liveness);
    add(ProbeKind::kReadiness, c.readiness);
  }
}

void TaskRunner::UpdateReadiness(Task& t) {
  if (!t.active()) return;
  bool started = true;
  bool ready = true;
  for (const auto& p : t.probes) {
    const ProbeKind kind = p.tracker.kind();
    if (kind == ProbeKind::kStartup && p.tracker.state() != ProbeResult::kSuccess) started = false;
    if (kind == ProbeKind::kReadiness && !p.tracker.Passing()) ready = false;
  }
  // A container still waiting on its dependsOn is not ready, as a pod with a container that
  // has not started is not.
  if (!t.waiting.empty()) ready = false;
  // A container is not Running, so not Ready, before its postStart hook ended (kubelet).
  if (HookRunning(t, HookKind::kPostStart)) ready = false;
  TaskPhase next =
      !started ? TaskPhase::kStarting : (ready ? TaskPhase::kReady : TaskPhase::kRunning);
  if (next == t.phase) return;
  if (next == TaskPhase::kReady) {
    t.ready_at = clock_.Now();
    Emit(t, EventType::kNormal, "Ready", "task is ready");
  } else if (t.phase == TaskPhase::kReady) {
    Emit(t, EventType::kWarning, "NotReady", "task is no longer ready");
  }
  t.phase = next;
}

void TaskRunner::RunProbes(Task& t) {
  const model::TimePoint now = clock_.Now();
  const bool started = t.phase != TaskPhase::kStarting;
  for (std::size_t i = 0; i < t.probes.size(); ++i) {
    ProbeState& p = t.probes[i];
    const model::ProbeSpec& spec = p.tracker.spec();
    if (p.in_flight || !p.tracker.Due(now)) continue;
    if (p.tracker.kind() != ProbeKind::kStartup && !started) continue;    // startup holds them back
    if (t.waiting.count(t.tmpl->containers[p.container].name)) continue;  // not started yet
    if (HookRunning(t, HookKind::kPostStart, t.tmpl->containers[p.container].name)) continue;
    HealthCheckRequest req;
    req.id = next_request_id_++;
    req.action = spec.action;
    req.host = spec.host.empty() ? "127.0.0.1" : spec.host;
    req.path = spec.path;
    req.scheme = spec.scheme;
    req.http_headers = spec.http_headers;
    req.command = spec.command;
    req.grpc_service = spec.grpc_service;
    req.timeout = std::chrono::milliseconds(std::max(1, spec.timeout_seconds) * 1000);
    // Resolve the port: a container port's name or number -> the host port the task got.
    req.port = 0;
    for (const auto& c : t.launch.containers) {
      for (const auto& b : c.ports) {
        if (req.port == 0 && ((!b.name.empty() && b.name == spec.port) ||
                              std::to_string(b.container_port) == spec.port)) {
          req.port = b.host_port;
        }
      }
    }
    if (req.port == 0) req.port = std::atoi(spec.port.c_str());
    if (p.container < t.launch.containers.size()) {
      const ContainerLaunch& cl = t.launch.containers[p.container];
      req.env = cl.env;
      req.working_dir = cl.working_dir.empty() ? t.launch.task_dir : cl.working_dir;
      // Where the process driver mounted one (as root), the probe sees the same names.
      const std::string hosts = t.launch.task_dir + "/hosts";
      if (!t.launch.hosts_file.empty() && ::access(hosts.c_str(), R_OK) == 0) {
        req.hosts_file = hosts;
      }
    }
    if (t.handle && p.container < t.tmpl->containers.size()) {
      const std::string& name = t.tmpl->containers[p.container].name;
      for (const auto& c : t.handle->containers) {
        if (c.name == name) req.container_id = c.container_id;
      }
      if (!req.container_id.empty()) req.working_dir.clear();  // the container's own
    }
    p.in_flight = req.id;
    p.tracker.Begin(now);
    probe_requests_[req.id] = {t.id, i};
    checker_.Begin(req);
  }
}

void TaskRunner::OnProbeResult(Task& t, ProbeState& p, const HealthCheckResult& r) {
  const ProbeResult before = p.tracker.state();
  p.tracker.Record(r.success, clock_.Now());
  const ProbeResult after = p.tracker.state();
  ReportHealth(t, p);
  if (after != ProbeResult::kFailure) {
    UpdateReadiness(t);
    return;
  }
  const std::string container = t.tmpl->containers[p.container].name;
  const ProbeKind kind = p.tracker.kind();
  const char* kind_name = kind == ProbeKind::kStartup    ? "Startup"
                          : kind == ProbeKind::kLiveness ? "Liveness"
                                                         : "Readiness";
  const std::string message =
      fmt::format("{} probe failed {} times for container {}: {}", kind_name,
                  p.tracker.consecutive_failures(), container, r.message);
  if (kind == ProbeKind::kReadiness) {
    if (before != ProbeResult::kFailure) Emit(t, EventType::kWarning, "Unhealthy", message);
    t.readiness_failed = true;
    UpdateReadiness(t);
    return;
  }
  KillForRestart(t, "Unhealthy", message);
}

void TaskRunner::ReportHealth(Task& t, const ProbeState& p) {
  // A container's health (dependsOn HEALTHY) is its readiness, else its liveness.
  const ProbeKind kind = p.tracker.kind();
  bool has_readiness = false;
  for (const auto& other : t.probes) {
    if (other.container == p.container && other.tracker.kind() == ProbeKind::kReadiness) {
      has_readiness = true;
    }
  }
  if (kind == ProbeKind::kStartup || (kind == ProbeKind::kLiveness && has_readiness)) return;
  Driver* driver = DriverFor(t);
  if (!driver || !t.handle) return;
  driver->ReportHealth(*t.handle, t.tmpl->containers[p.container].name, p.tracker.Passing());
}

void TaskRunner::KillForRestart(Task& t, const std::string& reason, const std::string& message) {
  Emit(t, EventType::kWarning, reason, message + "; restarting");
  t.reason = reason;
  t.message = message;
  if (!t.handle) return;
  t.phase = TaskPhase::kStopping;
  t.stop_intent = StopIntent::kRestart;
  t.kill_sent = false;
  SendTerm(t);  // preStop hooks first, as kubelet's killContainer
}

}  // namespace capstan::orchestrator

namespace capstan::orchestrator {

void TaskRunner::BeginPostStartHooks(Task& t) {
  for (const auto& c : t.launch.containers) {
    if (t.waiting.count(c.name) || !t.post_started.insert(c.name).second) continue;
    const model::ContainerSpec* spec = FindContainerSpec(*t.tmpl, c.name);
    if (!spec || !spec->post_start) continue;
    // Kubernetes gives postStart no deadline of its own; Capstan bounds it by the grace period
    // so a hook that hangs cannot hold a task out of service for ever.
    BeginHook(t, HookKind::kPostStart, c.name, *spec->post_start, GracePeriod(t));
  }
}

void TaskRunner::BeginPreStopHooks(Task& t) {
  for (const auto& c : t.launch.containers) {
    if (t.waiting.count(c.name)) continue;  // never started: nothing to drain
    const model::ContainerSpec* spec = FindContainerSpec(*t.tmpl, c.name);
    if (!spec || !spec->pre_stop) continue;
    t.pre_stop_ran = true;
    BeginHook(t, HookKind::kPreStop, c.name, *spec->pre_stop,
              std::max<model::Duration>(t.kill_at - clock_.Now(), std::chrono::milliseconds(1)));
  }
}

void TaskRunner::BeginHook(Task& t, HookKind kind, const std::string& container,
                           const model::LifecycleHandler& hook, model::Duration timeout) {
  HookRun run;
  run.kind = kind;
  run.container = container;
  if (hook.action == model::HookAction::kSleep) {
    run.sleep_until = clock_.Now() + std::chrono::seconds(std::max(0, hook.sleep_seconds));
    t.hooks.push_back(std::move(run));
    return;
  }
  HealthCheckRequest req =
      HookRequest(hook, container, t.launch, t.handle ? &*t.handle : nullptr,
                  std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  req.id = next_request_id_++;
  run.in_flight = req.id;
  hook_requests_[req.id] = t.id;
  t.hooks.push_back(std::move(run));
  checker_.Begin(req);
}

void TaskRunner::AdvanceSleepHooks(Task& t) {
  const model::TimePoint now = clock_.Now();
  for (std::size_t i = 0; i < t.hooks.size();) {
    if (t.hooks[i].in_flight == 0 && now >= t.hooks[i].sleep_until) {
      OnHookResult(t, i, true, "");
      continue;  // OnHookResult erased it (or cleared them all)
    }
    ++i;
  }
}

void TaskRunner::OnHookResult(Task& t, std::size_t index, bool success,
                              const std::string& message) {
  const HookRun run = t.hooks[index];
  t.hooks.erase(t.hooks.begin() + static_cast<std::ptrdiff_t>(index));
  if (success) {
    if (run.kind == HookKind::kPostStart) UpdateReadiness(t);
    return;  // a preStop that ended lets SIGTERM go at the next Observe()
  }
  const std::string why =
      fmt::format("{} hook of container {} failed: {}", HookName(run.kind), run.container, message);
  if (run.kind == HookKind::kPreStop) {
    // kubelet records the failure and goes on stopping the container.
    Emit(t, EventType::kWarning, HookFailureReason(run.kind), why);
    return;
  }
  // kubelet kills a container whose postStart failed; its restart policy decides what next.
  if (t.active()) KillForRestart(t, HookFailureReason(run.kind), why);
}

bool TaskRunner::HookRunning(const Task& t, HookKind kind, const std::string& container) const {
  for (const HookRun& h : t.hooks) {
    if (h.kind == kind && (container.empty() || h.container == container)) return true;
  }
  return false;
}

void TaskRunner::ClearHooks(Task& t) {
  for (const HookRun& h : t.hooks) {
    if (h.in_flight) hook_requests_.erase(h.in_flight);
  }
  t.hooks.clear();
}

}  // namespace capstan::orchestrator
