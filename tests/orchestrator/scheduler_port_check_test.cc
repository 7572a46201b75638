// Scheduler::Place with a PortCheck: host ports another program holds are never handed out.
#include <gtest/gtest.h>

#include <set>
#include <utility>
#include <vector>

#include "orchestrator/scheduler.h"

namespace capstan::orchestrator {
namespace {

NodeInfo RangeNode(int id, int port_min, int port_max) {
  NodeInfo n;
  n.id = id;
  n.cpu_millis = 4000;
  n.memory_bytes = 4LL << 30;
  n.port_min = port_min;
  n.port_max = port_max;
  return n;
}

// A check that says `held` (node, port) pairs are held outside the books, and records each call.
struct HeldPorts {
  std::set<std::pair<int, int>> held;
  std::vector<std::pair<int, PortProtocol>> asked;  // port, protocol
  PortCheck Check() {
    return [this](int node, int port, PortProtocol p) {
      asked.emplace_back(port, p);
      return held.count({node, port}) == 0;
    };
  }
};

PlacementRequest Dynamic(int ports) {
  PlacementRequest r;
  r.group = "app/web";
  r.cpu_millis = 100;
  r.dynamic_ports = ports;
  return r;
}

int PortsInUse(const Scheduler& s, int node) {
  const auto& in_use = s.Usage(node)->ports_in_use;
  return static_cast<int>(std::count(in_use.begin(), in_use.end(), true));
}

TEST(SchedulerPortCheck, DynamicPortsSkipPortsHeldOutsideTheBooks) {
  Scheduler s;
  s.AddNode(RangeNode(0, 20000, 20009));
  HeldPorts outside;
  outside.held = {{0, 20000}, {0, 20001}, {0, 20003}};

  Placement a = s.Place(Dynamic(2), outside.Check());
  ASSERT_TRUE(a.placed) << a.reason;
  EXPECT_EQ(a.host_ports, (std::vector<int>{20002, 20004}));
  // Held ports are not booked: they are asked again next time.
  EXPECT_EQ(PortsInUse(s, 0), 2);

  outside.held.clear();
  Placement b = s.Place(Dynamic(1), outside.Check());
  ASSERT_TRUE(b.placed);
  EXPECT_EQ(b.host_ports, (std::vector<int>{20005}));  // next-fit goes on past the last one
}

TEST(SchedulerPortCheck, AsksWithEachPortsProtocol) {
  Scheduler s;
  s.AddNode(RangeNode(0, 20000, 20009));
  HeldPorts outside;
  PlacementRequest r = Dynamic(2);
  r.fixed_host_ports = {8053};
  r.port_protocols = {PortProtocol::kUdp, PortProtocol::kTcp, PortProtocol::kUdp};
  Placement p = s.Place(r, outside.Check());
  ASSERT_TRUE(p.placed);
  EXPECT_EQ(p.host_ports, (std::vector<int>{8053, 20000, 20001}));
  const std::vector<std::pair<int, PortProtocol>> want = {
      {8053, PortProtocol::kUdp}, {20000, PortProtocol::kTcp}, {20001, PortProtocol::kUdp}};
  EXPECT_EQ(outside.asked, want);
}

TEST(SchedulerPortCheck, FixedHostPortHeldOutsideIsUnschedulableUntilFreed) {
  Scheduler s;
  s.AddNode(RangeNode(0, 20000, 20009));
  HeldPorts outside;
  outside.held = {{0, 8080}};
  PlacementRequest r = Dynamic(0);
  r.fixed_host_ports = {8080};

  Placement p = s.Place(r, outside.Check());
  EXPECT_FALSE(p.placed);
  // kube-scheduler's NodePorts filter message.
  EXPECT_EQ(p.reason,
            "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod "
            "ports.");
  EXPECT_EQ(s.Usage(0)->cpu_millis, 0);

  outside.held.clear();
  p = s.Place(r, outside.Check());
  ASSERT_TRUE(p.placed);
  EXPECT_EQ(p.host_ports, (std::vector<int>{8080}));
}

TEST(SchedulerPortCheck, FixedHostPortHeldOnOneNodeGoesToAnother) {
  Scheduler s;
  s.AddNode(RangeNode(0, 20000, 20009));
  s.AddNode(RangeNode(1, 20000, 20009));
  HeldPorts outside;
  outside.held = {{0, 8080}};
  PlacementRequest r = Dynamic(0);
  r.fixed_host_ports = {8080};
  Placement p = s.Place(r, outside.Check());
  ASSERT_TRUE(p.placed);
  EXPECT_EQ(p.node_id, 1);
}

TEST(SchedulerPortCheck, RangeHeldOutsideSetsTheNodeAsideAndSearchesAgain) {
  Scheduler s;
  s.AddNode(RangeNode(0, 20000, 20001));  // preferred: lowest id among equals
  s.AddNode(RangeNode(1, 20000, 20001));
  HeldPorts outside;
  outside.held = {{0, 20000}, {0, 20001}};

  Placement p = s.Place(Dynamic(1), outside.Check());
  ASSERT_TRUE(p.placed) << p.reason;
  EXPECT_EQ(p.node_id, 1);
  EXPECT_EQ(s.Usage(0)->tasks, 0);
  EXPECT_EQ(s.Usage(0)->cpu_millis, 0);
}

TEST(SchedulerPortCheck, RangeHeldOutsideOnTheOnlyNodeSaysSoAndBooksNothing) {
  Scheduler s;
  s.AddNode(RangeNode(0, 20000, 20002));
  HeldPorts outside;
  outside.held = {{0, 20000}, {0, 20002}};

  Placement p = s.Place(Dynamic(2), outside.Check());
  EXPECT_FALSE(p.placed);
  EXPECT_EQ(p.reason, "0/1 nodes are available: 1 node(s) didn't have enough free dynamic ports.");
  EXPECT_EQ(s.Usage(0)->tasks, 0);
  EXPECT_EQ(s.Usage(0)->cpu_millis, 0);
  EXPECT_EQ(PortsInUse(s, 0), 0);

  // One port is enough: it gets the one free port.
  p = s.Place(Dynamic(1), outside.Check());
  ASSERT_TRUE(p.placed);
  EXPECT_EQ(p.host_ports, (std::vector<int>{20001}));
}

TEST(SchedulerPortCheck, NoCheckKeepsTheBooksOnly) {
  Scheduler s;
  s.AddNode(RangeNode(0, 20000, 20009));
  Placement p = s.Place(Dynamic(2));
  ASSERT_TRUE(p.placed);
  EXPECT_EQ(p.host_ports, (std::vector<int>{20000, 20001}));
}

}  // namespace
}  // namespace capstan::orchestrator
