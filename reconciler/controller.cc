#include "reconciler/controller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "reconciler/diff.h"
#include "renderers/renderer.h"
#include "store/model_codec.h"

namespace capstan::reconciler {
namespace {

using Seconds = std::chrono::duration<double>;

std::int64_t UnixSeconds(model::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string Short(const std::string& sha) { return sha.substr(0, 12); }

// The first few errors of a render, for a status message.
std::string SummariseErrors(const model::Diagnostics& diagnostics) {
  std::string out;
  int shown = 0, total = 0;
  for (const auto& d : diagnostics) {
    if (d.severity != model::Severity::kError) continue;
    ++total;
    if (shown < 3) {
      out += (shown ? "; " : "") + d.ToString();
      ++shown;
    }
  }
  if (total > shown) out += fmt::format("; and {} more error(s)", total - shown);
  return out;
}

// A workload whose rollout completed on another revision than the desired one, which did not
// fail: a manual rollback holds it there.
const targets::WorkloadObservation* ManuallyRolledBack(const targets::AppObservation& observed) {
  for (const auto& w : observed.workloads) {
    if (w.rollout_phase == "Complete" && !w.desired_revision.empty() &&
        w.target_revision != w.desired_revision &&
        std::find(w.failed_revisions.begin(), w.failed_revisions.end(), w.desired_revision) ==
            w.failed_revisions.end()) {
      return &w;
    }
  }
  return nullptr;
}

metrics::SyncStatus ToMetric(const std::string& s) {
  if (s == "Synced") return metrics::SyncStatus::kSynced;
  if (s == "Progressing") return metrics::SyncStatus::kProgressing;
  if (s == "Failed") return metrics::SyncStatus::kFailed;
  return metrics::SyncStatus::kOutOfSync;
}

metrics::HealthStatus ToHealthMetric(const std::string& s) {
  if (s == "Healthy") return metrics::HealthStatus::kHealthy;
  if (s == "Degraded") return metrics::HealthStatus::kDegraded;
  return metrics::HealthStatus::kProgressing;
}

}  // namespace

Controller::Controller(model::Clock& clock, targets::Target& target, store::Store* store,
                       metrics::Metrics* metrics, EventSink events, ControllerOptions options)
    : clock_(clock),
      target_(target),
      store_(store),
      metrics_(metrics),
      events_(std::move(events)),
      options_(std::move(options)) {}

void Controller::AddRepository(RepositoryOptions options, std::unique_ptr<sources::Source> source) {
  if (options.name.empty()) options.name = options.url;
  Repo repo;
  repo.options = std::move(options);
  repo.source = std::move(source);
  repo.next_fetch = clock_.Now();
  repos_.push_back(std::move(repo));
}

void Controller::Event(const std::string& object, bool warning, const std::string& reason,
                       const std::string& message) {
  if (warning) {
    spdlog::warn("{}: {}: {}", object, reason, message);
  } else {
    spdlog::info("{}: {}: {}", object, reason, message);
  }
  if (events_) events_(object, warning, reason, message);
}

void Controller::ReportCommitStatus(const std::string& name, App& app, const std::string& commit,
                                    const std::string& state, const std::string& description) {
  if (!commit_status_ || commit.empty()) return;
  const std::string key = commit + "/" + state;
  if (app.reported == key) return;
  app.reported = key;
  commit_status_(app.repo, name, commit, state, description);
}

const AppOptions& Controller::OptionsFor(const std::string& app) const {
  auto it = options_.app_options.find(app);
  return it == options_.app_options.end() ? options_.default_app_options : it->second;
}

model::Status Controller::Restore() {
  if (!store_) return model::Status::Ok();
  auto records = store_->ListApps();
  if (!records.ok()) return records.status().WithContext("restore applications");
  for (const auto& record : *records) {
    App& app = apps_[record.app];
    app.repo = record.repo;
    app.seen_commit = record.last_seen_commit;
    app.sync_status = record.sync_status;
    app.health = record.health;
    if (record.desired_json.empty()) continue;
    auto decoded = store::DecodeApplication(record.desired_json);
    if (!decoded.ok()) {
      Event(record.app, true, "RestoreFailed", decoded.status().ToString());
      continue;
    }
    app.applied = std::move(*decoded);
    app.has_applied = true;
    app.applied_commit = record.last_applied_commit;
    app.last_heal = clock_.Now();
    for (auto& repo : repos_) {
      if (repo.options.url == record.repo || repo.options.name == record.repo) {
        repo.apps.insert(record.app);
        repo.last_good_commit = record.last_applied_commit;
      }
    }
    if (auto s = target_.Apply(app.applied); !s.ok()) {
      Event(record.app, true, "RestoreFailed", s.ToString());
    }
  }
  return model::Status::Ok();
}

bool Controller::TriggerFetch(const std::string& repo_name) {
  bool any = false;
  for (auto& repo : repos_) {
    if (repo_name.empty() || repo.options.url == repo_name || repo.options.name == repo_name) {
      repo.triggered = true;
      any = true;
    }
  }
  return any;
}

model::Status Controller::RequestSync(const std::string& name) {
  auto it = apps_.find(name);
  if (it == apps_.end()) {
    return model::Status::Error(model::ErrorCode::kNotFound, "no application named " + name);
  }
  it->second.sync_requested = true;
  // A sync also refreshes: fetch the application's repository now.
  TriggerFetch(it->second.repo);
  return model::Status::Ok();
}

model::Status Controller::Rollback(const std::string& name, const std::string& workload,
                                   const std::string& revision) {
  auto it = apps_.find(name);
  if (it == apps_.end()) {
    return model::Status::Error(model::ErrorCode::kNotFound, "no application named " + name);
  }
  targets::AppObservation observed = target_.Observe(name);
  bool any = false;
  for (const auto& w : observed.workloads) {
    if (!workload.empty() && w.name != workload) continue;
    std::string to = revision;
    if (to.empty()) {
      // The newest revision in history before the one serving now.
      for (auto h = w.history.rbegin(); h != w.history.rend(); ++h) {
        if (*h != w.revision) {
          to = *h;
          break;
        }
      }
    }
    if (to.empty()) {
      return model::Status::Error(model::ErrorCode::kFailedPrecondition,
                                  fmt::format("workload {} has no earlier revision", w.name));
    }
    if (!revision.empty() &&
        std::find(w.history.begin(), w.history.end(), revision) == w.history.end()) {
      if (!workload.empty()) {
        return model::Status::Error(
            model::ErrorCode::kNotFound,
            fmt::format("revision {} is not in the history of {}", revision, w.name));
      }
      continue;
    }
    if (auto s = target_.Rollback(name, w.name, to); !s.ok()) return s;
    any = true;
    Event(name + "/Workload/" + w.name, false, "ManualRollback",
          fmt::format("rolling back to revision {}", to));
    if (metrics_) metrics_->rollout.RecordRollback(name, metrics::RollbackReason::kManual);
  }
  if (!any) {
    return model::Status::Error(model::ErrorCode::kNotFound,
                                workload.empty() ? "no workload has revision " + revision
                                                 : "no workload named " + workload);
  }
  // Hold the rollback until the next commit: do not let self-heal undo it at once.
  it->second.last_heal = clock_.Now();
  return model::Status::Ok();
}

model::Plan Controller::DiffAgainstApplied(const model::DesiredState& desired) const {
  model::DesiredState applied;
  for (const auto& [name, app] : apps_) {
    if (!app.has_applied) continue;
    if (desired.apps.count(name) || repos_.size() == 1) applied.apps[name] = app.applied;
  }
  std::string commit;
  for (const auto& [name, app] : apps_) {
    if (desired.apps.count(name) && !app.applied_commit.empty()) commit = app.applied_commit;
  }
  applied.commit = commit;
  return Diff(desired, applied);
}

model::TimePoint Controller::NextFetchDue() const {
  model::TimePoint next = model::TimePoint::max();
  for (const auto& repo : repos_) {
    next = std::min(next, repo.triggered ? clock_.Now() : repo.next_fetch);
  }
  return next;
}

void Controller::Tick() {
  const model::TimePoint now = clock_.Now();
  for (auto& repo : repos_) {
    if (repo.triggered || now >= repo.next_fetch) FetchRepo(repo);
  }
  for (auto& [name, app] : apps_) {
    if (app.sync_requested) {
      app.sync_requested = false;
      target_.ClearManualRollbacks(name);  // a sync returns to Git's revision
      if (app.has_pending) {
        ApplyApp(name, app, app.pending, app.pending_commit, "manual sync");
        app.has_pending = false;
      } else if (app.has_applied) {
        ApplyApp(name, app, app.applied, app.applied_commit, "manual sync");
      }
    }
  }
  target_.Step();

  std::map<std::string, AppView> views;
  for (auto& [name, app] : apps_) views[name] = Observe(name, app);
  bool ready = !repos_.empty();
  for (const auto& repo : repos_) ready &= repo.fetched_once;
  std::lock_guard lock(views_mu_);
  views_ = std::move(views);
  ready_ = ready;
}

void Controller::FetchRepo(Repo& repo) {
  repo.triggered = false;
  repo.next_fetch = clock_.Now() + repo.options.interval;
  const model::TimePoint start = clock_.Now();
  auto fetched = repo.source->Fetch();
  const double seconds = Seconds(clock_.Now() - start).count();
  if (!fetched.ok()) {
    const std::string message = fetched.status().ToString();
    if (repo.error != message) {
      Event(repo.options.name, true, "FetchFailed", message);
    }
    repo.error = message;
    if (metrics_) {
      metrics_->source.ObserveFetch(repo.options.url, metrics::FetchResult::kFailed, seconds,
                                    clock_.WallNow());
      for (const auto& app : repo.apps) {
        metrics_->reconcile.Observe(app, metrics::ReconcileResult::kFailed, seconds);
      }
    }
    return;
  }
  repo.fetched_once = true;
  const auto& snapshot = *fetched;
  const bool changed = snapshot->commit != repo.last_commit;
  if (metrics_) {
    metrics_->source.ObserveFetch(
        repo.options.url,
        changed ? metrics::FetchResult::kUpdated : metrics::FetchResult::kUnchanged, seconds,
        clock_.WallNow());
  }
  if (!repo.error.empty() && !changed) {
    // The remote answers again but nothing new arrived: only the fetch error clears.
    if (repo.error.rfind("render:", 0) != 0) repo.error.clear();
  }
  if (changed) {
    RenderAndApply(repo, *snapshot);
    return;
  }
  // Self-heal: re-apply the Git state on every interval when nothing changed in Git.
  for (const auto& name : repo.apps) {
    App& app = apps_[name];
    if (app.has_applied && OptionsFor(name).self_heal &&
        OptionsFor(name).sync == SyncPolicy::kAutomated &&
        clock_.Now() - app.last_heal >= repo.options.interval) {
      app.last_heal = clock_.Now();
      target_.Apply(app.applied).ok();  // idempotent: a no-op unless something drifted
    }
  }
}

void Controller::RenderAndApply(Repo& repo, const model::Snapshot& snapshot) {
  const model::TimePoint start = clock_.Now();
  repo.last_commit = snapshot.commit;
  model::DesiredState desired = renderers::Render(snapshot, options_.render);
  const double seconds = Seconds(clock_.Now() - start).count();

  for (const auto& d : desired.diagnostics) {
    if (d.severity == model::Severity::kWarning) spdlog::warn("{}", d.ToString());
  }
  if (model::HasSnapshotErrors(desired)) {
    // An error about the snapshot as a whole (layout, budgets): nothing of it is applied, the
    // last good state keeps running.
    RefuseCommit(repo, snapshot, desired, seconds);
    return;
  }
  const std::set<std::string> invalid = model::InvalidApps(desired);
  if (invalid.empty()) {
    repo.error.clear();
  } else {
    repo.error = "render: " + SummariseErrors(desired.diagnostics);
  }
  repo.last_good_commit = snapshot.commit;

  std::set<std::string> rendered;
  for (auto& [name, desired_app] : desired.apps) {
    App& app = apps_[name];
    if (!app.repo.empty() && app.repo != repo.options.url && app.has_applied) {
      const std::string message =
          fmt::format("application {} is already owned by {}; ignored from {}", name, app.repo,
                      repo.options.url);
      Event(name, true, "OwnershipConflict", message);
      continue;
    }
    rendered.insert(name);
    app.repo = repo.options.url;
    app.seen_commit = snapshot.commit;
    repo.apps.insert(name);
    if (invalid.count(name) != 0) {
      HoldInvalidApp(name, app, snapshot.commit, model::DiagnosticsOf(desired, name), seconds);
      continue;
    }
    app.error.clear();
    const model::TimePoint app_start = clock_.Now();

    model::DesiredState want, have;
    want.apps[name] = desired_app;
    if (app.has_applied) have.apps[name] = app.applied;
    const model::Plan plan =
        Diff(want, have, {OptionsFor(name).prune ? PrunePolicy::kPrune : PrunePolicy::kKeep});
    if (OptionsFor(name).sync == SyncPolicy::kManual) {
      app.pending = desired_app;
      app.pending_commit = snapshot.commit;
      app.has_pending = !plan.empty() || !app.has_applied;
      continue;
    }
    if (plan.empty() && app.has_applied) {
      app.applied_commit = snapshot.commit;
      if (metrics_) {
        metrics_->reconcile.Observe(name, metrics::ReconcileResult::kUnchanged,
                                    Seconds(clock_.Now() - app_start).count());
      }
      continue;
    }
    ApplyApp(name, app, desired_app, snapshot.commit,
             fmt::format("{} change(s)", plan.ChangeCount()).c_str());
    if (metrics_) {
      metrics_->reconcile.Observe(name, metrics::ReconcileResult::kApplied,
                                  Seconds(clock_.Now() - app_start).count());
    }
  }
  // Applications this repository owned that left it.
  std::vector<std::string> gone;
  for (const auto& name : repo.apps) {
    if (!rendered.count(name)) gone.push_back(name);
  }
  for (const auto& name : gone) {
    if (OptionsFor(name).prune) {
      Event(name, false, "Pruning",
            fmt::format("application left the repository at {}", Short(snapshot.commit)));
      repo.apps.erase(name);
      RemoveApp(name);
    } else {
      apps_[name].error = fmt::format("application left the repository at {} (prune is off)",
                                      Short(snapshot.commit));
    }
  }
}

void Controller::RefuseCommit(Repo& repo, const model::Snapshot& snapshot,
                              const model::DesiredState& desired, double seconds) {
  const std::string summary = SummariseErrors(desired.diagnostics);
  repo.error = "render: " + summary;
  Event(repo.options.name, true, "InvalidRevision",
        fmt::format("commit {} does not validate, nothing applied: {}", Short(snapshot.commit),
                    summary));
  std::set<std::string> affected = repo.apps;
  for (const auto& [name, app] : desired.apps) affected.insert(name);
  for (const auto& name : affected) {
    App& app = apps_[name];
    if (app.repo.empty()) app.repo = repo.options.url;
    app.seen_commit = snapshot.commit;
    const std::string own = SummariseErrors(model::DiagnosticsOf(desired, name));
    app.error = fmt::format("commit {} does not validate: {}", Short(snapshot.commit),
                            own.empty() ? summary : own);
    if (metrics_) metrics_->reconcile.Observe(name, metrics::ReconcileResult::kFailed, seconds);
  }
}

void Controller::HoldInvalidApp(const std::string& name, App& app, const std::string& commit,
                                const model::Diagnostics& diagnostics, double seconds) {
  const std::string errors = SummariseErrors(diagnostics);
  const std::string message =
      app.has_applied ? fmt::format("commit {} does not validate; {} keeps running commit {}: {}",
                                    Short(commit), name, Short(app.applied_commit), errors)
                      : fmt::format("commit {} does not validate; nothing of {} was applied: {}",
                                    Short(commit), name, errors);
  if (app.error != message) Event(name, true, "InvalidRevision", message);
  app.error = message;
  // A manual-sync application must not sync to the invalid rendering either.
  app.has_pending = false;
  if (metrics_) metrics_->reconcile.Observe(name, metrics::ReconcileResult::kFailed, seconds);
}

void Controller::ApplyApp(const std::string& name, App& app, const model::Application& desired,
                          const std::string& commit, const char* why) {
  if (auto s = target_.Apply(desired); !s.ok()) {
    app.error = s.ToString();
    Event(name, true, "ApplyFailed", s.ToString());
    return;
  }
  app.applied = desired;
  app.has_applied = true;
  app.applied_commit = commit;
  app.last_heal = clock_.Now();
  Event(name, false, "Applied", fmt::format("commit {}: {}", Short(commit), why));
  ReportCommitStatus(name, app, commit, "pending", fmt::format("{}: rolling out", name));
  // Durable before the rollout proceeds: a restart re-applies exactly this.
  AppView progressing;
  progressing.sync_status = "Progressing";
  progressing.health = app.health.empty() ? "Progressing" : app.health;
  PersistApp(name, app, progressing);
  if (store_) {
    store::WriteBatch batch;
    for (const auto& [id, resource] : desired.resources) {
      const std::string& revision = resource.Revision();
      if (revision.empty()) continue;
      store::RevisionRecord record;
      record.app = name;
      record.workload = id.name;
      record.revision = revision;
      record.commit = commit;
      const model::TaskTemplate* task = nullptr;
      if (const auto* w = std::get_if<model::WorkloadSpec>(&resource.spec)) task = &w->task;
      if (const auto* j = std::get_if<model::JobSpec>(&resource.spec)) task = &j->task;
      record.template_json = store::EncodeTaskTemplate(*task);
      record.created_at = UnixSeconds(clock_.WallNow());
      batch.Put(record);
    }
    if (!batch.empty()) {
      if (auto s = store_->Write(batch); !s.ok()) Event(name, true, "StoreFailed", s.ToString());
    }
  }
}

void Controller::RemoveApp(const std::string& name) {
  if (auto s = target_.Remove(name); !s.ok()) Event(name, true, "PruneFailed", s.ToString());
  apps_.erase(name);
  if (store_) {
    store::WriteBatch batch;
    batch.Delete(store::WriteBatch::DeleteApp{name});
    if (auto s = store_->Write(batch); !s.ok()) Event(name, true, "StoreFailed", s.ToString());
  }
  if (metrics_) metrics_->RemoveApp(name);
}

AppView Controller::Observe(const std::string& name, App& app) {
  AppView view;
  view.name = name;
  view.repo = app.repo;
  view.commit = app.applied_commit;
  view.seen_commit = app.seen_commit;
  if (app.has_applied) view.observed = target_.Observe(name);
  view.observed.app = name;

  const targets::Health health =
      app.has_applied ? view.observed.OverallHealth() : targets::Health::kProgressing;
  view.health = targets::HealthName(health);
  if (!app.error.empty()) {
    view.sync_status = "Failed";
    view.message = app.error;
  } else if (app.has_pending) {
    view.sync_status = "OutOfSync";
    view.message = fmt::format("commit {} waits for a manual sync", Short(app.pending_commit));
  } else if (!app.has_applied) {
    view.sync_status = "OutOfSync";
  } else if (view.observed.DesiredRevisionFailed()) {
    view.sync_status = "Failed";
    for (const auto& w : view.observed.workloads) {
      if (!w.message.empty() && w.rollout_phase != "Complete") {
        view.message = fmt::format("{}: {}", w.name, w.message);
        break;
      }
    }
    if (view.message.empty()) view.message = "a revision failed and was rolled back";
  } else if (const targets::WorkloadObservation* held = ManuallyRolledBack(view.observed)) {
    view.sync_status = "OutOfSync";
    view.message = fmt::format(
        "{} runs revision {} after a manual rollback; `capstan sync {}` "
        "returns to {}",
        held->name, held->revision, name, held->desired_revision);
  } else if (!view.observed.Converged()) {
    view.sync_status = "Progressing";
  } else {
    view.sync_status = "Synced";
  }

  if (view.sync_status != app.sync_status || view.health != app.health) {
    if (!app.sync_status.empty()) {
      Event(name, view.health == "Degraded" || view.sync_status == "Failed", "StatusChanged",
            fmt::format("sync {} -> {}, health {} -> {}", app.sync_status, view.sync_status,
                        app.health, view.health));
    }
    app.sync_status = view.sync_status;
    app.health = view.health;
    PersistApp(name, app, view);
    if (view.sync_status == "Synced") {
      ReportCommitStatus(name, app, app.applied_commit, "success",
                         fmt::format("{}: deployed and healthy", name));
    } else if (view.sync_status == "Failed") {
      ReportCommitStatus(name, app, app.error.empty() ? app.applied_commit : app.seen_commit,
                         "failure", fmt::format("{}: {}", name, view.message));
    }
  }
  if (metrics_) {
    metrics_->app.SetSyncStatus(name, ToMetric(view.sync_status));
    metrics_->app.SetHealthStatus(name, ToHealthMetric(view.health));
    std::string revision;
    for (const auto& w : view.observed.workloads)
      revision += (revision.empty() ? "" : ",") + w.revision;
    if (app.has_applied) metrics_->app.SetInfo(name, revision, app.applied_commit);
    for (const auto& w : view.observed.workloads) {
      metrics_->rollout.SetReplicas(name, w.name, {w.desired, w.updated, w.ready, w.available});
      const double ratio =
          w.desired > 0 ? static_cast<double>(std::min(w.updated, w.available)) / w.desired : 1.0;
      metrics_->rollout.SetProgress(name, w.name, ratio);
    }
  }
  return view;
}

void Controller::PersistApp(const std::string& name, const App& app, const AppView& view) {
  if (!store_) return;
  store::AppRecord record;
  record.app = name;
  record.repo = app.repo;
  record.last_applied_commit = app.applied_commit;
  record.last_seen_commit = app.seen_commit;
  record.sync_status = view.sync_status;
  record.health = view.health;
  record.message = view.message;
  if (app.has_applied) record.desired_json = store::EncodeApplication(app.applied);
  record.updated_at = UnixSeconds(clock_.WallNow());
  store::WriteBatch batch;
  batch.Put(record);
  if (auto s = store_->Write(batch); !s.ok()) spdlog::error("store: {}", s.ToString());
}

std::vector<AppView> Controller::Views() const {
  std::lock_guard lock(views_mu_);
  std::vector<AppView> out;
  for (const auto& [name, view] : views_) out.push_back(view);
  return out;
}

std::optional<AppView> Controller::View(const std::string& app) const {
  std::lock_guard lock(views_mu_);
  auto it = views_.find(app);
  if (it == views_.end()) return std::nullopt;
  return it->second;
}

bool Controller::Ready() const {
  std::lock_guard lock(views_mu_);
  return ready_;
}

}  // namespace capstan::reconciler
