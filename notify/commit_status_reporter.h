#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "model/clock.h"
#include "notify/commit_status.h"

namespace capstan::notify {

// Sends commit statuses to one StatusTarget, in the background.
//
// Report() only queues, so the control loop never waits on a forge. One worker thread sends
// with libcurl, in order. A failed attempt (no response, 5xx, 429) is retried with exponential
// backoff — initial_backoff, doubled each time, at most max_backoff — up to max_attempts in all;
// any other 4xx gives up at once (an invalid token will not become valid). A newer status for the
// same commit and context replaces a queued older one, and also ends the retries of one being
// sent, so a forge shows the latest state and never a stale one after it. Failures are logged with
// spdlog; the token never appears in a log line, an error message or Stats.
//
// Thread-safe: every public method may be called from any thread.
class CommitStatusReporter {
 public:
  struct Options {
    int max_attempts = 5;
    std::chrono::milliseconds initial_backoff{1000};
    std::chrono::milliseconds max_backoff{30'000};
    // Per attempt, connection included.
    std::chrono::milliseconds timeout{10'000};
    // Beyond this many queued statuses the oldest is dropped (and counted), so a forge that is
    // down for hours cannot grow the daemon's memory.
    std::size_t max_queue = 1000;
  };

  struct Stats {
    std::uint64_t delivered = 0;  // statuses the target accepted (2xx)
    std::uint64_t failed = 0;     // statuses given up (4xx, attempts exhausted, invalid target)
    std::uint64_t retries = 0;    // attempts after the first, over all statuses
    std::uint64_t coalesced = 0;  // statuses replaced by a newer one before being delivered
    std::uint64_t dropped = 0;    // statuses dropped because the queue was full
    std::string last_error;       // the newest failure, redacted; empty if none
    model::WallTime last_delivered{};  // when the newest delivery was accepted (WallNow)
  };

  // Starts the worker. `clock` must outlive this object; it timestamps deliveries (backoff waits
  // are real time, on a condition variable, so that the destructor can cut them short).
  CommitStatusReporter(StatusTarget target, const model::Clock& clock, Options options);
  CommitStatusReporter(StatusTarget target, const model::Clock& clock)
      : CommitStatusReporter(std::move(target), clock, Options()) {}
  // Stops the worker: waits for an attempt in flight (bounded by Options::timeout), abandons a
  // backoff and whatever is still queued. Call Flush() first to deliver before shutdown.
  ~CommitStatusReporter();

  CommitStatusReporter(const CommitStatusReporter&) = delete;
  CommitStatusReporter& operator=(const CommitStatusReporter&) = delete;

  // Queues `status`; never blocks on the network.
  void Report(CommitStatus status);

  // Waits until nothing is queued or being sent, or `max_wait` has passed. Returns true when idle.
  bool Flush(std::chrono::milliseconds max_wait);

  Stats stats() const;

 private:
  void Run();
  // Sends one status with retries. Called on the worker without mu_ held.
  void Deliver(const CommitStatus& status);
  // One HTTP attempt; fills *http_status (0 when no response) and *error.
  bool Attempt(const HttpRequest& request, long* http_status, std::string* error);
  // True if a status newer than the one in flight is queued for the same commit and context.
  bool SupersededLocked() const;

  const StatusTarget target_;
  const model::Clock& clock_;
  const Options options_;
  void* curl_ = nullptr;  // CURL*, used by the worker only

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::deque<CommitStatus> queue_;
  bool busy_ = false;  // the worker holds a status taken from queue_
  std::string in_flight_key_;
  bool stopping_ = false;
  Stats stats_;

  std::thread worker_;  // last: started once everything above is initialised
};

}  // namespace capstan::notify
