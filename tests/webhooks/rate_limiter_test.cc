#include "sources/webhooks/rate_limiter.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace capstan::webhooks {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RateLimiter, BurstThenOnePerPeriod) {
  capstan::testing::FakeClock clock;
  RateLimiter limiter(clock, {.burst = 5, .refill_every = seconds(1)});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.TryAcquire("repo")) << i;
  EXPECT_FALSE(limiter.TryAcquire("repo"));
  clock.Advance(milliseconds(500));
  EXPECT_FALSE(limiter.TryAcquire("repo"));
  clock.Advance(milliseconds(500));
  EXPECT_TRUE(limiter.TryAcquire("repo"));
  EXPECT_FALSE(limiter.TryAcquire("repo"));
}

TEST(RateLimiter, RefillIsCappedAtBurst) {
  capstan::testing::FakeClock clock;
  RateLimiter limiter(clock, {.burst = 2, .refill_every = seconds(1)});
  EXPECT_TRUE(limiter.TryAcquire("repo"));
  clock.Advance(std::chrono::hours(1));
  EXPECT_TRUE(limiter.TryAcquire("repo"));
  EXPECT_TRUE(limiter.TryAcquire("repo"));
  EXPECT_FALSE(limiter.TryAcquire("repo"));
}

TEST(RateLimiter, KeysHaveSeparateBuckets) {
  capstan::testing::FakeClock clock;
  RateLimiter limiter(clock, {.burst = 1, .refill_every = seconds(1)});
  EXPECT_TRUE(limiter.TryAcquire("a"));
  EXPECT_FALSE(limiter.TryAcquire("a"));
  EXPECT_TRUE(limiter.TryAcquire("b"));
}

TEST(RateLimiter, ZeroBurstAdmitsNothingZeroPeriodAdmitsEverything) {
  capstan::testing::FakeClock clock;
  RateLimiter closed(clock, {.burst = 0, .refill_every = seconds(1)});
  EXPECT_FALSE(closed.TryAcquire("a"));
  RateLimiter open(clock, {.burst = 1, .refill_every = model::Duration::zero()});
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(open.TryAcquire("a"));
}

}  // namespace
}  // namespace capstan::webhooks
