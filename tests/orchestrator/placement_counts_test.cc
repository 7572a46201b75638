#include "orchestrator/placement_counts.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace capstan::orchestrator {
namespace {

TEST(PlacementCounts, AddsRemovesAndReportsAbsentAsZero) {
  PlacementCounts c;
  EXPECT_EQ(c.Get(5), 0);
  EXPECT_EQ(c.Add(5, -1), 0) << "removing from nothing stays at nothing";
  EXPECT_EQ(c.Add(5, 2), 2);
  EXPECT_EQ(c.Add(5, 1), 3);
  EXPECT_EQ(c.Get(5), 3);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.Add(5, -5), 0);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.Get(5), 0);
}

TEST(PlacementCounts, MatchesAReferenceMapUnderRandomChurn) {
  // Many inserts and removals over a small key range force long probe runs, growth and
  // backward-shift deletions; the table must agree with std::map throughout.
  PlacementCounts c;
  std::map<int, int> ref;
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> key(-50, 400);
  std::uniform_int_distribution<int> delta(-3, 3);
  for (int step = 0; step < 200000; ++step) {
    int k = key(rng);
    int d = delta(rng);
    int expected = std::max(0, ref[k] + d);
    if (d == 0) expected = ref[k];
    if (expected == 0) {
      ref.erase(k);
    } else {
      ref[k] = expected;
    }
    ASSERT_EQ(c.Add(k, d), expected) << "step " << step;
    if (step % 1000 == 0) {
      ASSERT_EQ(c.size(), ref.size());
      for (int probe = -50; probe <= 400; ++probe) {
        auto it = ref.find(probe);
        ASSERT_EQ(c.Get(probe), it == ref.end() ? 0 : it->second) << "key " << probe;
      }
      std::map<int, int> seen;
      c.ForEach([&](int k2, int n) { seen[k2] = n; });
      ASSERT_EQ(seen, ref);
    }
  }
}

}  // namespace
}  // namespace capstan::orchestrator
