#include "orchestrator/rollout_math.h"

#include <gtest/gtest.h>

namespace capstan::orchestrator {
namespace {

using model::IntOrPercent;

TEST(RolloutBounds, KubernetesRoundsSurgeUpAndUnavailableDown) {
  struct Case {
    int desired;
    IntOrPercent surge, unavailable;
    RolloutBounds want;
  };
  const Case cases[] = {
      {10, IntOrPercent::Percent(25), IntOrPercent::Percent(25), {3, 2}},
      {4, IntOrPercent::Percent(25), IntOrPercent::Percent(25), {1, 1}},
      {1, IntOrPercent::Percent(25), IntOrPercent::Percent(25), {1, 0}},
      {5, IntOrPercent::Count(1), IntOrPercent::Count(0), {1, 0}},
      {5, IntOrPercent::Count(0), IntOrPercent::Count(0), {0, 1}},  // fencepost
      {3, IntOrPercent::Percent(50), IntOrPercent::Percent(50), {2, 1}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(KubernetesBounds(c.desired, c.surge, c.unavailable), c.want) << c.desired;
  }
}

TEST(RolloutBounds, EcsPercentages) {
  EXPECT_EQ(EcsBounds(5, 50, 200), (RolloutBounds{5, 2}));  // min healthy ceil(2.5)=3
  EXPECT_EQ(EcsBounds(4, 100, 200), (RolloutBounds{4, 0}));
  EXPECT_EQ(EcsBounds(3, 0, 100), (RolloutBounds{0, 3}));
  EXPECT_EQ(EcsBounds(3, 100, 100), (RolloutBounds{0, 1}));  // would be stuck: allow one
  EXPECT_EQ(EcsBounds(3, 100, 150), (RolloutBounds{1, 0}));  // floor(4.5)=4
}

TEST(RolloutStep, Table) {
  struct Case {
    RolloutCounts counts;
    RolloutBounds bounds;
    RolloutStep want;
  };
  const Case cases[] = {
      // Fresh deploy of 3: start all (surge is irrelevant when nothing is old).
      {{3, 0, 0, 0, 0}, {1, 0}, {3, 0, 0, 0}},
      // Surge 1 / unavailable 0: one new, no old stopped until it is available.
      {{5, 5, 5, 0, 0}, {1, 0}, {1, 0, 0, 0}},
      {{5, 5, 5, 1, 0}, {1, 0}, {0, 0, 0, 0}},
      {{5, 5, 5, 1, 1}, {1, 0}, {0, 0, 1, 0}},
      {{5, 4, 4, 1, 1}, {1, 0}, {1, 0, 0, 0}},
      // Surge 0 / unavailable 1: stop one old first, then start.
      {{3, 3, 3, 0, 0}, {0, 1}, {0, 0, 1, 0}},
      {{3, 2, 2, 0, 0}, {0, 1}, {1, 0, 0, 0}},
      // Unavailable old tasks go before available ones.
      {{4, 4, 2, 0, 0}, {1, 1}, {1, 1, 0, 0}},
      // Scale down without a rollout.
      {{2, 0, 0, 5, 5}, {1, 1}, {0, 0, 0, 3}},
      // Scale up without a rollout.
      {{5, 0, 0, 3, 3}, {1, 0}, {2, 0, 0, 0}},
  };
  for (const auto& c : cases) {
    RolloutStep got = ComputeRolloutStep(c.counts, c.bounds);
    EXPECT_EQ(got, c.want) << "desired=" << c.counts.desired << " old=" << c.counts.old_total << "/"
                           << c.counts.old_available << " new=" << c.counts.new_total << "/"
                           << c.counts.new_available << " -> start " << got.start_new
                           << " stop_unavail " << got.stop_old_unavailable << " stop_avail "
                           << got.stop_old_available << " stop_new " << got.stop_new;
  }
}

// Simulates a whole rollout where started tasks become available on the next step and checks
// the invariants at every step.
void Simulate(int desired, RolloutBounds b) {
  int old_av = desired, new_total = 0, new_av = 0;
  for (int step = 0; step < 100 && !(old_av == 0 && new_av == desired); ++step) {
    RolloutStep s = ComputeRolloutStep({desired, old_av, old_av, new_total, new_av}, b);
    new_av = new_total;  // what started last step is available now
    new_total += s.start_new;
    old_av -= s.stop_old_available + s.stop_old_unavailable;
    ASSERT_GE(old_av + new_av, desired - b.max_unavailable) << "step " << step;
    ASSERT_LE(old_av + new_total, desired + b.max_surge) << "step " << step;
  }
  EXPECT_EQ(old_av, 0);
}

TEST(RolloutStep, InvariantsHoldThroughAWholeRollout) {
  Simulate(5, {1, 0});
  Simulate(5, EcsBounds(5, 50, 200));
  Simulate(10, KubernetesBounds(10, IntOrPercent::Percent(25), IntOrPercent::Percent(25)));
  Simulate(3, {0, 1});
}

TEST(RecreateStep, StopsOldBeforeStartingNew) {
  EXPECT_EQ(ComputeRecreateStep(3, 2, 0), (RecreateStep{true, 0, 0}));
  EXPECT_EQ(ComputeRecreateStep(3, 0, 0), (RecreateStep{false, 3, 0}));
  EXPECT_EQ(ComputeRecreateStep(3, 0, 4), (RecreateStep{false, 0, 1}));
}

TEST(CircuitBreaker, ThresholdIsHalfClampedTo3And200) {
  EXPECT_EQ(CircuitBreakerThreshold(1), 3);
  EXPECT_EQ(CircuitBreakerThreshold(6), 3);
  EXPECT_EQ(CircuitBreakerThreshold(9), 5);
  EXPECT_EQ(CircuitBreakerThreshold(100), 50);
  EXPECT_EQ(CircuitBreakerThreshold(1000), 200);
}

}  // namespace
}  // namespace capstan::orchestrator
