#include "renderers/kubernetes/quantity.h"

#include <gtest/gtest.h>

#include <string>

namespace capstan::renderers::kubernetes {
namespace {

struct QuantityCase {
  std::string text;
  std::int64_t value;
  bool exact;
};

class CpuQuantity : public ::testing::TestWithParam<QuantityCase> {};

TEST_P(CpuQuantity, ParsesToMillicores) {
  auto result = ParseCpuMillis(GetParam().text);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->value, GetParam().value);
  EXPECT_EQ(result->exact, GetParam().exact);
}

INSTANTIATE_TEST_SUITE_P(
    Kubernetes, CpuQuantity,
    ::testing::Values(QuantityCase{"500m", 500, true}, QuantityCase{"0.5", 500, true},
                      QuantityCase{"2", 2000, true}, QuantityCase{"2000m", 2000, true},
                      QuantityCase{".25", 250, true}, QuantityCase{"1.5", 1500, true},
                      QuantityCase{"0.0001", 1, false},  // rounds up
                      QuantityCase{"100u", 1, false}, QuantityCase{"1k", 1000000, true},
                      QuantityCase{"1e-3", 1, true}, QuantityCase{"+1", 1000, true},
                      QuantityCase{"0", 0, true}));

class MemoryQuantity : public ::testing::TestWithParam<QuantityCase> {};

TEST_P(MemoryQuantity, ParsesToBytes) {
  auto result = ParseMemoryBytes(GetParam().text);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->value, GetParam().value);
  EXPECT_EQ(result->exact, GetParam().exact);
}

INSTANTIATE_TEST_SUITE_P(
    Kubernetes, MemoryQuantity,
    ::testing::Values(QuantityCase{"128Mi", 128LL << 20, true},
                      QuantityCase{"1Gi", 1LL << 30, true}, QuantityCase{"100M", 100000000, true},
                      QuantityCase{"1e3", 1000, true}, QuantityCase{"1E3", 1000, true},
                      QuantityCase{"12345", 12345, true}, QuantityCase{"1Ki", 1024, true},
                      QuantityCase{"1.5Gi", 3LL << 29, true}, QuantityCase{"2Ti", 2LL << 40, true},
                      QuantityCase{"1E", 1000000000000000000LL, true},
                      QuantityCase{"100m", 1, false},  // 0.1 byte: rounded up
                      QuantityCase{"0.5", 1, false}, QuantityCase{"64k", 64000, true}));

class BadQuantity : public ::testing::TestWithParam<std::string> {};

TEST_P(BadQuantity, IsRejectedWithTheText) {
  auto result = ParseMemoryBytes(GetParam());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), model::ErrorCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(GetParam()), std::string::npos)
      << result.status().message();
}

INSTANTIATE_TEST_SUITE_P(Kubernetes, BadQuantity,
                         ::testing::Values("", "Mi", "12MB", "1.2.3", "-1", "abc", "1e", "1e+",
                                           "1 Gi", "99999999999Ei", "1e999"));

}  // namespace
}  // namespace capstan::renderers::kubernetes
