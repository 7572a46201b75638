#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/status.h"
#include "orchestrator/driver.h"

namespace capstan::testing {

// A stateful in-memory Driver. Tasks run until told otherwise: they can exit or crash on demand,
// crash right after starting (per revision), or ignore SIGTERM (hang on Stop). Every call is
// recorded in `log` ("start:<id>", "stop:<id>", "kill:<id>", "exit:<id>") so tests can check
// order. Thread-compatible, like the real drivers.
class FakeDriver final : public orchestrator::Driver {
 public:
  enum class Behavior { kRun, kCrashOnStart, kExitOkOnStart };

  struct FakeTask {
    orchestrator::LaunchSpec spec;
    bool running = true;
    int exit_code = 0;
    int signal = 0;
    int starts = 0;
  };

  std::string Name() const override { return "fake"; }

  model::Result<orchestrator::TaskHandle> Start(const orchestrator::LaunchSpec& spec) override {
    if (not_yet_starts > 0) {  // as a container driver still pulling the image
      --not_yet_starts;
      return model::Status::Error(model::ErrorCode::kUnavailable, "pulling image fake:1");
    }
    if (fail_next_starts > 0) {
      --fail_next_starts;
      return model::Status::Error(model::ErrorCode::kIoError, start_error);
    }
    log.push_back("start:" + spec.task_id);
    FakeTask& t = tasks[spec.task_id];
    t.spec = spec;
    t.running = true;
    t.exit_code = 0;
    t.signal = 0;
    ++t.starts;
    ++total_starts;
    orchestrator::TaskHandle h;
    h.driver = "fake";
    h.task_id = spec.task_id;
    for (const auto& c : spec.containers) h.containers.push_back({c.name, next_pid++, 1, ""});
    return h;
  }

  std::vector<orchestrator::ContainerStatus> Inspect(
      const orchestrator::TaskHandle& handle) override {
    if (!available.ok()) return {};  // an engine that does not answer knows nothing
    auto it = tasks.find(handle.task_id);
    if (it == tasks.end()) return {{"", orchestrator::ContainerState::kUnknown, 0, 0, "gone"}};
    FakeTask& t = it->second;
    if (t.running) {
      auto b = behavior.find(t.spec.revision);
      if (b != behavior.end() && b->second == Behavior::kCrashOnStart) Exit(handle.task_id, 1);
      if (b != behavior.end() && b->second == Behavior::kExitOkOnStart) Exit(handle.task_id, 0);
    }
    std::vector<orchestrator::ContainerStatus> out;
    for (const auto& c : t.spec.containers) {
      orchestrator::ContainerStatus s;
      s.name = c.name;
      s.state = t.running ? orchestrator::ContainerState::kRunning
                          : orchestrator::ContainerState::kExited;
      if (t.running && waiting.count(c.name)) s.state = orchestrator::ContainerState::kWaiting;
      if (auto e = exited.find(c.name); t.running && e != exited.end()) {
        s.state = orchestrator::ContainerState::kExited;
        s.exit_code = e->second.first;
        s.message = e->second.second;
      }
      s.exit_code = t.exit_code;
      s.signal = t.signal;
      out.push_back(s);
    }
    return out;
  }

  model::Status Stop(const orchestrator::TaskHandle& handle) override {
    log.push_back("stop:" + handle.task_id);
    if (!hang_on_stop) Signal(handle.task_id, 15);
    return model::Status::Ok();
  }
  model::Status Kill(const orchestrator::TaskHandle& handle) override {
    log.push_back("kill:" + handle.task_id);
    Signal(handle.task_id, 9);
    return model::Status::Ok();
  }
  bool Adopt(const orchestrator::TaskHandle& handle) override {
    auto it = tasks.find(handle.task_id);
    return it != tasks.end() && it->second.running;
  }
  model::Status Cleanup(const orchestrator::TaskHandle& handle) override {
    cleaned.insert(handle.task_id);
    return model::Status::Ok();
  }
  model::Result<std::string> Logs(const orchestrator::TaskHandle&, const std::string&,
                                  std::size_t) override {
    return std::string();
  }
  bool EnforcesLimits() const override { return false; }
  std::string SecurityNotEnforced(const orchestrator::LaunchSpec&) const override {
    return not_enforced;
  }
  std::string not_enforced;  // what SecurityNotEnforced() answers
  model::Status Available() override { return available; }
  void ReportHealth(const orchestrator::TaskHandle& handle, const std::string& container,
                    bool healthy) override {
    health[handle.task_id + "/" + container] = healthy;
  }

  // Test controls.
  void Exit(const std::string& id, int code) {
    auto it = tasks.find(id);
    if (it == tasks.end() || !it->second.running) return;
    it->second.running = false;
    it->second.exit_code = code;
    log.push_back("exit:" + id);
  }
  void Signal(const std::string& id, int sig) {
    auto it = tasks.find(id);
    if (it == tasks.end() || !it->second.running) return;
    it->second.running = false;
    it->second.signal = sig;
    log.push_back("exit:" + id);
  }
  std::vector<std::string> Running() const {
    std::vector<std::string> out;
    for (const auto& [id, t] : tasks) {
      if (t.running) out.push_back(id);
    }
    return out;
  }
  int RunningOfRevision(const std::string& revision) const {
    int n = 0;
    for (const auto& [id, t] : tasks) n += t.running && t.spec.revision == revision;
    return n;
  }
  int StartsOfRevision(const std::string& revision) const {
    int n = 0;
    for (const auto& [id, t] : tasks) n += t.spec.revision == revision ? t.starts : 0;
    return n;
  }

  std::map<std::string, Behavior> behavior;  // by revision
  bool hang_on_stop = false;                 // ignore SIGTERM
  int fail_next_starts = 0;
  std::string start_error = "fake start failure";  // the message of those failures
  int not_yet_starts = 0;                          // Start() answers kUnavailable this many times
  model::Status available;                         // what Available() answers
  std::set<std::string> waiting;  // container names reported kWaiting while running
  // container name -> (exit code, message) reported kExited while the task runs
  std::map<std::string, std::pair<int, std::string>> exited;
  std::map<std::string, bool> health;  // "<task>/<container>" -> last ReportHealth()
  std::map<std::string, FakeTask> tasks;
  std::vector<std::string> log;
  std::set<std::string> cleaned;
  int total_starts = 0;
  int next_pid = 1000;
};

}  // namespace capstan::testing
