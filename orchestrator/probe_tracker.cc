#include "orchestrator/probe_tracker.h"

#include <algorithm>

namespace capstan::orchestrator {

ProbeTracker::ProbeTracker(const model::Clock& clock, ProbeKind kind, const model::ProbeSpec& spec,
                           model::TimePoint container_started)
    : clock_(clock),
      kind_(kind),
      spec_(spec),
      next_due_(container_started + std::chrono::seconds(std::max(0, spec.initial_delay_seconds))) {
  // Kubernetes' API defaults and minimums, so a zero from a sparse manifest cannot spin.
  spec_.period_seconds = std::max(1, spec_.period_seconds);
  spec_.success_threshold = std::max(1, spec_.success_threshold);
  spec_.failure_threshold = std::max(1, spec_.failure_threshold);
}

bool ProbeTracker::Due(model::TimePoint now) const {
  return !stopped_ && !in_flight_ && now >= next_due_;
}

std::optional<model::TimePoint> ProbeTracker::NextDue() const {
  if (stopped_ || in_flight_) return std::nullopt;
  return next_due_;
}

void ProbeTracker::Begin(model::TimePoint now) {
  in_flight_ = true;
  begun_ = now;
}

void ProbeTracker::Record(bool success, model::TimePoint now) {
  if (stopped_) return;
  model::TimePoint begun = begun_.value_or(now);
  in_flight_ = false;
  begun_.reset();
  // Periods count from the start of a probe, as kubelet's ticker does; a probe slower than its
  // period makes the next one due at once.
  next_due_ = begun + std::chrono::seconds(spec_.period_seconds);

  ProbeResult result = success ? ProbeResult::kSuccess : ProbeResult::kFailure;
  if (result == last_) {
    ++run_;
  } else {
    last_ = result;
    run_ = 1;
  }
  int threshold = success ? spec_.success_threshold : spec_.failure_threshold;
  if (run_ < threshold) return;  // below threshold: the published result is unchanged
  state_ = result;
  if ((kind_ == ProbeKind::kStartup && success) || (kind_ != ProbeKind::kReadiness && !success)) {
    stopped_ = true;
  }
}

bool ProbeTracker::Passing() const {
  switch (state_) {
    case ProbeResult::kSuccess:
      return true;
    case ProbeResult::kFailure:
      return false;
    case ProbeResult::kUnknown:
      break;
  }
  return kind_ == ProbeKind::kLiveness;
}

}  // namespace capstan::orchestrator
