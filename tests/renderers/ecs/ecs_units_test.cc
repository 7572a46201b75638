#include "renderers/ecs/ecs_units.h"

#include <gtest/gtest.h>

namespace capstan::renderers::ecs {
namespace {

TEST(EcsUnits, CpuUnitsAreThousandthsOf1024) {
  EXPECT_EQ(CpuUnitsToMillis(1024), 1000);
  EXPECT_EQ(CpuUnitsToMillis(256), 250);
  EXPECT_EQ(CpuUnitsToMillis(128), 125);
  EXPECT_EQ(CpuUnitsToMillis(100), 97);  // rounds down
  EXPECT_EQ(CpuUnitsToMillis(0), 0);
}

TEST(EcsUnits, TaskCpuAcceptsUnitsAndVcpus) {
  EXPECT_EQ(*ParseTaskCpuMillis("256"), 250);
  EXPECT_EQ(*ParseTaskCpuMillis("1024"), 1000);
  EXPECT_EQ(*ParseTaskCpuMillis("1 vCPU"), 1000);
  EXPECT_EQ(*ParseTaskCpuMillis("0.25 vcpu"), 250);
  EXPECT_EQ(*ParseTaskCpuMillis("2vCPU"), 2000);
  EXPECT_EQ(*ParseTaskCpuMillis(" 4 VCPU "), 4000);
}

TEST(EcsUnits, TaskCpuRejectsGarbage) {
  for (const char* bad : {"", "abc", "-256", "0", "0 vcpu", "1.5", "256 units", "1e3", "2 GB",
                          "99999999999999999999"}) {
    auto result = ParseTaskCpuMillis(bad);
    EXPECT_FALSE(result.ok()) << bad;
    if (!result.ok()) {
      EXPECT_EQ(result.status().code(), model::ErrorCode::kInvalidArgument);
    }
  }
}

TEST(EcsUnits, TaskMemoryAcceptsMibAndGb) {
  constexpr std::int64_t kMiB = 1024 * 1024;
  EXPECT_EQ(*ParseTaskMemoryBytes("512"), 512 * kMiB);
  EXPECT_EQ(*ParseTaskMemoryBytes("2 GB"), 2048 * kMiB);
  EXPECT_EQ(*ParseTaskMemoryBytes("2GB"), 2048 * kMiB);
  EXPECT_EQ(*ParseTaskMemoryBytes("0.5 gb"), 512 * kMiB);
  EXPECT_EQ(*ParseTaskMemoryBytes("1 GiB"), 1024 * kMiB);
  EXPECT_EQ(*ParseTaskMemoryBytes("300 MiB"), 300 * kMiB);
}

TEST(EcsUnits, TaskMemoryRejectsGarbage) {
  for (const char* bad : {"", "x", "-1", "0", "2 TB", "1,5 GB", "99999999999999999999 GB"}) {
    EXPECT_FALSE(ParseTaskMemoryBytes(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace capstan::renderers::ecs
