#pragma once

#include <chrono>

#include "model/clock.h"

namespace capstan::orchestrator {

// The kubelet's crash-loop back-off: after an exit, wait `initial` (10 s) before the next start,
// doubling on every further exit up to `max` (5 min); a task that ran for `reset_after` (10 min)
// without exiting starts again from `initial`.
// A plain value; thread-compatible.
class CrashLoopBackoff {
 public:
  struct Params {
    model::Duration initial = std::chrono::seconds(10);
    model::Duration max = std::chrono::minutes(5);
    model::Duration reset_after = std::chrono::minutes(10);
  };

  CrashLoopBackoff() = default;
  explicit CrashLoopBackoff(Params params) : params_(params), next_(params.initial) {}

  // Called when the task exited after running for `ran_for`. Returns how long to wait before
  // starting it again.
  model::Duration OnExit(model::Duration ran_for);
  // The delay the next exit would get (for status).
  model::Duration next() const { return next_; }
  int consecutive_exits() const { return consecutive_; }

 private:
  Params params_;
  model::Duration next_ = params_.initial;
  int consecutive_ = 0;
};

}  // namespace capstan::orchestrator
