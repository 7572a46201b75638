#include "model/int_or_percent.h"

#include <gtest/gtest.h>

namespace capstan::model {
namespace {

struct Case {
  IntOrPercent value;
  int total;
  Rounding rounding;
  int want;
};

TEST(IntOrPercent, ResolvesLikeKubernetes) {
  const Case cases[] = {
      {IntOrPercent::Count(2), 10, Rounding::kUp, 2},
      {IntOrPercent::Percent(25), 10, Rounding::kUp, 3},    // maxSurge rounds up
      {IntOrPercent::Percent(25), 10, Rounding::kDown, 2},  // maxUnavailable rounds down
      {IntOrPercent::Percent(25), 1, Rounding::kUp, 1},
      {IntOrPercent::Percent(25), 1, Rounding::kDown, 0},
      {IntOrPercent::Percent(100), 7, Rounding::kDown, 7},
      {IntOrPercent::Percent(0), 7, Rounding::kUp, 0},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.value.Resolve(c.total, c.rounding), c.want)
        << c.value.ToString() << " of " << c.total;
  }
}

}  // namespace
}  // namespace capstan::model
