#include "sources/webhooks/rate_limiter.h"

#include <algorithm>

namespace capstan::webhooks {

bool RateLimiter::TryAcquire(std::string_view key) {
  if (limit_.refill_every <= model::Duration::zero()) return true;
  model::TimePoint now = clock_.Now();
  auto [it, inserted] = buckets_.try_emplace(std::string(key), Bucket{limit_.burst, now});
  Bucket& bucket = it->second;
  if (!inserted && now > bucket.last_refill) {
    double periods = std::chrono::duration<double>(now - bucket.last_refill) /
                     std::chrono::duration<double>(limit_.refill_every);
    bucket.tokens = std::min(limit_.burst, bucket.tokens + periods);
    bucket.last_refill = now;
  }
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

}  // namespace capstan::webhooks
