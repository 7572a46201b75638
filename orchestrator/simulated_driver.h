#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/clock.h"
#include "orchestrator/driver.h"

namespace capstan::orchestrator {

// How a simulated container behaves. Times are measured on the driver's Clock from Start().
struct SimulatedBehavior {
  // Start() fails with this message (non-empty) and nothing is left running.
  std::string fail_start;
  // Inspect() reports kUnknown with message "ContainerCreating" until this much time has passed.
  model::Duration start_delay{0};
  // If set, the container exits by itself this long after Start() with `exit_code`.
  std::optional<model::Duration> exit_after;
  int exit_code = 0;
  // Stop() (SIGTERM) is ignored; only Kill() ends the container.
  bool ignore_stop = false;
  // How long a container takes to exit after Stop() (0: at once, exit code 143 = SIGTERM).
  model::Duration stop_delay{0};
};

// A driver without processes, for scale tests and benchmarks (like kubemark's hollow kubelet or
// Nomad's mock driver). Behaviour is chosen per container at Start(): the first rule whose glob
// pattern (fnmatch) matches the container's image, or else its command line (command + args
// joined by spaces), otherwise the default behaviour.
//
// State costs a few dozen bytes per container beyond the task id: a task keeps its start time,
// stop/kill times and one small behaviour index per container; container names come from the
// handle. Thread-compatible: the orchestrator loop thread only.
class SimulatedDriver final : public Driver {
 public:
  // `clock` must outlive the driver.
  explicit SimulatedDriver(model::Clock& clock);
  SimulatedDriver(const SimulatedDriver&) = delete;
  SimulatedDriver& operator=(const SimulatedDriver&) = delete;

  void SetDefaultBehavior(const SimulatedBehavior& behavior);
  // Rules are tried in the order they were added.
  void AddRule(const std::string& pattern, const SimulatedBehavior& behavior);
  // The next Start() fails with `message`, whatever the rules say (one-shot).
  void FailNextStart(const std::string& message);
  void SetEnforcesLimits(bool enforces) { enforces_limits_ = enforces; }

  // Observations for tests.
  std::size_t TaskCount() const { return tasks_.size(); }
  std::uint64_t starts() const { return starts_; }
  std::uint64_t stops() const { return stops_; }
  std::uint64_t kills() const { return kills_; }

  std::string Name() const override { return "simulated"; }
  model::Result<TaskHandle> Start(const LaunchSpec& spec) override;
  std::vector<ContainerStatus> Inspect(const TaskHandle& handle) override;
  model::Status Stop(const TaskHandle& handle) override;
  model::Status Kill(const TaskHandle& handle) override;
  bool Adopt(const TaskHandle& handle) override;
  model::Status Cleanup(const TaskHandle& handle) override;
  model::Result<std::string> Logs(const TaskHandle& handle, const std::string& container,
                                  std::size_t max_bytes) override;
  bool EnforcesLimits() const override { return enforces_limits_; }

 private:
  struct Task {
    model::TimePoint started;
    std::optional<model::TimePoint> stopped;  // Stop() called
    std::optional<model::TimePoint> killed;   // Kill() called
    std::vector<std::uint16_t> behavior;      // per container: 0 = default, i = rules_[i-1]
  };
  struct Rule {
    std::string pattern;
    SimulatedBehavior behavior;
  };
  const SimulatedBehavior& BehaviorAt(std::uint16_t index) const;
  std::uint16_t Match(const ContainerLaunch& c) const;

  model::Clock& clock_;
  SimulatedBehavior default_;
  std::vector<Rule> rules_;
  std::string fail_next_;
  bool enforces_limits_ = false;
  std::unordered_map<std::string, Task> tasks_;  // by task id
  std::uint64_t starts_ = 0;
  std::uint64_t stops_ = 0;
  std::uint64_t kills_ = 0;
};

}  // namespace capstan::orchestrator
