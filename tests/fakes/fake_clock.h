#pragma once

#include <atomic>
#include <mutex>

#include "model/clock.h"

namespace capstan::testing {

// A clock that only moves when told to. Safe for concurrent use.
class FakeClock final : public model::Clock {
 public:
  FakeClock() : now_(model::TimePoint() + std::chrono::hours(1)), wall_(std::chrono::seconds(1'700'000'000)) {}

  model::TimePoint Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  model::WallTime WallNow() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  void Advance(model::Duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
    wall_ += std::chrono::duration_cast<model::WallTime::duration>(d);
  }

 private:
  mutable std::mutex mu_;  // guards now_ and wall_
  model::TimePoint now_;
  model::WallTime wall_;
};

}  // namespace capstan::testing
