// capstan-bench scheduler: placement throughput and quality of orchestrator::Scheduler.
//
// 1,000,000 task placements on 10,000 simulated nodes (--quick: 10,000 on 100), one thread.
// Two runs over the same tasks: ECS binpack on memory (the binding resource), to see how close
// sampling gets to the ideal packing; and the Kubernetes default (spread the group), to see how
// even it stays. Task sizes come from a few shapes, as real manifests do.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include "bench/bench_report.h"
#include "orchestrator/scheduler.h"

namespace capstan::bench {
namespace {

using orchestrator::NodeInfo;
using orchestrator::PlacementRequest;
using orchestrator::Scheduler;

constexpr std::int64_t kMiB = 1024 * 1024;
constexpr std::int64_t kGiB = 1024 * kMiB;
constexpr std::int64_t kNodeCpu = 64000;  // 64 cores
constexpr std::int64_t kNodeMemory = 64 * kGiB;
constexpr int kTasksPerGroup = 100;  // replicas of one workload

struct Shape {
  std::int64_t cpu_millis;
  std::int64_t memory_bytes;
};
// Mean 262 millis / 512 MiB: memory binds (78% of the cluster), cpu stays near 41%.
constexpr Shape kShapes[] = {{100, 256 * kMiB}, {250, 512 * kMiB}, {500, kGiB}, {200, 256 * kMiB}};

// CPU time of this thread: on a shared machine wall time also counts the other processes.
double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct RunResult {
  double wall_ms = 0;
  double cpu_ms = 0;
  int placed = 0;
  int failed = 0;
  int nodes_used = 0;
  int max_tasks_per_node = 0;
  int min_tasks_per_node = 0;
  int max_group_tasks_per_node = 0;
  std::int64_t max_memory = 0;
  std::int64_t min_memory = 0;
  std::int64_t total_memory = 0;
};

std::vector<PlacementRequest> MakeTasks(int count,
                                        const std::vector<model::PlacementStrategy>& strategies) {
  std::vector<PlacementRequest> tasks;
  tasks.reserve(static_cast<std::size_t>(count));
  // Interleave workloads the way rollouts of many applications do, deterministically: a prime
  // stride visits every task index once.
  const std::size_t stride = 7919;
  for (std::size_t k = 0, i = 0; k < static_cast<std::size_t>(count);
       ++k, i = (i + stride) % static_cast<std::size_t>(count)) {
    const int group = static_cast<int>(i) / kTasksPerGroup;
    // A workload's replicas share a shape; shapes cycle over workloads.
    const Shape& shape = kShapes[static_cast<std::size_t>(group) % std::size(kShapes)];
    PlacementRequest& r = tasks.emplace_back();
    r.group = fmt::format("app-{}/workload-{}", group / 10, group);
    r.cpu_millis = shape.cpu_millis;
    r.memory_bytes = shape.memory_bytes;
    r.strategies = strategies;
  }
  return tasks;
}

RunResult Run(int nodes, const std::vector<PlacementRequest>& tasks) {
  Scheduler s(/*seed=*/1);
  for (int id = 0; id < nodes; ++id) {
    NodeInfo n;
    n.id = id;
    n.name = fmt::format("node-{}", id);
    n.cpu_millis = kNodeCpu;
    n.memory_bytes = kNodeMemory;
    n.labels = {{"zone", fmt::format("zone-{}", id % 3)}};
    s.AddNode(n);
  }
  RunResult r;
  auto start = std::chrono::steady_clock::now();
  const double cpu_start = ThreadCpuMs();
  for (const auto& t : tasks) {
    auto p = s.Place(t);
    if (p.placed) {
      ++r.placed;
    } else {
      ++r.failed;
    }
  }
  r.cpu_ms = ThreadCpuMs() - cpu_start;
  auto end = std::chrono::steady_clock::now();
  r.wall_ms = std::chrono::duration<double, std::milli>(end - start).count();
  r.min_tasks_per_node = static_cast<int>(tasks.size());
  r.min_memory = kNodeMemory;
  for (int id = 0; id < nodes; ++id) {
    const auto* u = s.Usage(id);
    if (u->tasks > 0) ++r.nodes_used;
    r.max_tasks_per_node = std::max(r.max_tasks_per_node, u->tasks);
    r.min_tasks_per_node = std::min(r.min_tasks_per_node, u->tasks);
    for (const auto& [group, count] : u->tasks_per_group) {
      r.max_group_tasks_per_node = std::max(r.max_group_tasks_per_node, count);
    }
    r.total_memory += u->memory_bytes;
    r.max_memory = std::max(r.max_memory, u->memory_bytes);
    r.min_memory = std::min(r.min_memory, u->memory_bytes);
  }
  return r;
}

}  // namespace

int RunScheduler(const BenchArgs& args) {
  const int nodes = args.quick ? 100 : 10'000;
  const int task_count = args.quick ? 10'000 : 1'000'000;
  BenchReport report("scheduler");
  report.Add("nodes", nodes);
  report.Add("tasks", task_count);
  report.Add(
      "sampled_nodes",
      static_cast<double>(Scheduler::NumFeasibleNodesToFind(static_cast<std::size_t>(nodes))),
      "feasible nodes scored per placement");

  model::PlacementStrategy binpack;
  binpack.type = model::PlacementStrategyType::kBinpack;
  binpack.field = "memory";
  const RunResult b = Run(nodes, MakeTasks(task_count, {binpack}));
  const auto ideal = static_cast<double>((b.total_memory + kNodeMemory - 1) / kNodeMemory);
  report.Add("placements_per_s", b.placed / (b.wall_ms / 1000.0), "binpack memory, one core");
  report.Add("placements_per_cpu_s", b.placed / (b.cpu_ms / 1000.0),
             "binpack, per second of this thread's CPU time");
  report.Add("wall_ms", b.wall_ms, "binpack run");
  report.Add("failed_placements", b.failed, "binpack run; 0 expected");
  report.Add("nodes_used", b.nodes_used, "binpack run");
  report.Add("ideal_nodes_lower_bound", ideal, "ceil(memory demand / node memory)");
  report.Add("nodes_used_ratio", b.nodes_used / ideal, "1.0 = ideal");

  const RunResult s = Run(nodes, MakeTasks(task_count, {}));
  report.Add("spread_placements_per_s", s.placed / (s.wall_ms / 1000.0),
             "default spread (Kubernetes), one core");
  report.Add("spread_placements_per_cpu_s", s.placed / (s.cpu_ms / 1000.0));
  report.Add("spread_wall_ms", s.wall_ms);
  report.Add("spread_failed_placements", s.failed);
  report.Add("spread_max_tasks_per_node", s.max_tasks_per_node,
             fmt::format("even = {}", (task_count + nodes - 1) / nodes));
  report.Add("spread_min_tasks_per_node", s.min_tasks_per_node,
             "tasks differ in size: least-loaded balances load, not counts");
  const double mean_memory = static_cast<double>(s.total_memory) / nodes;
  report.Add("spread_max_memory_vs_mean_pct",
             100.0 * static_cast<double>(s.max_memory) / mean_memory, "100 = perfectly even");
  report.Add("spread_min_memory_vs_mean_pct",
             100.0 * static_cast<double>(s.min_memory) / mean_memory);
  report.Add("spread_max_group_tasks_per_node", s.max_group_tasks_per_node,
             fmt::format("{} replicas per group; 1 = perfectly spread", kTasksPerGroup));
  report.Add("peak_rss_mb", PeakRssMb());
  report.Print(args.json);
  return b.failed == 0 && s.failed == 0 ? 0 : 1;
}

}  // namespace capstan::bench
