#pragma once

#include <chrono>
#include <vector>

#include "orchestrator/health_checker.h"

namespace capstan::orchestrator {

// Sends exec checks that name a container (HealthCheckRequest::container_id) to the engine's
// checker and every other check to the host's. Request ids are the caller's, so results merge.
// Both checkers are borrowed; `in_container` may be null (no container driver: such requests
// fail at once with a clear message).
class RoutingHealthChecker final : public HealthChecker {
 public:
  RoutingHealthChecker(HealthChecker& host, HealthChecker* in_container)
      : host_(host), in_container_(in_container) {}

  void Begin(const HealthCheckRequest& request) override;
  std::vector<HealthCheckResult> Poll(std::chrono::milliseconds max_wait) override;
  std::size_t InFlight() const override;

 private:
  HealthChecker& host_;
  HealthChecker* in_container_;
  std::vector<HealthCheckResult> refused_;
};

}  // namespace capstan::orchestrator
