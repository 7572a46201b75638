#include "orchestrator/probe_tracker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/fakes/fake_clock.h"

namespace capstan::orchestrator {
namespace {

using std::chrono::seconds;

model::ProbeSpec Spec(int initial_delay, int period, int success_threshold, int failure_threshold) {
  model::ProbeSpec spec;
  spec.initial_delay_seconds = initial_delay;
  spec.period_seconds = period;
  spec.success_threshold = success_threshold;
  spec.failure_threshold = failure_threshold;
  return spec;
}

TEST(ProbeTracker, InitialValuesFollowKubelet) {
  testing::FakeClock clock;
  model::ProbeSpec spec = Spec(0, 10, 1, 3);
  ProbeTracker readiness(clock, ProbeKind::kReadiness, spec, clock.Now());
  ProbeTracker liveness(clock, ProbeKind::kLiveness, spec, clock.Now());
  ProbeTracker startup(clock, ProbeKind::kStartup, spec, clock.Now());
  for (const ProbeTracker* t : {&readiness, &liveness, &startup}) {
    EXPECT_EQ(t->state(), ProbeResult::kUnknown);
  }
  EXPECT_FALSE(readiness.Passing());  // not ready until proven ready
  EXPECT_TRUE(liveness.Passing());    // alive until proven dead
  EXPECT_FALSE(startup.Passing());    // not started until proven started
}

TEST(ProbeTracker, FirstProbeWaitsForInitialDelayThenEveryPeriod) {
  testing::FakeClock clock;
  model::TimePoint started = clock.Now();
  ProbeTracker t(clock, ProbeKind::kReadiness, Spec(5, 10, 1, 3), started);
  EXPECT_FALSE(t.Due());
  ASSERT_TRUE(t.NextDue().has_value());
  EXPECT_EQ(*t.NextDue(), started + seconds(5));
  clock.Advance(seconds(4));
  EXPECT_FALSE(t.Due());
  clock.Advance(seconds(1));
  EXPECT_TRUE(t.Due());

  t.Begin(clock.Now());
  EXPECT_FALSE(t.Due()) << "a probe in flight is never doubled";
  EXPECT_FALSE(t.NextDue().has_value());
  clock.Advance(seconds(2));  // the probe took 2s
  t.Record(true);
  // The period counts from the start of the previous probe.
  EXPECT_EQ(*t.NextDue(), started + seconds(15));
  clock.Advance(seconds(7));
  EXPECT_FALSE(t.Due());
  clock.Advance(seconds(1));
  EXPECT_TRUE(t.Due());
}

TEST(ProbeTracker, SlowProbeMakesTheNextOneDueAtOnce) {
  testing::FakeClock clock;
  ProbeTracker t(clock, ProbeKind::kReadiness, Spec(0, 1, 1, 3), clock.Now());
  t.Begin(clock.Now());
  clock.Advance(seconds(3));
  t.Record(false);
  EXPECT_TRUE(t.Due());
}

TEST(ProbeTracker, ZeroPeriodAndThresholdsUseMinimums) {
  testing::FakeClock clock;
  ProbeTracker t(clock, ProbeKind::kReadiness, Spec(0, 0, 0, 0), clock.Now());
  t.Record(false);
  EXPECT_EQ(t.state(), ProbeResult::kFailure);
  EXPECT_FALSE(t.Due()) << "period 0 must not make the probe due continuously";
  clock.Advance(seconds(1));
  EXPECT_TRUE(t.Due());
}

// One row: a probe kind, thresholds, a sequence of results, and what is published after each.
struct Row {
  std::string name;
  ProbeKind kind;
  int success_threshold;
  int failure_threshold;
  std::string results;    // 's' success, 'f' failure
  std::string published;  // after each result: 'u' unknown, 's' success, 'f' failure
  std::string passing;    // after each result: 'y' / 'n'
  bool stopped_at_end;
};

class ProbeTrackerTable : public ::testing::TestWithParam<Row> {};

TEST_P(ProbeTrackerTable, PublishesPerThresholds) {
  const Row& row = GetParam();
  ASSERT_EQ(row.results.size(), row.published.size());
  ASSERT_EQ(row.results.size(), row.passing.size());
  testing::FakeClock clock;
  ProbeTracker t(clock, row.kind, Spec(0, 1, row.success_threshold, row.failure_threshold),
                 clock.Now());
  for (std::size_t i = 0; i < row.results.size(); ++i) {
    t.Record(row.results[i] == 's');
    clock.Advance(seconds(1));
    ProbeResult want = row.published[i] == 's'   ? ProbeResult::kSuccess
                       : row.published[i] == 'f' ? ProbeResult::kFailure
                                                 : ProbeResult::kUnknown;
    EXPECT_EQ(t.state(), want) << "after result " << i;
    EXPECT_EQ(t.Passing(), row.passing[i] == 'y') << "after result " << i;
  }
  EXPECT_EQ(t.stopped(), row.stopped_at_end);
  if (row.stopped_at_end) {
    EXPECT_FALSE(t.Due());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kubelet, ProbeTrackerTable,
    ::testing::Values(
        Row{"ReadinessOneSuccessIsReady", ProbeKind::kReadiness, 1, 3, "s", "s", "y", false},
        Row{"ReadinessNeedsSuccessThreshold", ProbeKind::kReadiness, 2, 3, "ssf", "uss", "nyy",
            false},
        Row{"ReadinessFailsAfterThreshold", ProbeKind::kReadiness, 1, 3, "sfff", "sssf", "yyyn",
            false},
        Row{"ReadinessInterruptedFailuresDoNotCount", ProbeKind::kReadiness, 1, 3, "sffsff",
            "ssssss", "yyyyyy", false},
        Row{"ReadinessRecoversAfterSuccessThreshold", ProbeKind::kReadiness, 2, 1, "fssfss",
            "ffsffs", "nnynny", false},
        Row{"ReadinessKeepsProbingAfterFailure", ProbeKind::kReadiness, 1, 1, "ff", "ff", "nn",
            false},
        Row{"LivenessAliveUntilThreshold", ProbeKind::kLiveness, 1, 3, "ff", "uu", "yy", false},
        Row{"LivenessFailsAndStops", ProbeKind::kLiveness, 1, 3, "sfff", "sssf", "yyyn", true},
        Row{"StartupNotStartedUntilSuccess", ProbeKind::kStartup, 1, 30, "ffs", "uus", "nny", true},
        Row{"StartupGivesUpAfterThreshold", ProbeKind::kStartup, 1, 2, "ff", "uf", "nn", true}),
    [](const ::testing::TestParamInfo<Row>& info) { return info.param.name; });

TEST(ProbeTracker, CountsConsecutiveResults) {
  testing::FakeClock clock;
  ProbeTracker t(clock, ProbeKind::kReadiness, Spec(0, 1, 1, 5), clock.Now());
  t.Record(false);
  t.Record(false);
  EXPECT_EQ(t.consecutive_failures(), 2);
  EXPECT_EQ(t.consecutive_successes(), 0);
  t.Record(true);
  EXPECT_EQ(t.consecutive_failures(), 0);
  EXPECT_EQ(t.consecutive_successes(), 1);
}

}  // namespace
}  // namespace capstan::orchestrator
