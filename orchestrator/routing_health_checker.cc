#include "orchestrator/routing_health_checker.h"

namespace capstan::orchestrator {

void RoutingHealthChecker::Begin(const HealthCheckRequest& request) {
  const bool in_container =
      request.action == model::ProbeAction::kExec && !request.container_id.empty();
  if (!in_container) {
    host_.Begin(request);
  } else if (in_container_ != nullptr) {
    in_container_->Begin(request);
  } else {
    refused_.push_back({request.id, false, "no container engine to run the exec probe in"});
  }
}

std::vector<HealthCheckResult> RoutingHealthChecker::Poll(std::chrono::milliseconds max_wait) {
  std::vector<HealthCheckResult> out;
  out.swap(refused_);
  if (in_container_ != nullptr && in_container_->InFlight() > 0) {
    for (auto& r : in_container_->Poll(std::chrono::milliseconds(0))) out.push_back(std::move(r));
  }
  if (!out.empty()) max_wait = std::chrono::milliseconds(0);
  for (auto& r : host_.Poll(max_wait)) out.push_back(std::move(r));
  return out;
}

std::size_t RoutingHealthChecker::InFlight() const {
  return host_.InFlight() + refused_.size() +
         (in_container_ != nullptr ? in_container_->InFlight() : 0);
}

}  // namespace capstan::orchestrator
