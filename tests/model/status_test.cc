#include "model/status.h"

#include <gtest/gtest.h>

namespace capstan::model {
namespace {

TEST(Status, OkHasNoMessage) {
  Status s = Status::Ok();
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, ErrorCarriesCodeAndContext) {
  Status s = Status::Error(ErrorCode::kNotFound, "branch 'main' does not exist")
                 .WithContext("fetch origin");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NotFound: fetch origin: branch 'main' does not exist");
}

TEST(Result, HoldsValueOrStatus) {
  Result<int> good = 42;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  Result<int> bad = Status::Error(ErrorCode::kParseError, "nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kParseError);
}

}  // namespace
}  // namespace capstan::model
