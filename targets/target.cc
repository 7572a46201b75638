#include "targets/target.h"

namespace capstan::targets {

const char* HealthName(Health health) {
  switch (health) {
    case Health::kHealthy:
      return "Healthy";
    case Health::kProgressing:
      return "Progressing";
    case Health::kDegraded:
      return "Degraded";
  }
  return "Unknown";
}

Health AppObservation::OverallHealth() const {
  bool progressing = false;
  for (const auto& w : workloads) {
    if (w.rollout_phase == "Failed" || w.rollout_phase == "Degraded") return Health::kDegraded;
    if (w.rollout_phase == "RolledBack") {
      // Back on the last good revision: healthy once it is fully available again.
      if (w.available < w.desired) return Health::kDegraded;
      continue;
    }
    if (w.rollout_phase == "Progressing" || w.available < w.desired) progressing = true;
  }
  for (const auto& j : jobs) {
    if (j.phase == "Failed") return Health::kDegraded;
    if (j.phase == "Running") progressing = true;
  }
  return progressing ? Health::kProgressing : Health::kHealthy;
}

bool AppObservation::Converged() const {
  for (const auto& w : workloads) {
    if (w.rollout_phase != "Complete" && w.rollout_phase != "Paused") return false;
    if (w.revision != w.desired_revision) return false;
  }
  return true;
}

bool AppObservation::DesiredRevisionFailed() const {
  for (const auto& w : workloads) {
    for (const auto& failed : w.failed_revisions) {
      if (failed == w.desired_revision) return true;
    }
  }
  return false;
}

}  // namespace capstan::targets
