#include "orchestrator/rollout_math.h"

#include <algorithm>

namespace capstan::orchestrator {

RolloutBounds KubernetesBounds(int desired, const model::IntOrPercent& max_surge,
                               const model::IntOrPercent& max_unavailable) {
  RolloutBounds b;
  b.max_surge = std::max(0, max_surge.Resolve(desired, model::Rounding::kUp));
  b.max_unavailable = std::max(0, max_unavailable.Resolve(desired, model::Rounding::kDown));
  if (b.max_surge == 0 && b.max_unavailable == 0) b.max_unavailable = 1;
  return b;
}

RolloutBounds EcsBounds(int desired, int minimum_healthy_percent, int maximum_percent) {
  long long d = std::max(0, desired);
  int min_healthy = static_cast<int>((d * std::max(0, minimum_healthy_percent) + 99) / 100);
  int max_total = static_cast<int>(d * std::max(0, maximum_percent) / 100);
  RolloutBounds b;
  b.max_surge = std::max(0, max_total - desired);
  b.max_unavailable = std::max(0, desired - min_healthy);
  if (b.max_surge == 0 && b.max_unavailable == 0) b.max_unavailable = 1;
  return b;
}

RolloutStep ComputeRolloutStep(const RolloutCounts& c, const RolloutBounds& b) {
  RolloutStep s;
  const int desired = std::max(0, c.desired);
  const int all = c.old_total + c.new_total;

  // Scale the new revision up, within the surge allowance.
  if (c.new_total > desired) {
    s.stop_new = c.new_total - desired;
  } else if (c.new_total < desired) {
    const int max_total = desired + b.max_surge;
    s.start_new = std::max(0, std::min(desired - c.new_total, max_total - all));
  }
  if (c.old_total == 0) return s;

  // Scale the old revisions down, keeping min_available available.
  const int min_available = desired - b.max_unavailable;
  const int new_unavailable = std::max(0, c.new_total - c.new_available);
  const int old_unavailable = std::max(0, c.old_total - c.old_available);
  int max_scaled_down = all - min_available - new_unavailable;
  if (max_scaled_down <= 0) return s;
  // Unavailable old tasks go first: removing them costs no availability.
  s.stop_old_unavailable = std::min(old_unavailable, max_scaled_down);
  const int available = c.old_available + c.new_available;
  int budget = available - min_available;
  if (budget > 0) s.stop_old_available = std::min(budget, c.old_available);
  // Never leave more than desired after the step once the new revision is fully up.
  return s;
}

RecreateStep ComputeRecreateStep(int desired, int old_present, int new_total) {
  RecreateStep s;
  if (old_present > 0) {
    s.stop_all_old = true;
    return s;
  }
  if (new_total < desired) s.start_new = desired - new_total;
  if (new_total > desired) s.stop_new = new_total - desired;
  return s;
}

int CircuitBreakerThreshold(int desired) {
  int half = (std::max(0, desired) + 1) / 2;
  return std::clamp(half, 3, 200);
}

}  // namespace capstan::orchestrator
