#include "orchestrator/simulated_driver.h"

#include <fnmatch.h>
#include <signal.h>

namespace capstan::orchestrator {

using model::ErrorCode;
using model::Result;
using model::Status;

SimulatedDriver::SimulatedDriver(model::Clock& clock) : clock_(clock) {}

void SimulatedDriver::SetDefaultBehavior(const SimulatedBehavior& behavior) { default_ = behavior; }

void SimulatedDriver::AddRule(const std::string& pattern, const SimulatedBehavior& behavior) {
  rules_.push_back({pattern, behavior});
}

void SimulatedDriver::FailNextStart(const std::string& message) { fail_next_ = message; }

const SimulatedBehavior& SimulatedDriver::BehaviorAt(std::uint16_t index) const {
  return index == 0 || index > rules_.size() ? default_ : rules_[index - 1].behavior;
}

std::uint16_t SimulatedDriver::Match(const ContainerLaunch& c) const {
  std::string line;
  for (const auto& part : c.command) line += (line.empty() ? "" : " ") + part;
  for (const auto& part : c.args) line += (line.empty() ? "" : " ") + part;
  for (std::size_t i = 0; i < rules_.size() && i < 0xFFFE; ++i) {
    const char* pattern = rules_[i].pattern.c_str();
    if ((!c.image.empty() && ::fnmatch(pattern, c.image.c_str(), 0) == 0) ||
        ::fnmatch(pattern, line.c_str(), 0) == 0) {
      return static_cast<std::uint16_t>(i + 1);
    }
  }
  return 0;
}

Result<TaskHandle> SimulatedDriver::Start(const LaunchSpec& spec) {
  if (!fail_next_.empty()) {
    std::string message = std::move(fail_next_);
    fail_next_.clear();
    return Status::Error(ErrorCode::kFailedPrecondition, "task " + spec.task_id + ": " + message);
  }
  if (spec.containers.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "task " + spec.task_id + " has no containers");
  }
  if (tasks_.count(spec.task_id)) {
    return Status::Error(ErrorCode::kAlreadyExists, "task " + spec.task_id + " is already running");
  }
  Task task;
  task.started = clock_.Now();
  task.behavior.reserve(spec.containers.size());
  TaskHandle handle;
  handle.driver = Name();
  handle.task_id = spec.task_id;
  handle.containers.reserve(spec.containers.size());
  for (const ContainerLaunch& c : spec.containers) {
    std::uint16_t index = Match(c);
    const SimulatedBehavior& b = BehaviorAt(index);
    if (!b.fail_start.empty()) {
      return Status::Error(ErrorCode::kFailedPrecondition,
                           "task " + spec.task_id + ": container " + c.name + ": " + b.fail_start);
    }
    task.behavior.push_back(index);
    ContainerHandle ch;
    ch.name = c.name;
    ch.container_id = "sim-" + spec.task_id + "-" + c.name;
    handle.containers.push_back(std::move(ch));
  }
  tasks_.emplace(spec.task_id, std::move(task));
  ++starts_;
  return handle;
}

std::vector<ContainerStatus> SimulatedDriver::Inspect(const TaskHandle& handle) {
  std::vector<ContainerStatus> out;
  out.reserve(handle.containers.size());
  auto it = tasks_.find(handle.task_id);
  model::TimePoint now = clock_.Now();
  for (std::size_t i = 0; i < handle.containers.size(); ++i) {
    ContainerStatus st;
    st.name = handle.containers[i].name;
    if (it == tasks_.end() || i >= it->second.behavior.size()) {
      st.state = ContainerState::kExited;
      st.exit_code = -1;
      st.message = "unknown task";
      out.push_back(std::move(st));
      continue;
    }
    const Task& t = it->second;
    const SimulatedBehavior& b = BehaviorAt(t.behavior[i]);
    // The earliest of the ways it can end decides.
    std::optional<model::TimePoint> end;
    int code = 0, sig = 0;
    auto consider = [&](model::TimePoint when, int c, int s) {
      if (when <= now && (!end || when < *end)) {
        end = when;
        code = c;
        sig = s;
      }
    };
    if (b.exit_after) consider(t.started + *b.exit_after, b.exit_code, 0);
    if (t.stopped && !b.ignore_stop) consider(*t.stopped + b.stop_delay, 128 + SIGTERM, SIGTERM);
    if (t.killed) consider(*t.killed, 128 + SIGKILL, SIGKILL);
    if (end) {
      st.state = ContainerState::kExited;
      st.exit_code = code;
      st.signal = sig;
    } else if (now < t.started + b.start_delay) {
      st.state = ContainerState::kUnknown;
      st.message = "ContainerCreating";
    } else {
      st.state = ContainerState::kRunning;
    }
    out.push_back(std::move(st));
  }
  return out;
}

Status SimulatedDriver::Stop(const TaskHandle& handle) {
  auto it = tasks_.find(handle.task_id);
  if (it == tasks_.end()) return Status::Ok();  // nothing to stop: already gone
  if (!it->second.stopped) it->second.stopped = clock_.Now();
  ++stops_;
  return Status::Ok();
}

Status SimulatedDriver::Kill(const TaskHandle& handle) {
  auto it = tasks_.find(handle.task_id);
  if (it == tasks_.end()) return Status::Ok();
  if (!it->second.killed) it->second.killed = clock_.Now();
  ++kills_;
  return Status::Ok();
}

bool SimulatedDriver::Adopt(const TaskHandle& handle) {
  if (handle.driver != Name()) return false;
  auto it = tasks_.find(handle.task_id);
  if (it == tasks_.end()) return false;
  for (const ContainerStatus& st : Inspect(handle)) {
    if (st.state != ContainerState::kExited) return true;
  }
  return false;
}

Status SimulatedDriver::Cleanup(const TaskHandle& handle) {
  tasks_.erase(handle.task_id);
  return Status::Ok();
}

Result<std::string> SimulatedDriver::Logs(const TaskHandle& handle, const std::string& container,
                                          std::size_t max_bytes) {
  if (!tasks_.count(handle.task_id)) {
    return Status::Error(ErrorCode::kNotFound, "no task " + handle.task_id);
  }
  std::string text = "simulated container " + container + " of task " + handle.task_id + "\n";
  if (text.size() > max_bytes) text = text.substr(text.size() - max_bytes);
  return text;
}

}  // namespace capstan::orchestrator
