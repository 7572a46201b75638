#pragma once

#include "bench/bench_report.h"

namespace capstan::bench {

// Each benchmark prints its report and returns a process exit code. Declared here and listed in
// main.cc, so `capstan-bench` with no argument lists them all.
int RunGitFetch(const BenchArgs& args);
int RunRenderPlan(const BenchArgs& args);
int RunScheduler(const BenchArgs& args);
int RunProbes(const BenchArgs& args);
int RunRollout(const BenchArgs& args);
int RunOrchestratorMemory(const BenchArgs& args);
int RunWebhookLatency(const BenchArgs& args);
int RunIdle(const BenchArgs& args);
int RunContainerStart(const BenchArgs& args);
int RunKubePlay(const BenchArgs& args);

}  // namespace capstan::bench
