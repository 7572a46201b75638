#pragma once

#include <map>
#include <set>
#include <string>

#include "model/clock.h"
#include "orchestrator/orchestrator.h"
#include "store/store.h"

namespace capstan::targets {

// Keeps the orchestrator's durable state (tasks with their handles, revision histories, failed
// revisions, rollout targets) in the Store, so that a daemon killed at any moment resumes: it
// re-adopts running tasks instead of starting them twice, and remembers which revisions failed.
//
// Write-ahead: OnJournal() is the orchestrator's Journal; it writes a task's record BEFORE the
// driver starts it, so a kill between "start" and "saved" leaves a record without a handle, and
// the restarted daemon looks for that task (processes carry CAPSTAN_TASK_ID) instead of losing it.
// A known task starting again loses its recorded handle first (same reason); a stop is recorded
// as phase Stopping before the signal, so a task found gone after a restart is not started again.
// Save() writes what changed since the last call, in one atomic batch.
// Thread-compatible: the loop thread only. Borrows `store` and `clock`.
class OrchestratorStateStore {
 public:
  OrchestratorStateStore(store::Store& store, const model::Clock& clock);

  model::Result<orchestrator::OrchestratorState> Load();
  // Tasks Load() found on record that can no longer be run (their application was removed while
  // they were stopping): the caller stops them. A handle without containers means its processes
  // must be looked up by task id.
  const std::vector<orchestrator::TaskHandle>& orphans() const { return orphans_; }
  void OnJournal(const orchestrator::JournalEntry& entry);
  model::Status Save(const orchestrator::OrchestratorState& state);

 private:
  // Adds the puts and deletes that bring the stored cluster IPs to `now`.
  void SaveClusterIps(const std::map<std::string, std::string>& now, store::WriteBatch& batch);
  store::Store& store_;
  const model::Clock& clock_;
  // What the store holds, as last written, to write only differences.
  std::map<std::string, store::TaskRecord> tasks_;
  std::map<std::string, std::string> fingerprints_;  // task id -> what its record was made from
  std::map<std::string, store::RolloutRecord> rollouts_;  // key: app/workload
  std::set<std::string> revisions_;                 // app/workload/revision with a template stored
  std::set<std::string> failed_revisions_;          // app/workload/revision marked failed
  std::map<std::string, std::string> cluster_ips_;  // app/service -> address, as stored
  std::vector<orchestrator::TaskHandle> orphans_;
};

// TaskHandle <-> JSON, for the store's handle_json column.
std::string EncodeTaskHandle(const orchestrator::TaskHandle& handle);
model::Result<orchestrator::TaskHandle> DecodeTaskHandle(const std::string& text);

}  // namespace capstan::targets
