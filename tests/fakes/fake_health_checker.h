#pragma once

#include <map>
#include <string>
#include <vector>

#include "orchestrator/health_checker.h"

namespace capstan::testing {

// A HealthChecker whose results are scripted: by port, by HTTP path, or by exec command[0]
// (first match in that order), else `default_result`. Results are delivered on the next Poll().
// Records every request. Thread-compatible.
class FakeHealthChecker final : public orchestrator::HealthChecker {
 public:
  void Begin(const orchestrator::HealthCheckRequest& request) override {
    requests.push_back(request);
    bool ok = default_result;
    if (auto it = by_port.find(request.port); it != by_port.end()) {
      ok = it->second;
    } else if (auto p = by_path.find(request.path);
               request.action == model::ProbeAction::kHttpGet && p != by_path.end()) {
      ok = p->second;
    } else if (!request.command.empty()) {
      if (auto c = by_command.find(request.command.front()); c != by_command.end()) ok = c->second;
    }
    pending_.push_back({request.id, ok, ok ? "ok" : "scripted failure"});
  }
  std::vector<orchestrator::HealthCheckResult> Poll(std::chrono::milliseconds) override {
    std::vector<orchestrator::HealthCheckResult> out;
    out.swap(pending_);
    return out;
  }
  std::size_t InFlight() const override { return pending_.size(); }

  int RequestsForPort(int port) const {
    int n = 0;
    for (const auto& r : requests) n += r.port == port;
    return n;
  }

  bool default_result = true;
  std::map<int, bool> by_port;
  std::map<std::string, bool> by_path;
  std::map<std::string, bool> by_command;
  std::vector<orchestrator::HealthCheckRequest> requests;

 private:
  std::vector<orchestrator::HealthCheckResult> pending_;
};

}  // namespace capstan::testing
