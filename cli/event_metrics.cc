#include "cli/event_metrics.h"

namespace capstan::cli {
namespace {

bool Contains(const std::string& s, const char* needle) {
  return s.find(needle) != std::string::npos;
}

metrics::RollbackReason ReasonFor(const std::string& message) {
  if (Contains(message, "deadline")) return metrics::RollbackReason::kProgressDeadline;
  if (Contains(message, "readiness") || Contains(message, "liveness") ||
      Contains(message, "probe")) {
    return metrics::RollbackReason::kHealthCheckFailed;
  }
  return metrics::RollbackReason::kTaskFailed;
}

}  // namespace

std::pair<std::string, std::string> SplitWorkloadObject(const std::string& object) {
  const std::string marker = "/Workload/";
  const auto pos = object.find(marker);
  if (pos == std::string::npos) return {};
  return {object.substr(0, pos), object.substr(pos + marker.size())};
}

void EventMetrics::OnEvent(const orchestrator::Event& event,
                           const orchestrator::TaskRunner& runner) {
  if (event.reason == "Unhealthy") {
    const orchestrator::Task* task = runner.Find(event.object);
    if (!task) return;
    metrics::ProbeKind kind = metrics::ProbeKind::kReadiness;
    if (event.message.rfind("Liveness", 0) == 0) kind = metrics::ProbeKind::kLiveness;
    if (event.message.rfind("Startup", 0) == 0) kind = metrics::ProbeKind::kStartup;
    metrics_.task.RecordHealthCheckFailure(task->app, task->owner, kind);
    return;
  }
  auto [app, workload] = SplitWorkloadObject(event.object);
  if (app.empty()) return;
  if (event.reason == "RolloutComplete") {
    metrics_.rollout.RecordRollout(app, metrics::RolloutResult::kSucceeded);
  } else if (event.reason == "RolloutFailed") {
    metrics_.rollout.RecordRollout(app, metrics::RolloutResult::kFailed);
  } else if (event.reason == "RolloutSuperseded") {
    metrics_.rollout.RecordRollout(app, metrics::RolloutResult::kSuperseded);
  } else if (event.reason == "RollingBack") {
    metrics_.rollout.RecordRollback(app, ReasonFor(event.message));
  }
}

void EventMetrics::CountRestarts(const orchestrator::TaskRunner& runner) {
  std::map<std::string, int> now;
  for (const auto& [id, task] : runner.tasks()) {
    now[id] = task.restarts;
    const int before = restarts_seen_.count(id) ? restarts_seen_[id] : task.restarts;
    for (int i = before; i < task.restarts; ++i) metrics_.task.RecordRestart(task.app, task.owner);
  }
  restarts_seen_ = std::move(now);
}

}  // namespace capstan::cli
