#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench_report.h"
#include "tests/container/engine_env.h"

namespace capstan::bench {

// The Podman engine the container benchmarks run against: the one `--engine-env FILE` names
// (an env file written by tests/container/engine_fixture.sh, left running afterwards), or one
// this object starts with `engine_fixture.sh start DIR` and stops (`stop DIR`) when destroyed,
// also when the process is interrupted by SIGINT/SIGTERM/SIGHUP.
// Not thread-safe; one per process.
class PodmanEngine {
 public:
  enum class Outcome { kReady, kSkipped, kFailed };

  PodmanEngine() = default;
  ~PodmanEngine();
  PodmanEngine(const PodmanEngine&) = delete;
  PodmanEngine& operator=(const PodmanEngine&) = delete;

  // kSkipped (with *message "podman not installed") when there is no podman CLI; kFailed with
  // *message when the fixture does not start or the env file is unreadable.
  Outcome Acquire(const BenchArgs& args, std::string* message);

  const testing::EngineEnv& env() const { return env_; }
  // Whether this object started the engine (and will stop it).
  bool owned() const { return !dir_.empty(); }

  // The environment the podman CLI needs to see the engine's storage: the KEY=VALUE pairs of the
  // fixture's podman env file (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, ...).
  const std::map<std::string, std::string>& podman_environment() const { return podman_env_; }

 private:
  testing::EngineEnv env_;
  std::map<std::string, std::string> podman_env_;
  std::string dir_;      // set when we started the fixture
  std::string fixture_;  // engine_fixture.sh
};

struct CommandResult {
  int exit_code = -1;  // -1: could not run, 128+N: killed by signal N
  double wall_ms = 0;  // from spawn to reaped
  std::string output;  // stdout and stderr, when captured
};

// Runs argv[0] (looked up in PATH) with the current environment plus `env` (overriding), no
// shell in between, and waits for it. `capture`: collect stdout+stderr (else /dev/null).
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, bool capture);

// Whether `name` is an executable in PATH.
bool InPath(const std::string& name);

double Percentile(std::vector<double> values, double p);  // nearest-rank; 0 for no values

inline double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace capstan::bench
