#include "targets/orchestrator_state_store.h"

#include <fmt/format.h>

#include <algorithm>

#include "store/json_text.h"
#include "store/model_codec.h"

namespace capstan::targets {
namespace {

using nlohmann::json;

std::int64_t UnixSeconds(model::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string Key(const std::string& a, const std::string& b, const std::string& c = "") {
  return c.empty() ? a + "/" + b : a + "/" + b + "/" + c;
}

orchestrator::TaskPhase PhaseFromName(const std::string& name) {
  using orchestrator::TaskPhase;
  for (TaskPhase p :
       {TaskPhase::kPending, TaskPhase::kStarting, TaskPhase::kRunning, TaskPhase::kReady,
        TaskPhase::kStopping, TaskPhase::kSucceeded, TaskPhase::kFailed}) {
    if (name == orchestrator::TaskPhaseName(p)) return p;
  }
  return TaskPhase::kPending;
}

// Everything of a task record except its template, which lives with the revision.
store::TaskRecord ToStore(const orchestrator::TaskRecord& t, std::int64_t now) {
  store::TaskRecord r;
  r.task_id = t.id;
  r.app = t.app;
  r.owner_kind = t.owner_kind == orchestrator::OwnerKind::kJob ? "Job" : "Workload";
  r.owner = t.owner;
  r.revision = t.revision;
  r.node_id = t.node_id;
  r.host_ports = t.host_ports;
  json extra = {{"placed", t.placed}, {"restarts", t.restarts}, {"failures", t.failures}};
  if (t.handle) extra["handle"] = store::ParseJson(EncodeTaskHandle(*t.handle)).value();
  r.handle_json = store::DumpJson(extra);
  r.phase = orchestrator::TaskPhaseName(t.phase);
  r.updated_at = now;
  return r;
}

bool SameTask(store::TaskRecord a, store::TaskRecord b) {
  a.updated_at = b.updated_at = 0;
  return a == b;
}

}  // namespace

std::string EncodeTaskHandle(const orchestrator::TaskHandle& handle) {
  json containers = json::array();
  for (const auto& c : handle.containers) {
    containers.push_back({{"name", c.name},
                          {"pid", c.pid},
                          {"startTimeTicks", c.start_time_ticks},
                          {"containerId", c.container_id}});
  }
  return store::DumpJson(
      {{"driver", handle.driver}, {"taskId", handle.task_id}, {"containers", containers}});
}

model::Result<orchestrator::TaskHandle> DecodeTaskHandle(const std::string& text) {
  auto parsed = store::ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  const json& j = *parsed;
  try {
    orchestrator::TaskHandle handle;
    handle.driver = j.at("driver").get<std::string>();
    handle.task_id = j.at("taskId").get<std::string>();
    for (const auto& c : j.at("containers")) {
      orchestrator::ContainerHandle h;
      h.name = c.at("name").get<std::string>();
      h.pid = c.at("pid").get<int>();
      h.start_time_ticks = c.at("startTimeTicks").get<std::uint64_t>();
      h.container_id = c.at("containerId").get<std::string>();
      handle.containers.push_back(std::move(h));
    }
    return handle;
  } catch (const json::exception& e) {
    return model::Status::Error(model::ErrorCode::kParseError,
                                std::string("task handle: ") + e.what());
  }
}

OrchestratorStateStore::OrchestratorStateStore(store::Store& store, const model::Clock& clock)
    : store_(store), clock_(clock) {}

model::Result<orchestrator::OrchestratorState> OrchestratorStateStore::Load() {
  orchestrator::OrchestratorState state;
  // Templates by app/workload/revision, from the revision history.
  std::map<std::string, model::TaskTemplate> templates;
  std::map<std::string, std::vector<store::RevisionRecord>> histories;
  auto load_history = [&](const std::string& app,
                          const std::string& workload) -> std::vector<store::RevisionRecord>& {
    const std::string key = Key(app, workload);
    auto it = histories.find(key);
    if (it != histories.end()) return it->second;
    auto& list = histories[key];
    auto records = store_.ListRevisions(app, workload);
    if (!records.ok()) return list;
    list = *records;
    for (const auto& r : list) {
      revisions_.insert(Key(app, workload, r.revision));
      if (r.failed) failed_revisions_.insert(Key(app, workload, r.revision));
      auto tmpl = store::DecodeTaskTemplate(r.template_json);
      if (tmpl.ok()) templates[Key(app, workload, r.revision)] = std::move(*tmpl);
    }
    return list;
  };

  auto rollouts = store_.ListRollouts();
  if (!rollouts.ok()) return rollouts.status();
  for (const auto& r : *rollouts) {
    rollouts_[Key(r.app, r.workload)] = r;
    orchestrator::WorkloadRecord w;
    w.app = r.app;
    w.name = r.workload;
    w.stable_revision = r.from_revision;
    w.target_revision = r.to_revision;
    auto extra = store::ParseJson(r.message);
    if (extra.ok() && extra->is_object() && extra->contains("nextOrdinal")) {
      w.next_ordinal = (*extra)["nextOrdinal"].get<int>();
    }
    auto& history = load_history(r.app, r.workload);
    // The store lists newest first; the orchestrator wants oldest first.
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
      auto t = templates.find(Key(r.app, r.workload, it->revision));
      if (t == templates.end()) continue;
      w.history.emplace_back(it->revision, t->second);
      if (it->failed) w.failed_revisions.push_back(it->revision);
    }
    state.workloads.push_back(std::move(w));
  }

  auto services = store_.ListServices();
  if (!services.ok()) return services.status();
  for (const auto& r : *services) {
    cluster_ips_[Key(r.app, r.service)] = r.cluster_ip;
    state.cluster_ips[Key(r.app, r.service)] = r.cluster_ip;
  }

  auto tasks = store_.ListTasks();
  if (!tasks.ok()) return tasks.status();
  for (const auto& r : *tasks) {
    tasks_[r.task_id] = r;
    orchestrator::TaskRecord t;
    t.id = r.task_id;
    t.app = r.app;
    t.owner_kind =
        r.owner_kind == "Job" ? orchestrator::OwnerKind::kJob : orchestrator::OwnerKind::kWorkload;
    t.owner = r.owner;
    t.revision = r.revision;
    t.node_id = r.node_id;
    t.host_ports = r.host_ports;
    t.phase = PhaseFromName(r.phase);
    load_history(r.app, r.owner);
    auto tmpl = templates.find(Key(r.app, r.owner, r.revision));
    if (tmpl == templates.end()) {
      // No template: its application was removed while the task was still stopping. It cannot
      // be run or adopted; whoever loads the state must make sure it is gone.
      orchestrator::TaskHandle handle;
      handle.task_id = r.task_id;
      auto extra = store::ParseJson(r.handle_json);
      if (extra.ok() && extra->is_object() && extra->contains("handle")) {
        auto decoded = DecodeTaskHandle(store::DumpJson((*extra)["handle"]));
        if (decoded.ok()) handle = std::move(*decoded);
      }
      orphans_.push_back(std::move(handle));
      continue;
    }
    t.tmpl = tmpl->second;
    // A record only the journal wrote (a task started just before a crash) was placed: a start
    // is journalled after placement. Its ports must be reserved again, or a new task gets them.
    t.placed = r.node_id >= 0;
    auto extra = store::ParseJson(r.handle_json);
    if (extra.ok() && extra->is_object()) {
      t.placed = extra->value("placed", t.placed);
      t.restarts = extra->value("restarts", 0);
      t.failures = extra->value("failures", 0);
      if (extra->contains("handle")) {
        auto handle = DecodeTaskHandle(store::DumpJson((*extra)["handle"]));
        if (handle.ok()) t.handle = std::move(*handle);
      }
    }
    state.tasks.push_back(std::move(t));
  }
  return state;
}

void OrchestratorStateStore::OnJournal(const orchestrator::JournalEntry& entry) {
  fingerprints_.erase(entry.task_id);  // the record changes here: re-check it on the next Save
  using orchestrator::JournalOp;
  if (entry.op != JournalOp::kStart && entry.op != JournalOp::kStop) return;
  auto it = tasks_.find(entry.task_id);
  if (it != tasks_.end()) {
    store::TaskRecord r = it->second;
    if (entry.op == JournalOp::kStop) {
      // A stop about to be signalled: if the process is gone after a restart, it was stopped,
      // not lost (otherwise the restarted daemon would start it again just to stop it).
      if (r.phase == "Stopping") return;
      r.phase = "Stopping";
    } else {
      // A known task starting again (an in-place restart): the handle on record belongs to the
      // process that exited. Drop it so that a restarted daemon looks the task up by its id
      // instead of finding the old pid dead and starting a second process.
      json extra = json::object();
      if (auto parsed = store::ParseJson(r.handle_json); parsed.ok() && parsed->is_object()) {
        extra = std::move(*parsed);
      }
      if (!extra.contains("handle") && r.phase == "Starting") return;
      extra.erase("handle");
      r.handle_json = store::DumpJson(extra);
      r.phase = "Starting";
      r.node_id = entry.node_id;
      r.host_ports = entry.host_ports;
    }
    r.updated_at = UnixSeconds(clock_.WallNow());
    store::WriteBatch batch;
    batch.Put(r);
    if (store_.Write(batch).ok()) it->second = r;
    return;
  }
  if (entry.op != JournalOp::kStart) return;
  // Intent first: the record exists before the process does.
  store::TaskRecord r;
  r.task_id = entry.task_id;
  r.app = entry.app;
  r.owner = entry.owner;
  r.owner_kind = "Workload";
  r.revision = entry.revision;
  r.node_id = entry.node_id;
  r.host_ports = entry.host_ports;
  r.phase = "Starting";
  r.updated_at = UnixSeconds(clock_.WallNow());
  store::WriteBatch batch;
  batch.Put(r);
  if (store_.Write(batch).ok()) tasks_[r.task_id] = r;
}

model::Status OrchestratorStateStore::Save(const orchestrator::OrchestratorState& state) {
  store::WriteBatch batch;
  const std::int64_t now = UnixSeconds(clock_.WallNow());
  std::map<std::string, store::TaskRecord> next_tasks;
  std::set<std::string> next_revisions = revisions_;
  std::set<std::string> next_failed = failed_revisions_;

  auto put_revision = [&](const std::string& app, const std::string& workload,
                          const std::string& revision, const model::TaskTemplate& tmpl,
                          bool failed) {
    const std::string key = Key(app, workload, revision);
    const bool known = next_revisions.count(key) > 0;
    const bool failed_known = next_failed.count(key) > 0;
    if (known && (!failed || failed_known)) return;
    store::RevisionRecord r;
    if (known) {
      // Keep the commit and creation time the controller recorded.
      auto existing = store_.ListRevisions(app, workload);
      if (existing.ok()) {
        for (const auto& e : *existing) {
          if (e.revision == revision) r = e;
        }
      }
    }
    r.app = app;
    r.workload = workload;
    r.revision = revision;
    if (r.template_json.empty()) r.template_json = store::EncodeTaskTemplate(tmpl);
    if (r.created_at == 0) r.created_at = now;
    if (failed) {
      r.failed = true;
      if (r.failure_reason.empty()) r.failure_reason = "rolled back";
      next_failed.insert(key);
    }
    next_revisions.insert(key);
    batch.Put(r);
  };

  for (const auto& w : state.workloads) {
    for (const auto& [revision, tmpl] : w.history) {
      const bool failed = std::find(w.failed_revisions.begin(), w.failed_revisions.end(),
                                    revision) != w.failed_revisions.end();
      put_revision(w.app, w.name, revision, tmpl, failed);
    }
    store::RolloutRecord r;
    r.app = w.app;
    r.workload = w.name;
    r.from_revision = w.stable_revision;
    r.to_revision = w.target_revision;
    r.phase = w.target_revision == w.stable_revision ? "Complete" : "Progressing";
    r.message = store::DumpJson({{"nextOrdinal", w.next_ordinal}});
    const std::string key = Key(w.app, w.name);
    auto it = rollouts_.find(key);
    if (it == rollouts_.end() || it->second.from_revision != r.from_revision ||
        it->second.to_revision != r.to_revision || it->second.message != r.message) {
      r.started_at = it == rollouts_.end() ? now : it->second.started_at;
      r.updated_at = now;
      batch.Put(r);
      rollouts_[key] = r;
    }
  }
  std::map<std::string, std::string> next_fingerprints;
  for (const auto& t : state.tasks) {
    // Most turns change nothing: compare a cheap fingerprint before encoding the record.
    std::string fingerprint =
        fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", orchestrator::TaskPhaseName(t.phase), t.placed,
                    t.node_id, fmt::join(t.host_ports, ","), t.restarts, t.failures, t.revision,
                    t.handle ? EncodeTaskHandle(*t.handle) : std::string());
    auto known = tasks_.find(t.id);
    auto seen = fingerprints_.find(t.id);
    if (known != tasks_.end() && seen != fingerprints_.end() && seen->second == fingerprint) {
      next_tasks[t.id] = known->second;
      next_fingerprints[t.id] = std::move(fingerprint);
      continue;
    }
    put_revision(t.app, t.owner, t.revision, t.tmpl, false);
    store::TaskRecord r = ToStore(t, now);
    if (known == tasks_.end() || !SameTask(known->second, r)) batch.Put(r);
    next_tasks[t.id] = r;
    next_fingerprints[t.id] = std::move(fingerprint);
  }
  for (const auto& [id, record] : tasks_) {
    if (!next_tasks.count(id)) batch.Delete(store::WriteBatch::DeleteTask{id});
  }
  SaveClusterIps(state.cluster_ips, batch);
  if (batch.empty()) {
    tasks_ = std::move(next_tasks);
    fingerprints_ = std::move(next_fingerprints);
    return model::Status::Ok();
  }
  if (auto s = store_.Write(batch); !s.ok()) {
    cluster_ips_.clear();  // unknown what reached the store: the next Save writes them all
    return s;
  }
  tasks_ = std::move(next_tasks);
  fingerprints_ = std::move(next_fingerprints);
  revisions_ = std::move(next_revisions);
  failed_revisions_ = std::move(next_failed);
  return model::Status::Ok();
}

void OrchestratorStateStore::SaveClusterIps(const std::map<std::string, std::string>& now,
                                            store::WriteBatch& batch) {
  if (now == cluster_ips_) return;
  for (const auto& [key, address] : now) {
    auto it = cluster_ips_.find(key);
    if (it != cluster_ips_.end() && it->second == address) continue;
    const auto slash = key.find('/');
    batch.Put(store::ServiceRecord{key.substr(0, slash), key.substr(slash + 1), address});
  }
  for (const auto& [key, address] : cluster_ips_) {
    if (now.count(key)) continue;
    const auto slash = key.find('/');
    batch.Delete(store::WriteBatch::DeleteService{key.substr(0, slash), key.substr(slash + 1)});
  }
  cluster_ips_ = now;
}

}  // namespace capstan::targets
