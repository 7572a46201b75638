#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace capstan::reconciler {

// Hands work from other threads (HTTP handlers, signal handling) to the one loop thread that owns
// reconciler and orchestrator state (Envoy's Dispatcher::post). The loop drains it each turn and
// sleeps on it between turns, so a posted task also wakes the loop at once.
// Thread-safe.
class WorkQueue {
 public:
  void Post(std::function<void()> work) {
    {
      std::lock_guard lock(mu_);
      work_.push_back(std::move(work));
    }
    cv_.notify_one();
  }

  // Loop thread: runs everything posted so far. Returns how many ran.
  int RunPending() {
    std::deque<std::function<void()>> batch;
    {
      std::lock_guard lock(mu_);
      batch.swap(work_);
    }
    for (auto& work : batch) work();
    return static_cast<int>(batch.size());
  }

  // Loop thread: sleeps until work is posted or `timeout` passes. Real time on purpose: this is
  // the loop's idle wait, not logic (logic reads the injected Clock).
  void WaitFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return !work_.empty(); });
  }

 private:
  std::mutex mu_;  // guards work_
  std::condition_variable cv_;
  std::deque<std::function<void()>> work_;
};

}  // namespace capstan::reconciler
