#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/task_template.h"
#include "orchestrator/node.h"

namespace capstan::orchestrator {

// What one task needs from a node.
struct PlacementRequest {
  // The workload the task belongs to ("app/workload"): replicas of one group are spread across
  // nodes by default, and ECS distinctInstance keeps them on distinct nodes.
  std::string group;
  std::int64_t cpu_millis = 0;
  std::int64_t memory_bytes = 0;
  std::vector<int> fixed_host_ports;  // hostPort values the manifest asks for explicitly
  int dynamic_ports = 0;              // how many ports to assign from the node's range
  std::map<std::string, std::string> node_selector;               // Kubernetes nodeSelector
  std::vector<model::PlacementConstraint> constraints;            // ECS
  std::vector<model::PlacementStrategy> strategies;               // ECS; empty = spread the group
};

struct Placement {
  bool placed = false;
  int node_id = -1;
  std::vector<int> host_ports;  // fixed ports first, then the dynamic ones
  // When not placed, why, in kube-scheduler's style:
  // "0/3 nodes are available: 2 Insufficient memory, 1 node(s) didn't match node selector".
  std::string reason;
};

// What is in use on a node.
struct NodeUsage {
  std::int64_t cpu_millis = 0;
  std::int64_t memory_bytes = 0;
  int tasks = 0;
  std::unordered_map<std::string, int> tasks_per_group;
  std::vector<bool> ports_in_use;  // index = port - port_min
};

// Filter then score, as kube-scheduler and Nomad do: filters drop nodes that cannot take the task
// (resources, ports, nodeSelector, ECS constraints); scores rank the rest (ECS binpack / spread /
// random; default: spread the group). On large clusters only a sample of feasible nodes is scored.
// Pure bookkeeping, no I/O; randomness comes from the seed, so decisions are reproducible.
// Thread-compatible.
class Scheduler {
 public:
  explicit Scheduler(std::uint64_t seed = 1);
  ~Scheduler();
  Scheduler(Scheduler&&) noexcept;
  Scheduler& operator=(Scheduler&&) noexcept;

  void AddNode(const NodeInfo& node);
  void RemoveNode(int node_id);
  const NodeInfo* Node(int node_id) const;
  const NodeUsage* Usage(int node_id) const;
  std::size_t NodeCount() const;

  // Chooses a node and reserves the resources and ports on it; or says why none fits.
  Placement Place(const PlacementRequest& request);
  // Records a task that already runs (re-adopted after a restart) on a known node and ports.
  bool Reserve(int node_id, const PlacementRequest& request, const std::vector<int>& host_ports);
  // Gives back what Place() or Reserve() took.
  void Release(int node_id, const PlacementRequest& request, const std::vector<int>& host_ports);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace capstan::orchestrator
