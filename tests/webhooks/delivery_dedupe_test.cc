#include "sources/webhooks/delivery_dedupe.h"

#include <gtest/gtest.h>

#include <string>

namespace capstan::webhooks {
namespace {

TEST(DeliveryDedupe, RemembersUpToCapacityLeastRecentlyUsedFirstOut) {
  DeliveryDedupe dedupe(3);
  dedupe.Remember("a");
  dedupe.Remember("b");
  dedupe.Remember("c");
  EXPECT_TRUE(dedupe.Contains("a"));  // a is now the most recently used
  dedupe.Remember("d");               // evicts b
  EXPECT_EQ(dedupe.size(), 3u);
  EXPECT_FALSE(dedupe.Contains("b"));
  EXPECT_TRUE(dedupe.Contains("a"));
  EXPECT_TRUE(dedupe.Contains("c"));
  EXPECT_TRUE(dedupe.Contains("d"));
}

TEST(DeliveryDedupe, StaysBoundedUnderManyIds) {
  DeliveryDedupe dedupe(1024);
  for (int i = 0; i < 10000; ++i) dedupe.Remember("id-" + std::to_string(i));
  EXPECT_EQ(dedupe.size(), 1024u);
  EXPECT_TRUE(dedupe.Contains("id-9999"));
  EXPECT_TRUE(dedupe.Contains("id-8976"));
  EXPECT_FALSE(dedupe.Contains("id-8975"));
}

TEST(DeliveryDedupe, RememberingTwiceKeepsOneEntry) {
  DeliveryDedupe dedupe(2);
  dedupe.Remember("a");
  dedupe.Remember("a");
  EXPECT_EQ(dedupe.size(), 1u);
}

TEST(DeliveryDedupe, ZeroCapacityRemembersNothing) {
  DeliveryDedupe dedupe(0);
  dedupe.Remember("a");
  EXPECT_FALSE(dedupe.Contains("a"));
}

}  // namespace
}  // namespace capstan::webhooks
