#include "orchestrator/job_controller.h"

#include <fmt/format.h>

#include <algorithm>

namespace capstan::orchestrator {

const char* JobPhaseName(JobPhase phase) {
  switch (phase) {
    case JobPhase::kRunning:
      return "Running";
    case JobPhase::kComplete:
      return "Complete";
    case JobPhase::kFailed:
      return "Failed";
  }
  return "Unknown";
}

JobController::JobController(std::string app, std::string name, TaskRunner& runner,
                             EventLog& events, model::Clock& clock)
    : app_(std::move(app)),
      name_(std::move(name)),
      runner_(runner),
      events_(events),
      clock_(clock) {}

std::string JobController::ObjectName() const { return app_ + "/Job/" + name_; }

void JobController::SetSpec(const model::JobSpec& spec) {
  spec_ = spec;
  has_spec_ = true;
  deleting_ = false;
}

void JobController::Delete() { deleting_ = true; }

bool JobController::Gone() { return runner_.TasksOf(app_, OwnerKind::kJob, name_).empty(); }

void JobController::Finish(JobPhase phase, const std::string& reason, const std::string& message,
                           const std::vector<Task*>& tasks) {
  phase_ = phase;
  reason_ = reason;
  events_.Record(ObjectName(),
                 phase == JobPhase::kFailed ? EventType::kWarning : EventType::kNormal, reason,
                 message);
  for (Task* t : tasks) {
    if (!IsTerminal(t->phase) && t->phase != TaskPhase::kStopping) {
      runner_.RequestStop(t->id, "job " + reason);
    }
  }
}

void JobController::Step() {
  const model::TimePoint now = clock_.Now();
  std::vector<Task*> tasks = runner_.TasksOf(app_, OwnerKind::kJob, name_);
  if (deleting_) {
    for (Task* t : tasks) {
      if (IsTerminal(t->phase)) {
        runner_.Remove(t->id);
      } else if (t->phase != TaskPhase::kStopping) {
        runner_.RequestStop(t->id, "job deleted");
      }
    }
    return;
  }
  if (!has_spec_) return;

  if (spec_.revision != revision_) {
    // A changed template is a new run: stop and forget the old one.
    for (Task* t : tasks) {
      if (IsTerminal(t->phase)) {
        runner_.Remove(t->id);
      } else {
        runner_.RequestStop(t->id, "job template changed");
      }
    }
    tasks = runner_.TasksOf(app_, OwnerKind::kJob, name_);
    revision_ = spec_.revision;
    tmpl_ = std::make_shared<const model::TaskTemplate>(spec_.task);
    started_ = false;
    phase_ = JobPhase::kRunning;
    reason_.clear();
    failed_tasks_seen_ = 0;
    backoff_ = CrashLoopBackoff();
    next_create_ = now;
  }
  if (!started_) {
    started_ = true;
    start_time_ = now;
    events_.Record(ObjectName(), EventType::kNormal, "Started",
                   fmt::format("job started: {} completions, parallelism {}", spec_.completions,
                               spec_.parallelism));
  }

  int succeeded = 0, failed = 0, active = 0, failed_tasks = 0;
  for (Task* t : tasks) {
    if (t->revision != revision_) continue;
    failed += t->failures;
    // A task stopped by request (the Job ended, or it was released while waiting out a back-off)
    // ends kSucceeded too, but it did not complete.
    if (t->phase == TaskPhase::kSucceeded && t->stop_intent == StopIntent::kNone) ++succeeded;
    if (t->phase == TaskPhase::kFailed) ++failed_tasks;
    if (!IsTerminal(t->phase) && t->phase != TaskPhase::kStopping) ++active;
  }
  if (phase_ != JobPhase::kRunning) {
    for (Task* t : tasks) {
      if (!IsTerminal(t->phase) && t->phase != TaskPhase::kStopping) {
        runner_.RequestStop(t->id, "job finished");
      }
    }
    return;
  }
  if (succeeded >= spec_.completions) {
    Finish(JobPhase::kComplete, "Completed",
           fmt::format("{} of {} completions succeeded", succeeded, spec_.completions), tasks);
    return;
  }
  if (failed > spec_.backoff_limit) {
    Finish(
        JobPhase::kFailed, "BackoffLimitExceeded",
        fmt::format("{} failed runs exceed the backoff limit of {}", failed, spec_.backoff_limit),
        tasks);
    return;
  }
  if (spec_.active_deadline_seconds > 0 &&
      now - start_time_ >= std::chrono::seconds(spec_.active_deadline_seconds)) {
    Finish(JobPhase::kFailed, "DeadlineExceeded",
           fmt::format("job was active longer than {}s", spec_.active_deadline_seconds), tasks);
    return;
  }
  // restartPolicy Never: a failed task is replaced by a new one, after an exponential back-off.
  while (failed_tasks_seen_ < failed_tasks) {
    ++failed_tasks_seen_;
    next_create_ = now + backoff_.OnExit(model::Duration::zero());
  }
  if (now < next_create_) return;
  const int want = std::min(std::max(0, spec_.parallelism), spec_.completions - succeeded);
  for (int i = active; i < want; ++i) {
    std::string id =
        fmt::format("{}-{}-{}-{}", app_, name_, revision_.substr(0, 8), next_ordinal_++);
    runner_.Create(std::move(id), app_, OwnerKind::kJob, name_, revision_, tmpl_);
  }
}

JobStatus JobController::Status() const {
  JobStatus s;
  s.phase = phase_;
  s.reason = reason_;
  s.revision = revision_;
  for (const auto& [id, t] : runner_.tasks()) {
    if (t.app != app_ || t.owner_kind != OwnerKind::kJob || t.owner != name_) continue;
    s.tasks.push_back(TaskSummary{t.id, t.revision, t.phase, t.reason, t.message, t.node_id,
                                  t.host_ports, t.restarts});
    if (t.revision != revision_) continue;
    s.failed += t.failures;
    if (t.phase == TaskPhase::kSucceeded && t.stop_intent == StopIntent::kNone) ++s.succeeded;
    if (!IsTerminal(t.phase) && t.phase != TaskPhase::kStopping) ++s.active;
  }
  return s;
}

}  // namespace capstan::orchestrator
