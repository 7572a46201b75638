#pragma once

#include <optional>

#include "model/clock.h"
#include "model/probe.h"

namespace capstan::orchestrator {

enum class ProbeKind { kLiveness, kReadiness, kStartup };

// The published result of a probe, as kubelet's results manager holds it.
enum class ProbeResult { kUnknown, kSuccess, kFailure };

// When to run one probe of one container instance and what its results add up to, following
// kubelet's prober worker (pkg/kubelet/prober/worker.go):
//  - The first probe is due `initial_delay_seconds` after the container started, then every
//    `period_seconds` after the previous probe began. A probe in flight is never doubled.
//  - Results are counted in runs of equal results; the published result changes only when a run
//    of successes reaches success_threshold or a run of failures reaches failure_threshold.
//  - Before any published result, state() is kUnknown and Passing() uses kubelet's initial
//    values: readiness not ready (Failure), liveness alive (Success), startup not started.
//  - A startup probe stops once it has succeeded; a liveness or startup probe stops once it has
//    failed (the container is going to be restarted). A restarted container gets a new tracker.
// Pure state machine: no I/O. Thread-compatible.
class ProbeTracker {
 public:
  // `clock` must outlive the tracker. `container_started` is when the container began running.
  ProbeTracker(const model::Clock& clock, ProbeKind kind, const model::ProbeSpec& spec,
               model::TimePoint container_started);

  // Whether a probe should be begun at `now`.
  bool Due(model::TimePoint now) const;
  // Due(clock.Now()).
  bool Due() const { return Due(clock_.Now()); }
  // When the next probe is due; nullopt while one is in flight or when probing has stopped.
  std::optional<model::TimePoint> NextDue() const;

  // The caller began a probe at `now` (optional: Record() without Begin() counts `now` as the
  // start). Until Record(), Due() is false.
  void Begin(model::TimePoint now);
  // The outcome of the probe begun last (or of one taken at `now`).
  void Record(bool success, model::TimePoint now);
  void Record(bool success) { Record(success, clock_.Now()); }

  ProbeKind kind() const { return kind_; }
  const model::ProbeSpec& spec() const { return spec_; }
  ProbeResult state() const { return state_; }
  // The published result with kubelet's initial values applied to kUnknown.
  bool Passing() const;
  // Length of the current run of equal results.
  int consecutive_successes() const { return last_ == ProbeResult::kSuccess ? run_ : 0; }
  int consecutive_failures() const { return last_ == ProbeResult::kFailure ? run_ : 0; }
  // Whether no more probes will be due (startup succeeded, or liveness/startup failed).
  bool stopped() const { return stopped_; }
  bool in_flight() const { return in_flight_; }

 private:
  const model::Clock& clock_;
  ProbeKind kind_;
  model::ProbeSpec spec_;
  model::TimePoint next_due_;
  std::optional<model::TimePoint> begun_;
  bool in_flight_ = false;
  bool stopped_ = false;
  ProbeResult state_ = ProbeResult::kUnknown;
  ProbeResult last_ = ProbeResult::kUnknown;  // the last raw result, for the run
  int run_ = 0;
};

}  // namespace capstan::orchestrator
