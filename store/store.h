#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/status.h"

namespace capstan::store {

// Per application: what was last applied and how it went.
struct AppRecord {
  std::string app;
  std::string repo;                 // the source it came from
  std::string last_applied_commit;  // the commit whose desired state was last applied
  std::string last_seen_commit;     // the newest commit fetched (may have failed to render)
  std::string sync_status;          // Synced | OutOfSync | Progressing | Failed
  std::string health;               // Healthy | Progressing | Degraded
  std::string message;              // the last error or note, for people
  std::string desired_json;         // the applied model::Application (store/model_codec.h)
  std::int64_t updated_at = 0;      // unix seconds
  friend bool operator==(const AppRecord&, const AppRecord&) = default;
};

// One revision of a workload or job: its template, so a rollback can return to it after the
// Git history moved on, and whether it failed (a failed revision is not retried until it changes).
struct RevisionRecord {
  std::string app;
  std::string workload;
  std::string revision;
  std::string commit;         // the commit that introduced it
  std::string template_json;  // model::TaskTemplate (store/model_codec.h)
  std::int64_t created_at = 0;
  bool failed = false;
  std::string failure_reason;
  friend bool operator==(const RevisionRecord&, const RevisionRecord&) = default;
};

// A task that exists or is about to: written BEFORE it is started (intent), updated with its
// handle once it runs, deleted once it is gone. After a restart these are re-adopted.
struct TaskRecord {
  std::string task_id;
  std::string app;
  std::string owner_kind;  // "Workload" | "Job"
  std::string owner;
  std::string revision;
  int node_id = -1;
  std::vector<int> host_ports;
  std::string handle_json;  // orchestrator::TaskHandle, "" until started
  std::string phase;        // the orchestrator's TaskPhase name
  std::int64_t updated_at = 0;
  friend bool operator==(const TaskRecord&, const TaskRecord&) = default;
};

// A rollout in progress (or last finished) for one workload.
struct RolloutRecord {
  std::string app;
  std::string workload;
  std::string from_revision;
  std::string to_revision;
  std::string phase;  // Progressing | Complete | Failed | RolledBack | Degraded | Paused
  std::string message;
  std::int64_t started_at = 0;
  std::int64_t updated_at = 0;
  friend bool operator==(const RolloutRecord&, const RolloutRecord&) = default;
};

// The address a Service was given (its cluster IP), kept for as long as the Service exists so
// that a restarted daemon serves it at the same address.
struct ServiceRecord {
  std::string app;
  std::string service;
  std::string cluster_ip;
  friend bool operator==(const ServiceRecord&, const ServiceRecord&) = default;
};

struct EventRecord {
  std::int64_t seq = 0;   // assigned by the store on append, increasing
  std::int64_t time = 0;  // unix milliseconds
  std::string object;
  std::string type;  // Normal | Warning
  std::string reason;
  std::string message;
  friend bool operator==(const EventRecord&, const EventRecord&) = default;
};

// A group of writes applied atomically, in order (LevelDB's WriteBatch): either all of them are
// durable or none is.
class WriteBatch {
 public:
  struct DeleteApp {
    std::string app;
  };
  struct DeleteTask {
    std::string task_id;
  };
  struct DeleteRollout {
    std::string app, workload;
  };
  struct DeleteService {
    std::string app, service;
  };
  // Deletes the revision history of one workload beyond the `keep` newest revisions
  // (failed revisions are kept regardless, so they are never retried).
  struct TrimRevisions {
    std::string app, workload;
    int keep;
  };
  using Op =
      std::variant<AppRecord, RevisionRecord, TaskRecord, RolloutRecord, EventRecord, DeleteApp,
                   DeleteTask, DeleteRollout, TrimRevisions, ServiceRecord, DeleteService>;

  void Put(AppRecord r) { ops_.emplace_back(std::move(r)); }
  void Put(RevisionRecord r) { ops_.emplace_back(std::move(r)); }
  void Put(TaskRecord r) { ops_.emplace_back(std::move(r)); }
  void Put(RolloutRecord r) { ops_.emplace_back(std::move(r)); }
  void Put(ServiceRecord r) { ops_.emplace_back(std::move(r)); }
  void Append(EventRecord r) { ops_.emplace_back(std::move(r)); }
  void Delete(DeleteApp d) { ops_.emplace_back(std::move(d)); }
  void Delete(DeleteTask d) { ops_.emplace_back(std::move(d)); }
  void Delete(DeleteRollout d) { ops_.emplace_back(std::move(d)); }
  void Delete(DeleteService d) { ops_.emplace_back(std::move(d)); }
  void Trim(TrimRevisions t) { ops_.emplace_back(std::move(t)); }

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  void Clear() { ops_.clear(); }

 private:
  std::vector<Op> ops_;
};

// Durable state of the daemon. The SQLite implementation (sqlite_store.h) is the embedded
// default; etcd comes later for several nodes. Puts are upserts keyed by the record's identity
// (app; app+workload+revision; task_id; app+workload). The event log is bounded: the store keeps
// the newest `max_events` events.
// Thread-safe: every method may be called from any thread.
class Store {
 public:
  virtual ~Store() = default;

  virtual model::Status Write(const WriteBatch& batch) = 0;

  virtual model::Result<std::vector<AppRecord>> ListApps() = 0;
  virtual model::Result<std::optional<AppRecord>> GetApp(const std::string& app) = 0;
  // Newest first.
  virtual model::Result<std::vector<RevisionRecord>> ListRevisions(const std::string& app,
                                                                   const std::string& workload) = 0;
  virtual model::Result<std::vector<TaskRecord>> ListTasks() = 0;
  virtual model::Result<std::vector<RolloutRecord>> ListRollouts() = 0;
  virtual model::Result<std::vector<ServiceRecord>> ListServices() = 0;
  // Events with seq > after_seq, oldest first, at most `limit`.
  virtual model::Result<std::vector<EventRecord>> ListEvents(std::int64_t after_seq,
                                                             std::size_t limit) = 0;
};

}  // namespace capstan::store
