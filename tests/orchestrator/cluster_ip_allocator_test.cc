#include "orchestrator/cluster_ip_allocator.h"

#include <gtest/gtest.h>

#include <set>

namespace capstan::orchestrator {
namespace {

Ipv4Range Range(const std::string& cidr) {
  auto r = ParseIpv4Range(cidr);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return *r;
}

TEST(Ipv4Range, ParsesAndRejectsBadRanges) {
  EXPECT_EQ(Range("127.96.0.0/16").size(), 65536u);
  EXPECT_FALSE(ParseIpv4Range("127.96.0.1/16").ok());  // host bits set
  EXPECT_FALSE(ParseIpv4Range("127.96.0.0").ok());
  EXPECT_FALSE(ParseIpv4Range("127.96.0.0/31").ok());
  EXPECT_FALSE(ParseIpv4Range("127.960.0.0/16").ok());
  EXPECT_FALSE(ParseIpv4Range("127.96.0.0/1x").ok());
}

TEST(ClusterIpAllocator, GivesEveryServiceItsOwnAddressInTheRange) {
  ClusterIpAllocator ips(Range("127.96.0.0/16"));
  std::set<std::string> seen;
  for (int i = 0; i < 300; ++i) {
    auto a = ips.Allocate("shop/svc" + std::to_string(i));
    ASSERT_TRUE(a.ok());
    EXPECT_TRUE(seen.insert(a->address).second) << a->address;
    EXPECT_EQ(a->address.rfind("127.96.", 0), 0u) << a->address;
  }
}

TEST(ClusterIpAllocator, AKeyKeepsItsAddressAndAFreshAllocatorPicksTheSameOne) {
  ClusterIpAllocator first(Range("127.96.0.0/16"));
  ClusterIpAllocator second(Range("127.96.0.0/16"));
  auto a = first.Allocate("bookinfo/details");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(first.Allocate("bookinfo/details")->address, a->address);
  // Another run, other Services first: the hash picks the same first choice.
  ASSERT_TRUE(second.Allocate("bookinfo/reviews").ok());
  EXPECT_EQ(second.Allocate("bookinfo/details")->address, a->address);
}

TEST(ClusterIpAllocator, HonoursARequestedAddressInRangeAndExplainsOtherwise) {
  ClusterIpAllocator ips(Range("127.96.0.0/16"));
  auto fixed = ips.Allocate("a/dns", "127.96.0.10");
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->address, "127.96.0.10");
  EXPECT_TRUE(fixed->note.empty());

  auto taken = ips.Allocate("b/dns", "127.96.0.10");
  ASSERT_TRUE(taken.ok());
  EXPECT_NE(taken->address, "127.96.0.10");
  EXPECT_NE(taken->note.find("already allocated to a/dns"), std::string::npos) << taken->note;

  auto outside = ips.Allocate("c/dns", "10.96.0.10");
  ASSERT_TRUE(outside.ok());
  EXPECT_EQ(outside->address.rfind("127.96.", 0), 0u);
  EXPECT_NE(outside->note.find("not in the service range"), std::string::npos) << outside->note;
}

TEST(ClusterIpAllocator, NeverHandsOutTheNetworkOrBroadcastAddressAndReportsAFullRange) {
  ClusterIpAllocator ips(Range("127.96.0.0/30"));  // .1 and .2 usable
  auto a = ips.Allocate("x/a");
  auto b = ips.Allocate("x/b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((std::set<std::string>{a->address, b->address}),
            (std::set<std::string>{"127.96.0.1", "127.96.0.2"}));
  auto c = ips.Allocate("x/c");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("no free address"), std::string::npos);
  EXPECT_FALSE(ips.Allocate("x/d", "127.96.0.3").ok());  // broadcast: refused, then full
  ips.Release("x/a");
  EXPECT_TRUE(ips.Allocate("x/c").ok());
}

TEST(ClusterIpAllocator, RestoreBringsBackRecordedAddressesBeforeAnyAllocation) {
  ClusterIpAllocator ips(Range("127.96.0.0/16"));
  EXPECT_TRUE(ips.Restore("shop/cart", "127.96.7.7"));
  EXPECT_FALSE(ips.Restore("shop/other", "127.96.7.7"));  // taken
  EXPECT_FALSE(ips.Restore("shop/far", "10.0.0.1"));      // out of range
  EXPECT_EQ(ips.Allocate("shop/cart")->address, "127.96.7.7");
  EXPECT_EQ(ips.Find("shop/cart"), "127.96.7.7");
}

}  // namespace
}  // namespace capstan::orchestrator
