#include "orchestrator/proc_stat.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace capstan::orchestrator {
namespace {

TEST(ProcStat, ParsesCommandNamesWithSpacesAndParens) {
  std::string line =
      "1234 (my (weird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 "
      "1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto stat = ParseProcStat(line);
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(stat->pid, 1234);
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->pgid, 1234);
  EXPECT_EQ(stat->session, 1234);
  EXPECT_EQ(stat->start_time_ticks, 987654u);
}

TEST(ProcStat, RejectsTruncatedContent) {
  EXPECT_FALSE(ParseProcStat("12 (x) S 1 2 3").ok());
  EXPECT_FALSE(ParseProcStat("garbage").ok());
}

TEST(ProcStat, ReadsThisProcess) {
  auto stat = ReadProcStat(::getpid());
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(stat->pid, ::getpid());
  EXPECT_GT(stat->start_time_ticks, 0u);
  EXPECT_TRUE(ProcessMatches(::getpid(), stat->start_time_ticks));
  EXPECT_FALSE(ProcessMatches(::getpid(), stat->start_time_ticks + 1));
  EXPECT_EQ(ReadProcStat(0x3fffffff).status().code(), model::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace capstan::orchestrator
