#pragma once

#include <chrono>

namespace capstan::model {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// The one source of time. Logic never calls steady_clock::now() or sleeps; it asks a Clock, so
// tests drive 10-minute deadlines with a FakeClock in microseconds.
// Implementations are safe for concurrent use.
class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for deadlines, backoffs and probe periods.
  virtual TimePoint Now() const = 0;
  // Calendar time, for timestamps shown to people and stored in the event log.
  virtual WallTime WallNow() const = 0;
};

// The real clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  WallTime WallNow() const override { return std::chrono::system_clock::now(); }
};

}  // namespace capstan::model
