#include "orchestrator/backoff.h"

#include <gtest/gtest.h>

namespace capstan::orchestrator {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(CrashLoopBackoff, DoublesFrom10sToFiveMinutes) {
  CrashLoopBackoff b;
  const model::Duration want[] = {seconds(10),  seconds(20), seconds(40), seconds(80),
                                  seconds(160), minutes(5),  minutes(5)};
  for (auto w : want) EXPECT_EQ(b.OnExit(seconds(1)), w);
  EXPECT_EQ(b.consecutive_exits(), 7);
}

TEST(CrashLoopBackoff, ResetsAfterTenMinutesOfRunning) {
  CrashLoopBackoff b;
  b.OnExit(seconds(1));
  b.OnExit(seconds(1));
  EXPECT_EQ(b.OnExit(minutes(9)), seconds(40));  // not long enough
  EXPECT_EQ(b.OnExit(minutes(10)), seconds(10));
  EXPECT_EQ(b.OnExit(seconds(1)), seconds(20));
}

}  // namespace
}  // namespace capstan::orchestrator
