#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "metrics/metrics.h"
#include "model/clock.h"
#include "model/desired_state.h"
#include "model/plan.h"
#include "renderers/render_options.h"
#include "sources/source.h"
#include "store/store.h"
#include "targets/target.h"

namespace capstan::reconciler {

enum class SyncPolicy { kAutomated, kManual };

// Per-application options (Argo CD's syncPolicy vocabulary).
struct AppOptions {
  SyncPolicy sync = SyncPolicy::kAutomated;
  // Delete what left the repository. Off: it keeps running and the app shows OutOfSync.
  bool prune = true;
  // Re-apply the Git state on every interval even when Git did not change (the orchestrator
  // converges on it anyway; this re-asserts it after anything touched the target). A manual
  // rollback is not drift: it holds until the next commit or `capstan sync`.
  bool self_heal = true;
};

struct RepositoryOptions {
  std::string name;  // for logs and metrics; the URL when empty
  std::string url;
  std::chrono::milliseconds interval{30'000};
};

struct ControllerOptions {
  renderers::RenderOptions render;
  AppOptions default_app_options;
  std::map<std::string, AppOptions> app_options;  // by application name
};

// One application as the API and `capstan status` show it.
struct AppView {
  std::string name;
  std::string repo;
  std::string sync_status = "OutOfSync";  // Synced | OutOfSync | Progressing | Failed
  std::string health = "Progressing";     // Healthy | Progressing | Degraded
  std::string commit;                     // last applied commit
  std::string seen_commit;                // newest commit fetched
  std::string message;                    // last error, or what is going on
  targets::AppObservation observed;
};

// Told when an application's rollout of a commit starts ("pending"), completes ("success") or
// fails ("failure"), e.g. to set a commit status on the Git forge. Called on the loop thread; must
// not block.
using CommitStatusSink =
    std::function<void(const std::string& repo, const std::string& app, const std::string& commit,
                       const std::string& state, const std::string& description)>;

// Records an event about an object ("web", "web/Workload/frontend").
using EventSink = std::function<void(const std::string& object, bool warning,
                                     const std::string& reason, const std::string& message)>;

// The control loop that ties source -> render -> validate -> diff -> apply -> observe, per
// application (gitops-engine's order). Level-triggered: each Tick() fetches the repositories
// that are due (interval elapsed, or a webhook/API trigger), renders new commits, applies what
// changed, steps the target and derives each application's sync status and health from what it
// observes.
//
// Rules:
//  - A commit that fails to fetch changes nothing. A commit that renders with errors about the
//    repository as a whole (layout, budgets) changes nothing either. Otherwise validation is per
//    application, as in Argo CD and Flux: the valid applications of the commit are applied, and
//    each invalid one keeps running its last good revision, shows Failed with its
//    file:line:column errors and gets an InvalidRevision event (metrics count a failed reconcile).
//  - A commit that arrives during a rollout supersedes it: the new desired state is applied at
//    once and the rollout moves on to the newest revision (the old target is abandoned).
//  - A revision that failed and was rolled back is not retried until its content changes (the
//    orchestrator remembers failed revisions); the app shows Failed until a new commit.
//  - Pruning only touches applications (and their resources) that this repository owned.
//
// Thread-compatible: one loop thread calls Tick() and the mutating methods; View()/Views() may be
// called from any thread (they read a snapshot published at the end of each Tick()).
class Controller {
 public:
  Controller(model::Clock& clock, targets::Target& target, store::Store* store,
             metrics::Metrics* metrics, EventSink events, ControllerOptions options);
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void AddRepository(RepositoryOptions options, std::unique_ptr<sources::Source> source);
  void SetCommitStatusSink(CommitStatusSink sink) { commit_status_ = std::move(sink); }
  // Replaces the per-application options (SIGHUP reload); takes effect on the next Tick().
  void SetAppOptions(AppOptions defaults, std::map<std::string, AppOptions> per_app) {
    options_.default_app_options = std::move(defaults);
    options_.app_options = std::move(per_app);
  }

  // Loads what was applied before a restart and re-applies it to the target, so the
  // orchestrator knows the desired state before the first fetch. Call once, before Tick().
  model::Status Restore();

  // One pass of the loop. Never blocks for long except while fetching.
  void Tick();

  // Fetch `repo` (URL or name; "" = all) on the next Tick(). Returns false if none matches.
  bool TriggerFetch(const std::string& repo);
  // Manual sync: applies the newest rendered desired state of `app` on the next Tick().
  model::Status RequestSync(const std::string& app);
  // Rolls `workload` of `app` (all workloads when empty) back to `revision` (the previous
  // revision when empty).
  model::Status Rollback(const std::string& app, const std::string& workload,
                         const std::string& revision);

  // What applying `desired` would change against what this daemon applied (`capstan plan
  // --against`). Applications of the daemon missing from `desired` show as deletions when the
  // daemon follows a single repository (otherwise they may belong to another one).
  model::Plan DiffAgainstApplied(const model::DesiredState& desired) const;

  // When the next Tick() has fetching to do, for the loop's sleep.
  model::TimePoint NextFetchDue() const;

  // Published views (safe from any thread).
  std::vector<AppView> Views() const;
  std::optional<AppView> View(const std::string& app) const;
  // Whether every repository was fetched and rendered at least once.
  bool Ready() const;

 private:
  struct Repo {
    RepositoryOptions options;
    std::unique_ptr<sources::Source> source;
    model::TimePoint next_fetch;
    bool triggered = true;
    bool fetched_once = false;
    std::string last_commit;  // last commit rendered (good or bad)
    std::string last_good_commit;
    std::set<std::string> apps;  // applications this repository owns
    std::string error;           // fetch or render error of the newest commit
  };
  struct App {
    std::string repo;
    model::Application applied;
    bool has_applied = false;
    std::string applied_commit;
    model::Application pending;  // newest rendered, waiting for a manual sync
    bool has_pending = false;
    std::string pending_commit;
    bool sync_requested = false;
    std::string error;  // render/validate error of the newest commit, for this app's status
    std::string seen_commit;
    std::string sync_status, health;  // last published, to emit changes as events
    std::string reported;             // last commit status reported: "<commit>/<state>"
    model::TimePoint last_heal;
  };

  void FetchRepo(Repo& repo);
  void RenderAndApply(Repo& repo, const model::Snapshot& snapshot);
  // Nothing of the commit is applied: every application of the repository shows the errors.
  void RefuseCommit(Repo& repo, const model::Snapshot& snapshot, const model::DesiredState& desired,
                    double seconds);
  // `app` stays at what it runs (its last good revision) and shows the commit's errors.
  void HoldInvalidApp(const std::string& name, App& app, const std::string& commit,
                      const model::Diagnostics& diagnostics, double seconds);
  void ApplyApp(const std::string& name, App& app, const model::Application& desired,
                const std::string& commit, const char* why);
  void RemoveApp(const std::string& name);
  const AppOptions& OptionsFor(const std::string& app) const;
  AppView Observe(const std::string& name, App& app);
  void PersistApp(const std::string& name, const App& app, const AppView& view);
  void Event(const std::string& object, bool warning, const std::string& reason,
             const std::string& message);
  void ReportCommitStatus(const std::string& name, App& app, const std::string& commit,
                          const std::string& state, const std::string& description);

  model::Clock& clock_;
  targets::Target& target_;
  store::Store* store_;
  metrics::Metrics* metrics_;
  EventSink events_;
  CommitStatusSink commit_status_;
  ControllerOptions options_;
  std::vector<Repo> repos_;
  std::map<std::string, App> apps_;

  mutable std::mutex views_mu_;  // guards views_ and ready_
  std::map<std::string, AppView> views_;
  bool ready_ = false;
};

}  // namespace capstan::reconciler
