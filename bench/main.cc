// capstan-bench NAME [--json] [--quick] [--runs N] [--engine-env FILE]: runs one benchmark and
// prints its figures.
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "bench/benchmarks.h"

namespace {

struct Benchmark {
  const char* name;
  const char* description;
  std::function<int(const capstan::bench::BenchArgs&)> run;
};

const std::vector<Benchmark>& All() {
  using namespace capstan::bench;
  static const std::vector<Benchmark> kAll = {
      {"git-fetch", "incremental fetch of one commit into a 10,000-file repository", RunGitFetch},
      {"render-plan", "render + validate + plan 10,000 resources in 500 applications",
       RunRenderPlan},
      {"scheduler", "1,000,000 placements on 10,000 simulated nodes (binpack + spread)",
       RunScheduler},
      {"probes", "HTTP health checks per second through one libcurl multi handle", RunProbes},
      {"rollout", "100 process replicas rolled with maxSurge 25%: overhead beyond probe waits",
       RunRollout},
      {"orchestrator-memory", "orchestrator RSS with 1,000 simulated tasks", RunOrchestratorMemory},
      {"webhook-latency", "signed push webhook to the first task of the new revision started",
       RunWebhookLatency},
      {"idle", "daemon with 100 applications and 300 process tasks: RSS and no-change reconcile",
       RunIdle},
      {"container-start",
       "task scheduled -> container running via ContainerDriver vs `podman run -d` (Podman)",
       RunContainerStart},
      {"kube-play", "10-replica Deployment: `podman kube play` vs Capstan's rollout (Podman)",
       RunKubePlay},
  };
  return kAll;
}

int Usage() {
  fmt::print(stderr,
             "usage: capstan-bench NAME [--json] [--quick] [--runs N] [--engine-env FILE]\n\n"
             "  --runs N           repetitions (container-start, kube-play)\n"
             "  --engine-env FILE  use a running tests/container/engine_fixture.sh engine\n"
             "                     (DIR/env) instead of starting one\n\nbenchmarks:\n");
  for (const auto& b : All()) fmt::print(stderr, "  {:<22} {}\n", b.name, b.description);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  capstan::bench::BenchArgs args;
  std::string name = argv[1];
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) {
      args.json = true;
    } else if (std::strcmp(argv[i], "--quick") == 0) {
      args.quick = true;
    } else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      args.runs = std::atoi(argv[++i]);
      if (args.runs <= 0) return Usage();
    } else if (std::strcmp(argv[i], "--engine-env") == 0 && i + 1 < argc) {
      args.engine_env = argv[++i];
    } else {
      return Usage();
    }
  }
  for (const auto& b : All()) {
    if (name == b.name) return b.run(args);
  }
  fmt::print(stderr, "capstan-bench: no benchmark named '{}'\n", name);
  return Usage();
}
