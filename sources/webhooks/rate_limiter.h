#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "model/clock.h"

namespace capstan::webhooks {

struct RateLimit {
  double burst = 5;  // tokens a quiet key starts with: this many requests pass back to back
  model::Duration refill_every = std::chrono::seconds(1);  // one token comes back per period
};

// A token bucket per key (here: per configured repository), on the injected clock. Keys are never
// forgotten, so callers must draw them from a bounded set (configured repositories, not payload
// strings). A limit with burst < 1 admits nothing; refill_every <= 0 admits everything.
// Not thread-safe. REQUIRES: external synchronization.
class RateLimiter {
 public:
  RateLimiter(const model::Clock& clock, RateLimit limit) : clock_(clock), limit_(limit) {}
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one token from `key`'s bucket if it has one.
  bool TryAcquire(std::string_view key);

 private:
  struct Bucket {
    double tokens;
    model::TimePoint last_refill;
  };
  const model::Clock& clock_;
  RateLimit limit_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace capstan::webhooks
