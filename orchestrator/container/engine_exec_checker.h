#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "orchestrator/container/docker_client.h"
#include "orchestrator/health_checker.h"

namespace capstan::orchestrator::container {

// Runs exec probes inside containers through the engine (create exec, start attached, read the
// exit code), on a small fixed pool of threads: an engine exec is a few blocking HTTP calls, so
// a bounded pool keeps the loop free without a thread per check. Exit code 0 is success, as
// kubelet's and ECS's exec checks.
class EngineExecChecker final : public HealthChecker {
 public:
  EngineExecChecker(std::shared_ptr<DockerClient> client, int threads = 2);
  ~EngineExecChecker() override;
  EngineExecChecker(const EngineExecChecker&) = delete;
  EngineExecChecker& operator=(const EngineExecChecker&) = delete;

  void Begin(const HealthCheckRequest& request) override;
  std::vector<HealthCheckResult> Poll(std::chrono::milliseconds max_wait) override;
  std::size_t InFlight() const override;

 private:
  void Work();

  std::shared_ptr<DockerClient> client_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<HealthCheckRequest> queue_;
  std::vector<HealthCheckResult> done_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace capstan::orchestrator::container
