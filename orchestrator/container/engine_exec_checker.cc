#include "orchestrator/container/engine_exec_checker.h"

#include <fmt/format.h>

namespace capstan::orchestrator::container {

EngineExecChecker::EngineExecChecker(std::shared_ptr<DockerClient> client, int threads)
    : client_(std::move(client)) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Work(); });
}

EngineExecChecker::~EngineExecChecker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void EngineExecChecker::Begin(const HealthCheckRequest& request) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(request);
  }
  work_cv_.notify_one();
}

std::vector<HealthCheckResult> EngineExecChecker::Poll(std::chrono::milliseconds max_wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (done_.empty() && max_wait.count() > 0 && (running_ > 0 || !queue_.empty())) {
    done_cv_.wait_for(lock, max_wait, [this] { return !done_.empty(); });
  }
  std::vector<HealthCheckResult> out;
  out.swap(done_);
  return out;
}

std::size_t EngineExecChecker::InFlight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() + running_ + done_.size();
}

void EngineExecChecker::Work() {
  for (;;) {
    HealthCheckRequest req;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      req = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    std::vector<std::string> env;
    env.reserve(req.env.size());
    for (const auto& [k, v] : req.env) env.push_back(k + "=" + v);
    HealthCheckResult result{req.id, false, ""};
    auto exec = client_->Exec(req.container_id, req.command, env, req.working_dir, req.timeout);
    if (!exec.ok()) {
      result.message = exec.status().message();
    } else {
      result.success = exec->exit_code == 0;
      result.message = fmt::format("exit {}", exec->exit_code);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
      done_.push_back(std::move(result));
    }
    done_cv_.notify_all();
  }
}

}  // namespace capstan::orchestrator::container
