#include "orchestrator/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace capstan::orchestrator {
namespace {

constexpr std::int64_t kGiB = 1024LL * 1024 * 1024;

NodeInfo MakeNode(int id, std::int64_t cpu, std::int64_t mem,
                  std::map<std::string, std::string> labels = {}) {
  NodeInfo n;
  n.id = id;
  n.name = "node-" + std::to_string(id);
  n.cpu_millis = cpu;
  n.memory_bytes = mem;
  n.labels = std::move(labels);
  return n;
}

PlacementRequest Task(std::string group, std::int64_t cpu, std::int64_t mem) {
  PlacementRequest r;
  r.group = std::move(group);
  r.cpu_millis = cpu;
  r.memory_bytes = mem;
  return r;
}

model::PlacementStrategy Strategy(model::PlacementStrategyType type, std::string field = "") {
  model::PlacementStrategy s;
  s.type = type;
  s.field = std::move(field);
  return s;
}

model::PlacementConstraint MemberOf(std::string expression) {
  model::PlacementConstraint c;
  c.type = model::PlacementConstraintType::kMemberOf;
  c.expression = std::move(expression);
  return c;
}

model::PlacementConstraint DistinctInstance() {
  model::PlacementConstraint c;
  c.type = model::PlacementConstraintType::kDistinctInstance;
  return c;
}

struct ResourceCase {
  const char* name;
  std::int64_t node_cpu, node_mem, used_cpu, used_mem, req_cpu, req_mem;
  bool fits;
  const char* reason;
};

TEST(Scheduler, FiltersOnFreeCpuAndMemory) {
  const ResourceCase cases[] = {
      {"exact fit", 1000, kGiB, 0, 0, 1000, kGiB, true, ""},
      {"fits after usage", 1000, kGiB, 500, kGiB / 2, 500, kGiB / 2, true, ""},
      {"cpu short", 1000, kGiB, 600, 0, 500, 1, false,
       "0/1 nodes are available: 1 Insufficient cpu."},
      {"memory short", 1000, kGiB, 0, kGiB, 1, 1, false,
       "0/1 nodes are available: 1 Insufficient memory."},
      {"both short", 1000, kGiB, 1000, kGiB, 1, 1, false,
       "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."},
      {"zero request fits a full node", 1000, kGiB, 1000, kGiB, 0, 0, true, ""},
      {"zero cpu fits when cpu is full", 1000, kGiB, 1000, 0, 0, 1, true, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Scheduler s;
    s.AddNode(MakeNode(7, c.node_cpu, c.node_mem));
    if (c.used_cpu > 0 || c.used_mem > 0) {
      ASSERT_TRUE(s.Reserve(7, Task("other", c.used_cpu, c.used_mem), {}));
    }
    Placement p = s.Place(Task("web", c.req_cpu, c.req_mem));
    EXPECT_EQ(p.placed, c.fits);
    EXPECT_EQ(p.reason, c.reason);
    if (c.fits) {
      EXPECT_EQ(p.node_id, 7);
      EXPECT_EQ(s.Usage(7)->cpu_millis, c.used_cpu + c.req_cpu);
      EXPECT_EQ(s.Usage(7)->memory_bytes, c.used_mem + c.req_mem);
    } else {
      EXPECT_EQ(p.node_id, -1);
      EXPECT_EQ(s.Usage(7)->cpu_millis, c.used_cpu);  // nothing reserved
    }
  }
}

TEST(Scheduler, FixedHostPortConflictsMoveTheTaskElsewhere) {
  Scheduler s;
  s.AddNode(MakeNode(1, 4000, 4 * kGiB));
  s.AddNode(MakeNode(2, 4000, 4 * kGiB));
  PlacementRequest r = Task("web", 100, 1);
  r.fixed_host_ports = {8080, 20005};  // one outside and one inside the dynamic range

  Placement a = s.Place(r);
  ASSERT_TRUE(a.placed);
  EXPECT_EQ(a.host_ports, (std::vector<int>{8080, 20005}));
  Placement b = s.Place(r);
  ASSERT_TRUE(b.placed);
  EXPECT_NE(a.node_id, b.node_id);
  Placement c = s.Place(r);
  EXPECT_FALSE(c.placed);
  EXPECT_EQ(c.reason,
            "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod "
            "ports.");

  // A fixed port inside the range is no longer handed out dynamically.
  PlacementRequest dyn = Task("api", 1, 1);
  dyn.dynamic_ports = 10;
  dyn.node_selector = {};
  for (int i = 0; i < 5; ++i) {
    Placement d = s.Place(dyn);
    ASSERT_TRUE(d.placed);
    for (int port : d.host_ports) EXPECT_NE(port, 20005);
  }

  s.Release(a.node_id, r, a.host_ports);
  Placement again = s.Place(r);
  ASSERT_TRUE(again.placed);
  EXPECT_EQ(again.node_id, a.node_id);
}

TEST(Scheduler, DynamicPortsComeFromTheNodeRangeAndReturnOnRelease) {
  Scheduler s;
  NodeInfo n = MakeNode(1, 1000, kGiB);
  n.port_min = 30000;
  n.port_max = 30004;  // five ports
  s.AddNode(n);
  PlacementRequest r = Task("web", 0, 0);
  r.dynamic_ports = 2;

  Placement a = s.Place(r);
  Placement b = s.Place(r);
  ASSERT_TRUE(a.placed);
  ASSERT_TRUE(b.placed);
  std::set<int> seen;
  for (const Placement* p : {&a, &b}) {
    ASSERT_EQ(p->host_ports.size(), 2u);
    for (int port : p->host_ports) {
      EXPECT_GE(port, 30000);
      EXPECT_LE(port, 30004);
      EXPECT_TRUE(seen.insert(port).second) << "port " << port << " handed out twice";
    }
  }
  Placement c = s.Place(r);  // one port left, two needed
  EXPECT_FALSE(c.placed);
  EXPECT_EQ(c.reason, "0/1 nodes are available: 1 node(s) didn't have enough free dynamic ports.");

  s.Release(1, r, a.host_ports);
  Placement d = s.Place(r);
  ASSERT_TRUE(d.placed);
  EXPECT_EQ(d.host_ports.size(), 2u);
  int in_use = static_cast<int>(
      std::count(s.Usage(1)->ports_in_use.begin(), s.Usage(1)->ports_in_use.end(), true));
  EXPECT_EQ(in_use, 4);
}

TEST(Scheduler, FixedPortsInRangeCountAgainstDynamicPorts) {
  Scheduler s;
  NodeInfo n = MakeNode(1, 1000, kGiB);
  n.port_min = 30000;
  n.port_max = 30001;
  s.AddNode(n);
  PlacementRequest r = Task("web", 0, 0);
  r.fixed_host_ports = {30000};
  r.dynamic_ports = 2;  // only 30001 would be left
  Placement p = s.Place(r);
  EXPECT_FALSE(p.placed);
  r.dynamic_ports = 1;
  p = s.Place(r);
  ASSERT_TRUE(p.placed);
  EXPECT_EQ(p.host_ports, (std::vector<int>{30000, 30001}));
}

struct SelectorCase {
  std::map<std::string, std::string> selector;
  std::set<int> allowed;
};

TEST(Scheduler, NodeSelectorNeedsEveryLabelEqual) {
  const SelectorCase cases[] = {
      {{}, {1, 2, 3}},
      {{{"disk", "ssd"}}, {1, 2}},
      {{{"disk", "ssd"}, {"zone", "a"}}, {1}},
      {{{"disk", "hdd"}}, {3}},
      {{{"gpu", "yes"}}, {}},
  };
  for (const auto& c : cases) {
    Scheduler s;
    s.AddNode(MakeNode(1, 1000, kGiB, {{"disk", "ssd"}, {"zone", "a"}}));
    s.AddNode(MakeNode(2, 1000, kGiB, {{"disk", "ssd"}, {"zone", "b"}}));
    s.AddNode(MakeNode(3, 1000, kGiB, {{"disk", "hdd"}, {"zone", "a"}}));
    PlacementRequest r = Task("web", 10, 10);
    r.node_selector = c.selector;
    std::set<int> used;
    for (int i = 0; i < 6; ++i) {
      Placement p = s.Place(r);
      if (c.allowed.empty()) {
        EXPECT_FALSE(p.placed);
        EXPECT_EQ(p.reason, "0/3 nodes are available: 3 node(s) didn't match node selector.");
        continue;
      }
      ASSERT_TRUE(p.placed);
      used.insert(p.node_id);
    }
    EXPECT_EQ(used, c.allowed);
  }
}

TEST(Scheduler, DistinctInstanceKeepsOneTaskOfTheGroupPerNode) {
  Scheduler s;
  for (int id = 1; id <= 3; ++id) s.AddNode(MakeNode(id, 4000, 4 * kGiB));
  PlacementRequest r = Task("app/web", 10, 10);
  r.constraints = {DistinctInstance()};
  r.strategies = {Strategy(model::PlacementStrategyType::kBinpack, "memory")};  // would stack
  std::set<int> nodes;
  for (int i = 0; i < 3; ++i) {
    Placement p = s.Place(r);
    ASSERT_TRUE(p.placed);
    EXPECT_TRUE(nodes.insert(p.node_id).second);
  }
  Placement p = s.Place(r);
  EXPECT_FALSE(p.placed);
  EXPECT_EQ(p.reason,
            "0/3 nodes are available: 3 node(s) already run a task of this group "
            "(distinctInstance).");
  // Another group is not affected.
  r.group = "app/api";
  EXPECT_TRUE(s.Place(r).placed);
}

struct MemberOfCase {
  const char* expression;
  std::set<int> allowed;
};

TEST(Scheduler, MemberOfRestrictsNodesByAttribute) {
  const MemberOfCase cases[] = {
      {"attribute:zone == a", {1, 2}},
      {"attribute:zone != a", {3, 4}},
      {"attribute:zone in [b, c]", {3, 4}},
      {"attribute:zone not in [a, b]", {4}},
      {"attribute:zone == a and attribute:type == big", {2}},
      {"attribute:zone == c or attribute:type == big", {2, 4}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expression);
    Scheduler s;
    s.AddNode(MakeNode(1, 1000, kGiB, {{"zone", "a"}, {"type", "small"}}));
    s.AddNode(MakeNode(2, 1000, kGiB, {{"zone", "a"}, {"type", "big"}}));
    s.AddNode(MakeNode(3, 1000, kGiB, {{"zone", "b"}, {"type", "small"}}));
    s.AddNode(MakeNode(4, 1000, kGiB, {{"zone", "c"}, {"type", "big"}}));
    PlacementRequest r = Task("web", 1, 1);
    r.constraints = {MemberOf(c.expression)};
    std::set<int> used;
    for (int i = 0; i < 8; ++i) {
      Placement p = s.Place(r);
      ASSERT_TRUE(p.placed) << p.reason;
      used.insert(p.node_id);
    }
    EXPECT_EQ(used, c.allowed);
  }
}

TEST(Scheduler, UnparsableMemberOfMakesTheTaskUnplaceable) {
  Scheduler s;
  s.AddNode(MakeNode(1, 1000, kGiB, {{"zone", "a"}}));
  PlacementRequest r = Task("web", 1, 1);
  r.constraints = {MemberOf("attribute:zone in [a, b")};
  Placement p = s.Place(r);
  EXPECT_FALSE(p.placed);
  EXPECT_NE(p.reason.find("invalid placement constraint"), std::string::npos) << p.reason;
  EXPECT_NE(p.reason.find("attribute:zone in [a, b"), std::string::npos) << p.reason;
  EXPECT_EQ(s.Usage(1)->tasks, 0);
  // The cached failure answers the same way the second time.
  EXPECT_EQ(s.Place(r).reason, p.reason);
}

TEST(Scheduler, MemberOfMismatchIsCountedInTheReason) {
  Scheduler s;
  s.AddNode(MakeNode(1, 1000, kGiB, {{"zone", "a"}}));
  s.AddNode(MakeNode(2, 1000, kGiB, {{"zone", "b"}}));
  PlacementRequest r = Task("web", 1, 1);
  r.constraints = {MemberOf("attribute:zone == c")};
  EXPECT_EQ(s.Place(r).reason,
            "0/2 nodes are available: 2 node(s) didn't match memberOf constraint.");
}

TEST(Scheduler, BinpackPicksTheFullestNodeThatStillFits) {
  Scheduler s;
  // Free memory after the pre-load: node 1: 1 GiB, node 2: 3 GiB, node 3: 2 GiB, node 4: 8 GiB.
  const std::int64_t used[] = {7, 5, 6, 0};
  for (int id = 1; id <= 4; ++id) {
    s.AddNode(MakeNode(id, 8000, 8 * kGiB));
    if (used[id - 1] > 0) {
      ASSERT_TRUE(s.Reserve(id, Task("base", 0, used[id - 1] * kGiB), {}));
    }
  }
  PlacementRequest r = Task("web", 100, 2 * kGiB);
  r.strategies = {Strategy(model::PlacementStrategyType::kBinpack, "memory")};
  Placement p = s.Place(r);
  ASSERT_TRUE(p.placed);
  EXPECT_EQ(p.node_id, 3);  // node 1 is fuller but cannot take 2 GiB; node 3 ends at 0 free
  p = s.Place(r);
  ASSERT_TRUE(p.placed);
  EXPECT_EQ(p.node_id, 2);  // 3 GiB free -> 1 GiB left
  p = s.Place(r);
  EXPECT_EQ(p.node_id, 4);

  // binpack cpu looks at cpu, not memory.
  Scheduler c;
  c.AddNode(MakeNode(1, 4000, 100 * kGiB));
  c.AddNode(MakeNode(2, 2000, 1 * kGiB));
  PlacementRequest rc = Task("web", 1000, 1);
  rc.strategies = {Strategy(model::PlacementStrategyType::kBinpack, "cpu")};
  EXPECT_EQ(c.Place(rc).node_id, 2);
}

TEST(Scheduler, SpreadOnAttributeBalancesAcrossLabelValues) {
  Scheduler s;
  // Zones of unequal size: a has 1 node, b 2, c 3. Spreading by zone still gives 3 per zone.
  int id = 0;
  for (const auto& [zone, count] :
       std::vector<std::pair<std::string, int>>{{"a", 1}, {"b", 2}, {"c", 3}}) {
    for (int i = 0; i < count; ++i) s.AddNode(MakeNode(++id, 8000, 8 * kGiB, {{"zone", zone}}));
  }
  PlacementRequest r = Task("app/web", 100, kGiB);
  r.strategies = {Strategy(model::PlacementStrategyType::kSpread, "attribute:zone")};
  std::map<std::string, int> per_zone;
  for (int i = 0; i < 9; ++i) {
    Placement p = s.Place(r);
    ASSERT_TRUE(p.placed);
    per_zone[s.Node(p.node_id)->labels.at("zone")]++;
  }
  EXPECT_EQ(per_zone, (std::map<std::string, int>{{"a", 3}, {"b", 3}, {"c", 3}}));
}

TEST(Scheduler, LaterStrategiesOnlyBreakTies) {
  Scheduler s;
  s.AddNode(MakeNode(1, 8000, 8 * kGiB, {{"zone", "a"}}));
  s.AddNode(MakeNode(2, 8000, 8 * kGiB, {{"zone", "a"}}));
  s.AddNode(MakeNode(3, 8000, 8 * kGiB, {{"zone", "b"}}));
  s.AddNode(MakeNode(4, 8000, 8 * kGiB, {{"zone", "b"}}));
  ASSERT_TRUE(s.Reserve(2, Task("other", 0, 4 * kGiB), {}));
  ASSERT_TRUE(s.Reserve(4, Task("other", 0, 6 * kGiB), {}));
  PlacementRequest r = Task("app/web", 100, kGiB);
  r.strategies = {Strategy(model::PlacementStrategyType::kSpread, "attribute:zone"),
                  Strategy(model::PlacementStrategyType::kBinpack, "memory")};
  std::vector<int> order;
  for (int i = 0; i < 4; ++i) order.push_back(s.Place(r).node_id);
  // While the zones tie, binpack picks the fullest node of all (4: 2 GiB free); then zone a has
  // fewer tasks, and inside it the fuller node wins (2, not 1); and so on, alternating.
  EXPECT_EQ(order, (std::vector<int>{4, 2, 4, 2}));
}

TEST(Scheduler, DefaultSpreadsTheGroupThenPrefersTheLeastLoaded) {
  Scheduler s;
  for (int id = 1; id <= 3; ++id) s.AddNode(MakeNode(id, 4000, 4 * kGiB));
  ASSERT_TRUE(s.Reserve(1, Task("other", 2000, 2 * kGiB), {}));
  ASSERT_TRUE(s.Reserve(2, Task("other", 1000, 1 * kGiB), {}));
  PlacementRequest r = Task("app/web", 100, 64 * 1024 * 1024);
  std::vector<int> order;
  for (int i = 0; i < 6; ++i) order.push_back(s.Place(r).node_id);
  // First round by load (3 empty, then 2, then 1); every node gets one before any gets two.
  EXPECT_EQ(order, (std::vector<int>{3, 2, 1, 3, 2, 1}));
  for (int id = 1; id <= 3; ++id) EXPECT_EQ(s.Usage(id)->tasks_per_group.at("app/web"), 2);
}

TEST(Scheduler, RandomStaysWithinFeasibleNodesAndIsSeeded) {
  auto run = [](std::uint64_t seed) {
    Scheduler s(seed);
    for (int id = 0; id < 20; ++id) {
      s.AddNode(MakeNode(id, 100000, 100 * kGiB, {{"pool", id % 2 == 0 ? "even" : "odd"}}));
    }
    PlacementRequest r = Task("web", 1, 1);
    r.node_selector = {{"pool", "even"}};
    r.strategies = {Strategy(model::PlacementStrategyType::kRandom)};
    std::vector<int> order;
    for (int i = 0; i < 200; ++i) {
      Placement p = s.Place(r);
      EXPECT_TRUE(p.placed);
      order.push_back(p.node_id);
    }
    return order;
  };
  std::vector<int> a = run(42);
  std::map<int, int> hits;
  for (int id : a) {
    EXPECT_EQ(id % 2, 0) << "placed on a node the selector excludes";
    hits[id]++;
  }
  EXPECT_EQ(hits.size(), 10u) << "200 random draws over 10 nodes should hit them all";
  EXPECT_EQ(run(42), a);  // same seed, same decisions
  EXPECT_NE(run(7), a);
}

TEST(Scheduler, PendingReasonAggregatesCausesLikeKubeScheduler) {
  Scheduler s;
  s.AddNode(MakeNode(1, 4000, 1 * kGiB, {{"disk", "ssd"}}));
  s.AddNode(MakeNode(2, 4000, 1 * kGiB, {{"disk", "ssd"}}));
  s.AddNode(MakeNode(3, 4000, 8 * kGiB, {{"disk", "hdd"}}));
  PlacementRequest r = Task("web", 100, 2 * kGiB);
  r.node_selector = {{"disk", "ssd"}};
  Placement p = s.Place(r);
  EXPECT_FALSE(p.placed);
  EXPECT_EQ(p.reason,
            "0/3 nodes are available: 2 Insufficient memory, 1 node(s) didn't match node "
            "selector.");

  Scheduler empty;
  EXPECT_EQ(empty.Place(r).reason, "0/0 nodes are available: no nodes registered.");
}

TEST(Scheduler, InvalidRequestsSayWhy) {
  Scheduler s;
  s.AddNode(MakeNode(1, 4000, 4 * kGiB));
  PlacementRequest dup = Task("web", 1, 1);
  dup.fixed_host_ports = {80, 80};
  EXPECT_EQ(s.Place(dup).reason, "invalid placement request: host port 80 is requested twice");
  PlacementRequest neg = Task("web", -1, 1);
  EXPECT_FALSE(s.Place(neg).placed);
  PlacementRequest bad = Task("web", 1, 1);
  bad.strategies = {Strategy(model::PlacementStrategyType::kBinpack, "disk")};
  EXPECT_EQ(s.Place(bad).reason,
            "invalid placement request: binpack field 'disk' is not cpu or memory");
  EXPECT_EQ(s.Usage(1)->tasks, 0);
}

// After a restart the re-adopted tasks' ports move the dynamic-port cursor past them: a new task
// does not get a port that a task stopped just before the restart may still hold.
TEST(Scheduler, ReserveMovesTheDynamicPortCursorPastAdoptedPorts) {
  Scheduler s;
  NodeInfo node = MakeNode(1, 8000, 8 * kGiB);
  node.port_min = 20000;
  node.port_max = 20009;
  s.AddNode(node);
  PlacementRequest r = Task("app/web", 1, 1);
  r.dynamic_ports = 1;
  ASSERT_TRUE(s.Reserve(1, r, {20004}));
  Placement p = s.Place(r);
  ASSERT_TRUE(p.placed);
  EXPECT_EQ(p.host_ports, std::vector<int>{20005});
  // The range wraps: the lower ports are used once the upper ones run out.
  ASSERT_TRUE(s.Reserve(1, r, {20009}));
  p = s.Place(r);
  ASSERT_TRUE(p.placed);
  EXPECT_EQ(p.host_ports, std::vector<int>{20000});
}

TEST(Scheduler, ReleaseAndReserveKeepTheBooks) {
  Scheduler s;
  s.AddNode(MakeNode(1, 2000, 2 * kGiB));
  PlacementRequest r = Task("app/web", 1500, kGiB);
  r.fixed_host_ports = {8080};
  r.dynamic_ports = 1;
  Placement p = s.Place(r);
  ASSERT_TRUE(p.placed);
  const NodeUsage* u = s.Usage(1);
  EXPECT_EQ(u->cpu_millis, 1500);
  EXPECT_EQ(u->memory_bytes, kGiB);
  EXPECT_EQ(u->tasks, 1);
  EXPECT_EQ(u->tasks_per_group.at("app/web"), 1);
  EXPECT_FALSE(s.Place(r).placed);  // cpu and port 8080 taken

  s.Release(1, r, p.host_ports);
  u = s.Usage(1);
  EXPECT_EQ(u->cpu_millis, 0);
  EXPECT_EQ(u->memory_bytes, 0);
  EXPECT_EQ(u->tasks, 0);
  EXPECT_TRUE(u->tasks_per_group.empty());
  EXPECT_EQ(std::count(u->ports_in_use.begin(), u->ports_in_use.end(), true), 0);

  // Re-adopting the task after a restart records it on its node and ports, so a new
  // placement cannot take them.
  EXPECT_TRUE(s.Reserve(1, r, p.host_ports));
  EXPECT_EQ(s.Usage(1)->cpu_millis, 1500);
  EXPECT_FALSE(s.Place(r).placed);
  EXPECT_FALSE(s.Reserve(1, r, {8080})) << "port already taken";
  EXPECT_FALSE(s.Reserve(99, r, {})) << "unknown node";
  // An adopted task is recorded even when it over-commits the node: it runs regardless.
  EXPECT_TRUE(s.Reserve(1, Task("app/big", 5000, 0), {}));
  EXPECT_EQ(s.Usage(1)->cpu_millis, 6500);
  EXPECT_EQ(s.Usage(1)->tasks, 2);

  // Releasing more than was reserved never goes below zero.
  s.Release(1, Task("x", 100000, 100 * kGiB), {});
  EXPECT_EQ(s.Usage(1)->cpu_millis, 0);
  EXPECT_EQ(s.Usage(1)->memory_bytes, 0);
}

TEST(Scheduler, RemoveNodeForgetsItAndItsGroupCounts) {
  Scheduler s;
  s.AddNode(MakeNode(1, 1000, kGiB));
  s.AddNode(MakeNode(2, 1000, kGiB));
  s.AddNode(MakeNode(3, 1000, kGiB));
  PlacementRequest r = Task("app/web", 10, 10);
  r.constraints = {DistinctInstance()};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.Place(r).placed);
  s.RemoveNode(2);
  EXPECT_EQ(s.NodeCount(), 2u);
  EXPECT_EQ(s.Node(2), nullptr);
  EXPECT_EQ(s.Usage(2), nullptr);
  ASSERT_NE(s.Node(3), nullptr);  // the moved slot still answers by id
  EXPECT_EQ(s.Node(3)->id, 3);
  EXPECT_EQ(s.Usage(3)->tasks, 1);
  s.AddNode(MakeNode(2, 1000, kGiB));  // comes back empty
  Placement p = s.Place(r);
  ASSERT_TRUE(p.placed);
  EXPECT_EQ(p.node_id, 2);
}

TEST(Scheduler, AddNodeAgainUpdatesCapacityAndKeepsUsage) {
  Scheduler s;
  s.AddNode(MakeNode(1, 1000, kGiB, {{"zone", "a"}}));
  PlacementRequest r = Task("web", 800, 1);
  r.fixed_host_ports = {20001};
  ASSERT_TRUE(s.Place(r).placed);
  NodeInfo bigger = MakeNode(1, 2000, kGiB, {{"zone", "b"}});
  bigger.port_min = 30000;
  bigger.port_max = 30010;
  s.AddNode(bigger);
  EXPECT_EQ(s.NodeCount(), 1u);
  EXPECT_EQ(s.Node(1)->labels.at("zone"), "b");
  EXPECT_EQ(s.Usage(1)->cpu_millis, 800);
  PlacementRequest again = Task("web", 800, 1);
  again.fixed_host_ports = {20001};  // now outside the range but still reserved
  EXPECT_EQ(s.Place(again).reason,
            "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod "
            "ports.");
  again.fixed_host_ports = {};
  EXPECT_TRUE(s.Place(again).placed);  // 1600 of 2000 millis
}

TEST(Scheduler, SearchesSmallClustersExhaustivelyAndSamplesLargeOnes) {
  EXPECT_EQ(Scheduler::NumFeasibleNodesToFind(0), 0u);
  EXPECT_EQ(Scheduler::NumFeasibleNodesToFind(3), 3u);
  EXPECT_EQ(Scheduler::NumFeasibleNodesToFind(100), 100u);
  EXPECT_EQ(Scheduler::NumFeasibleNodesToFind(101), 100u);
  EXPECT_EQ(Scheduler::NumFeasibleNodesToFind(4096), 100u);    // 8 * 12 = 96, floor of 100
  EXPECT_EQ(Scheduler::NumFeasibleNodesToFind(4097), 104u);    // 8 * 13
  EXPECT_EQ(Scheduler::NumFeasibleNodesToFind(10000), 112u);   // 8 * 14
  EXPECT_EQ(Scheduler::NumFeasibleNodesToFind(100000), 136u);  // 8 * 17
}

TEST(Scheduler, SamplingOnALargeClusterPlacesOnlyOnFeasibleNodesAndPacksWell) {
  constexpr int kNodes = 1200;  // > kExactSearchNodes, so Place() samples
  Scheduler s(3);
  for (int id = 0; id < kNodes; ++id) {
    s.AddNode(MakeNode(id, 4000, 16 * kGiB, {{"pool", id % 3 == 0 ? "batch" : "web"}}));
  }
  // Memory binds: 4 GiB of 16 per task; cpu is ample.
  PlacementRequest r = Task("app/web", 500, 4 * kGiB);
  r.node_selector = {{"pool", "web"}};
  r.strategies = {Strategy(model::PlacementStrategyType::kBinpack, "memory")};
  constexpr int kTasks = 1600;  // 400 full nodes' worth of 800 feasible
  std::set<int> used;
  for (int i = 0; i < kTasks; ++i) {
    Placement p = s.Place(r);
    ASSERT_TRUE(p.placed) << p.reason;
    ASSERT_NE(p.node_id % 3, 0) << "placed on a node outside the selector";
    used.insert(p.node_id);
  }
  const std::size_t ideal = kTasks / 4;
  EXPECT_LE(used.size(), ideal * 11 / 10) << "binpack on a sampled cluster should pack closely";
  for (int id : used) EXPECT_LE(s.Usage(id)->memory_bytes, 16 * kGiB);

  // Fill the rest: once every feasible node is full, the reason covers the whole cluster.
  for (int i = 0; i < 800 * 4 - kTasks; ++i) ASSERT_TRUE(s.Place(r).placed);
  Placement p = s.Place(r);
  EXPECT_FALSE(p.placed);
  EXPECT_EQ(p.reason,
            "0/1200 nodes are available: 800 Insufficient memory, 400 node(s) didn't match node "
            "selector.");
}

TEST(Scheduler, SamplingDefaultSpreadStaysNearlyEven) {
  constexpr int kNodes = 2000;
  Scheduler s;
  for (int id = 0; id < kNodes; ++id) s.AddNode(MakeNode(id, 4000, 16 * kGiB));
  PlacementRequest r = Task("app/web", 100, kGiB);
  for (int i = 0; i < kNodes; ++i) ASSERT_TRUE(s.Place(r).placed);
  // Each search sees only a sample (100 of 2000 nodes), so the spread is not perfect as it is on
  // a small cluster, but the rotating start keeps it close: no node gets a third task, and the
  // large majority get exactly one.
  std::map<int, int> nodes_by_tasks;
  for (int id = 0; id < kNodes; ++id) nodes_by_tasks[s.Usage(id)->tasks]++;
  EXPECT_LE(nodes_by_tasks.rbegin()->first, 2);
  EXPECT_GE(nodes_by_tasks[1], kNodes * 8 / 10);
}

}  // namespace
}  // namespace capstan::orchestrator
