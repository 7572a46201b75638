#include "orchestrator/deployment_controller.h"

#include <fmt/format.h>

#include <algorithm>

#include "orchestrator/rollout_math.h"

namespace capstan::orchestrator {
namespace {

int PhaseRank(TaskPhase p) {
  switch (p) {
    case TaskPhase::kPending:
      return 0;
    case TaskPhase::kStarting:
      return 1;
    case TaskPhase::kRunning:
      return 2;
    case TaskPhase::kReady:
      return 3;
    default:
      return 4;
  }
}

bool Live(const Task& t) { return !IsTerminal(t.phase) && t.phase != TaskPhase::kStopping; }

std::string Short(const std::string& revision) { return revision.substr(0, 8); }

}  // namespace

const char* RolloutPhaseName(RolloutPhase phase) {
  switch (phase) {
    case RolloutPhase::kProgressing:
      return "Progressing";
    case RolloutPhase::kComplete:
      return "Complete";
    case RolloutPhase::kFailed:
      return "Failed";
    case RolloutPhase::kRolledBack:
      return "RolledBack";
    case RolloutPhase::kPaused:
      return "Paused";
    case RolloutPhase::kDegraded:
      return "Degraded";
  }
  return "Unknown";
}

DeploymentController::DeploymentController(std::string app, std::string name, TaskRunner& runner,
                                           EventLog& events, model::Clock& clock,
                                           DeploymentOptions options)
    : app_(std::move(app)),
      name_(std::move(name)),
      runner_(runner),
      events_(events),
      clock_(clock),
      options_(options) {}

std::string DeploymentController::ObjectName() const { return app_ + "/Workload/" + name_; }

void DeploymentController::Event(EventType type, const std::string& reason,
                                 const std::string& message) {
  events_.Record(ObjectName(), type, reason, message);
}

void DeploymentController::SetSpec(const model::WorkloadSpec& spec) {
  spec_ = spec;
  has_spec_ = true;
  deleting_ = false;
}

void DeploymentController::Delete() {
  deleting_ = true;
  Event(EventType::kNormal, "Deleting", "workload removed from the desired state");
}

bool DeploymentController::Gone() {
  return runner_.TasksOf(app_, OwnerKind::kWorkload, name_).empty();
}

void DeploymentController::RememberRevision(const std::string& revision,
                                            const model::TaskTemplate& tmpl) {
  auto it = std::find_if(history_.begin(), history_.end(),
                         [&](const auto& e) { return e.first == revision; });
  std::shared_ptr<const model::TaskTemplate> ptr;
  if (it != history_.end()) {
    ptr = it->second;
    history_.erase(it);
  } else {
    ptr = std::make_shared<const model::TaskTemplate>(tmpl);
  }
  history_.emplace_back(revision, std::move(ptr));
  // Trim to revisionHistoryLimit, oldest first, never the revisions in use.
  const std::size_t limit = static_cast<std::size_t>(std::max(1, spec_.revision_history_limit));
  for (auto h = history_.begin(); history_.size() > limit && h != history_.end();) {
    if (h->first == target_ || h->first == stable_ || h->first == revision || h->first == pinned_) {
      ++h;
    } else {
      h = history_.erase(h);
    }
  }
}

std::shared_ptr<const model::TaskTemplate> DeploymentController::Template(
    const std::string& revision) const {
  for (const auto& [rev, tmpl] : history_) {
    if (rev == revision) return tmpl;
  }
  return nullptr;
}

void DeploymentController::BeginRollout(const std::string& revision, const std::string& why) {
  if (revision == spec_.revision) RememberRevision(revision, spec_.task);
  const std::string from = target_;
  if (!from.empty() && from != revision && from != stable_ &&
      phase_ == RolloutPhase::kProgressing && !rolling_back_) {
    // A newer revision arrived before this rollout finished: it moves on to the newest one.
    Event(EventType::kNormal, "RolloutSuperseded",
          fmt::format("revision {} superseded by {} before it completed", Short(from),
                      Short(revision)));
  }
  target_ = revision;
  rolling_back_ = false;
  halted_ = false;
  phase_ = RolloutPhase::kProgressing;
  message_ = why;
  last_progress_ = clock_.Now();
  last_counts_ = Counts{};
  failed_tasks_[revision] = 0;
  Event(EventType::kNormal, "RolloutStarted",
        from.empty() ? fmt::format("{}: revision {}", why, Short(revision))
                     : fmt::format("{}: revision {} -> {}", why, Short(from), Short(revision)));
}

DeploymentController::Counts DeploymentController::Count(const std::vector<Task*>& tasks) const {
  const model::TimePoint now = clock_.Now();
  const model::Duration min_ready = std::chrono::seconds(std::max(0, spec_.min_ready_seconds));
  Counts c;
  for (const Task* t : tasks) {
    if (!Live(*t)) continue;
    const bool available = t->Available(now, min_ready);
    if (t->phase == TaskPhase::kReady) ++c.ready;
    if (t->revision == target_) {
      ++c.new_total;
      if (available) ++c.new_available;
    } else {
      ++c.old_total;
      if (available) ++c.old_available;
    }
  }
  return c;
}

std::string DeploymentController::DetectFailure(const std::vector<Task*>& tasks) {
  const bool circuit_breaker = spec_.ecs && spec_.ecs->circuit_breaker_enable;
  int readiness_failed = 0;
  for (const Task* t : tasks) {
    if (t->revision != target_ || !Live(*t)) continue;
    if (t->readiness_failed) ++readiness_failed;
    if (circuit_breaker) continue;
    if (t->restarts >= options_.crash_loop_restarts) {
      return fmt::format("task {} is crash-looping: restarted {} times ({})", t->id, t->restarts,
                         t->message);
    }
    if (t->early_exits > 0) {
      return fmt::format("task {} exited soon after becoming ready ({})", t->id, t->message);
    }
    if (options_.fail_on_readiness && t->readiness_failed) {
      return fmt::format("task {} failed its readiness probe", t->id);
    }
  }
  if (circuit_breaker) {
    const int threshold = CircuitBreakerThreshold(spec_.replicas);
    const int failed = failed_tasks_[target_] + readiness_failed;
    if (failed >= threshold) {
      return fmt::format("deployment circuit breaker: {} failed tasks reached the threshold of {}",
                         failed, threshold);
    }
  }
  return "";
}

void DeploymentController::FailRollout(const std::vector<Task*>& tasks, const std::string& why) {
  const std::string bad = target_;
  failed_.insert(bad);
  message_ = why;
  Event(EventType::kWarning, "RolloutFailed",
        fmt::format("revision {} failed: {}", Short(bad), why));
  if (rolling_back_) {
    // Rolling back failed too: keep what runs, say so, and do not loop between revisions.
    phase_ = RolloutPhase::kDegraded;
    halted_ = true;
    Event(EventType::kWarning, "RollbackFailed",
          fmt::format("rollback to revision {} failed; keeping the running tasks", Short(bad)));
    return;
  }
  if (spec_.ecs && spec_.ecs->circuit_breaker_enable && !spec_.ecs->circuit_breaker_rollback) {
    phase_ = RolloutPhase::kFailed;
    halted_ = true;
    Event(EventType::kWarning, "DeploymentFailed",
          "circuit breaker tripped; rollback is disabled, so the deployment stops here");
    return;
  }
  if (stable_.empty() || stable_ == bad || !Template(stable_)) {
    phase_ = RolloutPhase::kFailed;
    Event(EventType::kWarning, "NoRollbackTarget",
          "no earlier fully available revision; tasks keep restarting per their restart policy");
    return;
  }
  Event(EventType::kWarning, "RollingBack",
        fmt::format("rolling back from revision {} to {}", Short(bad), Short(stable_)));
  for (Task* t : tasks) {
    if (t->revision == bad && Live(*t)) {
      runner_.RequestStop(t->id, fmt::format("revision {} failed", Short(bad)));
    }
  }
  target_ = stable_;
  rolling_back_ = true;
  phase_ = RolloutPhase::kProgressing;
  last_progress_ = clock_.Now();
  last_counts_ = Counts{};
}

void DeploymentController::StartTasks(int n) {
  auto tmpl = Template(target_);
  if (!tmpl || n <= 0) return;
  for (int i = 0; i < n; ++i) {
    std::string id = fmt::format("{}-{}-{}-{}", app_, name_, Short(target_), next_ordinal_++);
    // After a kill, the store may hold a task started with an ordinal the saved counter does
    // not cover yet (the task is journalled before the counter is saved): never reuse its id.
    while (runner_.Find(id)) {
      id = fmt::format("{}-{}-{}-{}", app_, name_, Short(target_), next_ordinal_++);
    }
    runner_.Create(std::move(id), app_, OwnerKind::kWorkload, name_, target_, tmpl);
  }
}

void DeploymentController::StopRanked(std::vector<Task*> candidates, int n,
                                      const std::string& why) {
  if (n <= 0) return;
  std::sort(candidates.begin(), candidates.end(), [](const Task* a, const Task* b) {
    if (a->placed != b->placed) return !a->placed;
    if (PhaseRank(a->phase) != PhaseRank(b->phase)) {
      return PhaseRank(a->phase) < PhaseRank(b->phase);
    }
    if (a->phase == TaskPhase::kReady && a->ready_at != b->ready_at) {
      return a->ready_at > b->ready_at;
    }
    if (a->restarts != b->restarts) return a->restarts > b->restarts;
    if (a->created_at != b->created_at) return a->created_at > b->created_at;
    return a->id > b->id;
  });
  for (int i = 0; i < n && i < static_cast<int>(candidates.size()); ++i) {
    runner_.RequestStop(candidates[i]->id, why);
  }
}

void DeploymentController::Step() {
  const model::TimePoint now = clock_.Now();
  std::vector<Task*> tasks;
  for (Task* t : runner_.TasksOf(app_, OwnerKind::kWorkload, name_)) {
    int& seen = seen_failures_[t->id];
    if (t->failures > seen) failed_tasks_[t->revision] += t->failures - seen;
    seen = t->failures;
    if (IsTerminal(t->phase)) {
      seen_failures_.erase(t->id);
      runner_.Remove(t->id);
      continue;
    }
    tasks.push_back(t);
  }
  if (deleting_) {
    for (Task* t : tasks) {
      if (Live(*t)) runner_.RequestStop(t->id, "workload deleted");
    }
    return;
  }
  if (!has_spec_) return;

  // Which revision to converge on.
  if (!pinned_.empty() && spec_.revision != pinned_spec_rev_) pinned_.clear();
  const std::string wanted = pinned_.empty() ? spec_.revision : pinned_;
  if (spec_.paused) {
    if (phase_ != RolloutPhase::kPaused && !halted_) {
      phase_ = RolloutPhase::kPaused;
      Event(EventType::kNormal, "Paused", "rollout paused");
    }
  } else {
    if (phase_ == RolloutPhase::kPaused) {
      phase_ = target_ == stable_ && !target_.empty() ? RolloutPhase::kComplete
                                                      : RolloutPhase::kProgressing;
      last_progress_ = now;  // as Kubernetes: the deadline starts over on resume
      Event(EventType::kNormal, "Resumed", "rollout resumed");
    }
    if (wanted != target_) {
      if (failed_.count(wanted)) {
        if (skipped_reported_.insert(wanted).second) {
          Event(EventType::kWarning, "SkippedFailedRevision",
                fmt::format("revision {} failed before; it is not retried until its content "
                            "changes",
                            Short(wanted)));
        }
      } else {
        BeginRollout(wanted, pinned_.empty() ? "new revision" : "manual rollback");
      }
    }
  }
  if (target_.empty()) return;

  // Is the rollout failing?
  if (!halted_ && !spec_.paused && phase_ == RolloutPhase::kProgressing) {
    std::string why = DetectFailure(tasks);
    if (why.empty() &&
        now - last_progress_ > std::chrono::seconds(std::max(0, spec_.progress_deadline_seconds))) {
      why = fmt::format("ProgressDeadlineExceeded: no progress for {}s",
                        spec_.progress_deadline_seconds);
    }
    if (!why.empty()) {
      FailRollout(tasks, why);
      tasks.erase(std::remove_if(tasks.begin(), tasks.end(), [](Task* t) { return !Live(*t); }),
                  tasks.end());
    }
  }
  if (halted_) return;

  const Counts c = Count(tasks);
  if (c.new_total > last_counts_.new_total || c.new_available > last_counts_.new_available ||
      c.old_total < last_counts_.old_total) {
    last_progress_ = now;
  }
  last_counts_ = c;

  const int desired = std::max(0, spec_.replicas);
  if (c.new_total == desired && c.new_available == desired && c.old_total == 0 &&
      (phase_ == RolloutPhase::kProgressing || phase_ == RolloutPhase::kFailed)) {
    stable_ = target_;
    failed_.erase(target_);
    if (rolling_back_) {
      phase_ = RolloutPhase::kRolledBack;
      Event(EventType::kNormal, "RolledBack",
            fmt::format("rolled back to revision {}", Short(target_)));
    } else {
      phase_ = RolloutPhase::kComplete;
      Event(EventType::kNormal, "RolloutComplete",
            fmt::format("revision {} is available with {} tasks", Short(target_), desired));
    }
    // After a rollback the message keeps saying why the revision failed.
    if (!rolling_back_) message_.clear();
    rolling_back_ = false;
  }
  if (spec_.paused && c.old_total > 0) return;  // no rollout progress while paused

  std::vector<Task*> old_live, old_unavailable, old_available, new_live;
  int old_present = 0;
  const model::Duration min_ready = std::chrono::seconds(std::max(0, spec_.min_ready_seconds));
  for (Task* t : tasks) {
    const bool is_new = t->revision == target_;
    if (!is_new) ++old_present;  // includes tasks still stopping
    if (!Live(*t)) continue;
    if (is_new) {
      new_live.push_back(t);
    } else {
      old_live.push_back(t);
      (t->Available(now, min_ready) ? old_available : old_unavailable).push_back(t);
    }
  }

  if (spec_.strategy == model::RolloutStrategy::kRecreate) {
    RecreateStep s = ComputeRecreateStep(desired, old_present, c.new_total);
    if (s.stop_all_old && !old_live.empty()) {
      Event(EventType::kNormal, "ScalingDown",
            fmt::format("Recreate: stopping {} old tasks", old_live.size()));
      for (Task* t : old_live) runner_.RequestStop(t->id, "Recreate: old revision");
    }
    StartTasks(s.start_new);
    StopRanked(new_live, s.stop_new, "scaled down");
    return;
  }

  const RolloutBounds bounds =
      spec_.ecs ? EcsBounds(desired, spec_.ecs->minimum_healthy_percent, spec_.ecs->maximum_percent)
                : KubernetesBounds(desired, spec_.max_surge, spec_.max_unavailable);
  RolloutCounts rc{desired, c.old_total, c.old_available, c.new_total, c.new_available};
  RolloutStep s = ComputeRolloutStep(rc, bounds);
  if (s.start_new > 0) {
    Event(EventType::kNormal, "ScalingUp",
          fmt::format("starting {} tasks of revision {}", s.start_new, Short(target_)));
  }
  StartTasks(s.start_new);
  if (s.stop_old_unavailable + s.stop_old_available > 0) {
    Event(EventType::kNormal, "ScalingDown",
          fmt::format("stopping {} tasks of older revisions",
                      s.stop_old_unavailable + s.stop_old_available));
  }
  StopRanked(old_unavailable, s.stop_old_unavailable, "older revision, not available");
  StopRanked(old_available, s.stop_old_available, "older revision replaced");
  if (s.stop_new > 0) {
    Event(EventType::kNormal, "ScalingDown", fmt::format("scaling down by {}", s.stop_new));
  }
  StopRanked(new_live, s.stop_new, "scaled down");
}

model::Status DeploymentController::Rollback(const std::string& revision) {
  auto tmpl = Template(revision);
  if (!tmpl) {
    return model::Status::Error(
        model::ErrorCode::kNotFound,
        fmt::format("revision {} is not in the history of {}", revision, ObjectName()));
  }
  failed_.erase(revision);
  skipped_reported_.erase(revision);
  pinned_ = revision;
  pinned_spec_rev_ = spec_.revision;
  Event(EventType::kNormal, "ManualRollback",
        fmt::format("rollback to revision {} requested", Short(revision)));
  if (revision != target_) {
    RememberRevision(revision, *tmpl);
    BeginRollout(revision, "manual rollback");
  }
  return model::Status::Ok();
}

WorkloadStatus DeploymentController::Status() const {
  WorkloadStatus s;
  const model::TimePoint now = clock_.Now();
  const model::Duration min_ready = std::chrono::seconds(std::max(0, spec_.min_ready_seconds));
  s.desired = spec_.replicas;
  s.current_revision = stable_;
  s.target_revision = target_;
  s.desired_revision = spec_.revision;
  s.phase = phase_;
  s.message = message_;
  s.failed_revisions.assign(failed_.begin(), failed_.end());
  for (const auto& [rev, tmpl] : history_) s.history.push_back(rev);
  for (const auto& [id, t] : runner_.tasks()) {
    if (t.app != app_ || t.owner_kind != OwnerKind::kWorkload || t.owner != name_) continue;
    s.tasks.push_back(TaskSummary{t.id, t.revision, t.phase, t.reason, t.message, t.node_id,
                                  t.host_ports, t.restarts});
    if (!Live(t)) continue;
    ++s.total;
    if (t.revision == target_) ++s.updated;
    if (t.phase == TaskPhase::kReady) ++s.ready;
    if (t.Available(now, min_ready)) ++s.available;
  }
  return s;
}

WorkloadRecord DeploymentController::Export() const {
  WorkloadRecord r;
  r.app = app_;
  r.name = name_;
  for (const auto& [rev, tmpl] : history_) r.history.emplace_back(rev, *tmpl);
  r.failed_revisions.assign(failed_.begin(), failed_.end());
  r.stable_revision = stable_;
  r.target_revision = target_;
  r.next_ordinal = next_ordinal_;
  return r;
}

void DeploymentController::Import(const WorkloadRecord& r) {
  history_.clear();
  for (const auto& [rev, tmpl] : r.history) {
    history_.emplace_back(rev, std::make_shared<const model::TaskTemplate>(tmpl));
  }
  failed_ = {r.failed_revisions.begin(), r.failed_revisions.end()};
  stable_ = r.stable_revision;
  target_ = r.target_revision;
  next_ordinal_ = r.next_ordinal;
  phase_ = target_ == stable_ ? RolloutPhase::kComplete : RolloutPhase::kProgressing;
  last_progress_ = clock_.Now();
}

void DeploymentController::ClearManualRollback() {
  if (pinned_.empty()) return;
  Event(EventType::kNormal, "ManualRollbackCleared",
        fmt::format("returning to the desired revision {}", Short(spec_.revision)));
  pinned_.clear();
  pinned_spec_rev_.clear();
}

}  // namespace capstan::orchestrator
