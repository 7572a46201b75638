#include "orchestrator/backoff.h"

#include <algorithm>

namespace capstan::orchestrator {

model::Duration CrashLoopBackoff::OnExit(model::Duration ran_for) {
  if (ran_for >= params_.reset_after) {
    // A long healthy run means the previous crashes are history (kubelet resets the same way).
    next_ = params_.initial;
    consecutive_ = 0;
  }
  model::Duration delay = next_;
  next_ = std::min(next_ * 2, params_.max);
  ++consecutive_;
  return delay;
}

}  // namespace capstan::orchestrator
