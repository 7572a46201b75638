#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model/clock.h"
#include "model/status.h"
#include "model/workload.h"
#include "orchestrator/event_log.h"
#include "orchestrator/task.h"

namespace capstan::orchestrator {

enum class RolloutPhase { kProgressing, kComplete, kFailed, kRolledBack, kPaused, kDegraded };
const char* RolloutPhaseName(RolloutPhase phase);

struct TaskSummary {
  std::string id;
  std::string revision;
  TaskPhase phase = TaskPhase::kPending;
  std::string reason;
  std::string message;
  int node_id = -1;
  std::vector<int> host_ports;
  int restarts = 0;
};

struct WorkloadStatus {
  int desired = 0;
  int total = 0;                 // tasks not being stopped
  int updated = 0;               // ... of the target revision
  int ready = 0;                 // Ready tasks, any revision
  int available = 0;             // Ready for minReadySeconds, any revision
  std::string current_revision;  // the last revision that was fully available
  std::string target_revision;   // what the controller converges on
  std::string desired_revision;  // what the spec asks for (may be a failed one)
  RolloutPhase phase = RolloutPhase::kProgressing;
  std::string message;
  std::vector<std::string> failed_revisions;
  std::vector<std::string> history;  // oldest first
  std::vector<TaskSummary> tasks;
};

// What survives a daemon restart (the store writes it; Import reads it back).
struct WorkloadRecord {
  std::string app;
  std::string name;
  std::vector<std::pair<std::string, model::TaskTemplate>> history;  // oldest first
  std::vector<std::string> failed_revisions;
  std::string stable_revision;
  std::string target_revision;
  int next_ordinal = 0;
};

struct DeploymentOptions {
  // A new-revision task restarted this many times is crash-looping: the revision failed.
  int crash_loop_restarts = 2;
  // Readiness reaching its failure threshold on a new-revision task fails the revision.
  bool fail_on_readiness = true;
};

// Converges the tasks of one workload on its spec: rolling update (maxSurge/maxUnavailable or
// ECS percentages), Recreate, scaling, pausing, progress deadline, and the automatic rollback
// that declares a revision failed and returns to the last fully available one without ever
// stopping a task of that one. Every decision is an event on "<app>/Workload/<name>".
// Thread-compatible: the orchestrator loop thread only.
class DeploymentController {
 public:
  DeploymentController(std::string app, std::string name, TaskRunner& runner, EventLog& events,
                       model::Clock& clock, DeploymentOptions options = {});
  DeploymentController(const DeploymentController&) = delete;
  DeploymentController& operator=(const DeploymentController&) = delete;

  // Level-triggered: the next Step() acts on it. REQUIRES: spec.revision is set.
  void SetSpec(const model::WorkloadSpec& spec);
  const model::WorkloadSpec& spec() const { return spec_; }
  void Step();
  // Stops every task; Gone() once none is left.
  void Delete();
  bool Gone();
  // Rolls out `revision` from the history (a manual rollback) and holds it until the spec's
  // revision changes.
  model::Status Rollback(const std::string& revision);
  // Drops a manual rollback's hold, so the spec's revision rolls out again (`capstan sync`).
  void ClearManualRollback();

  WorkloadStatus Status() const;
  WorkloadRecord Export() const;
  void Import(const WorkloadRecord& record);

 private:
  struct Counts {
    int old_total = 0, old_available = 0, new_total = 0, new_available = 0, ready = 0;
  };
  std::string ObjectName() const;
  void Event(EventType type, const std::string& reason, const std::string& message);
  void RememberRevision(const std::string& revision, const model::TaskTemplate& tmpl);
  std::shared_ptr<const model::TaskTemplate> Template(const std::string& revision) const;
  void BeginRollout(const std::string& revision, const std::string& why);
  std::string DetectFailure(const std::vector<Task*>& tasks);
  void FailRollout(const std::vector<Task*>& tasks, const std::string& why);
  void StartTasks(int n);
  // Stops the `n` tasks that rank first for removal (Kubernetes' ActivePods order).
  void StopRanked(std::vector<Task*> candidates, int n, const std::string& why);
  Counts Count(const std::vector<Task*>& tasks) const;

  const std::string app_;
  const std::string name_;
  TaskRunner& runner_;
  EventLog& events_;
  model::Clock& clock_;
  const DeploymentOptions options_;

  model::WorkloadSpec spec_;
  bool has_spec_ = false;
  bool deleting_ = false;
  std::vector<std::pair<std::string, std::shared_ptr<const model::TaskTemplate>>> history_;
  std::set<std::string> failed_;
  std::set<std::string> skipped_reported_;
  std::string stable_;  // the last revision that was fully available
  std::string target_;
  std::string pinned_;           // manual rollback target
  std::string pinned_spec_rev_;  // the spec revision when it was pinned
  bool rolling_back_ = false;
  bool halted_ = false;  // Degraded or failed without rollback: no more rollout steps
  RolloutPhase phase_ = RolloutPhase::kProgressing;
  std::string message_;
  model::TimePoint last_progress_;
  Counts last_counts_;
  std::map<std::string, int> failed_tasks_;   // ECS circuit breaker: failed runs per revision
  std::map<std::string, int> seen_failures_;  // task id -> failures already counted
  int next_ordinal_ = 0;
};

}  // namespace capstan::orchestrator
