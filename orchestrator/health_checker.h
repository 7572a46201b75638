#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/probe.h"

namespace capstan::orchestrator {

// One health check to perform once, fully resolved (port numbers, not names).
struct HealthCheckRequest {
  std::uint64_t id = 0;  // chosen by the caller, echoed in the result
  model::ProbeAction action = model::ProbeAction::kHttpGet;
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  std::string scheme = "HTTP";
  std::vector<std::pair<std::string, std::string>> http_headers;
  std::string grpc_service;          // grpc: HealthCheckRequest.service ("" = the whole server)
  std::vector<std::string> command;  // exec: argv, no shell
  std::string working_dir;           // exec: where to run it
  std::vector<std::pair<std::string, std::string>> env;  // exec: the task's environment
  // exec: run inside this engine container (container driver) instead of on the host.
  std::string container_id;
  // exec on the host: the task's hosts file, mounted over /etc/hosts for the check as for the
  // task itself, so a probe resolves the Service names the task does. Empty: the node's.
  std::string hosts_file;
  std::chrono::milliseconds timeout{1000};
};

struct HealthCheckResult {
  std::uint64_t id = 0;
  bool success = false;
  std::string message;  // "HTTP 503", "connection refused", "exit 1", "timeout after 1000ms"
};

// Performs checks concurrently without a thread per check (libcurl multi for HTTP, non-blocking
// connect for TCP, child processes for exec). Begin() never blocks; Poll() advances every check in
// flight for at most `max_wait` and returns those that finished. Probe periods, thresholds and
// initial delays are not its business: the caller's ProbeTracker decides when to Begin().
// Thread-compatible: the orchestrator loop thread only.
class HealthChecker {
 public:
  virtual ~HealthChecker() = default;
  virtual void Begin(const HealthCheckRequest& request) = 0;
  virtual std::vector<HealthCheckResult> Poll(std::chrono::milliseconds max_wait) = 0;
  virtual std::size_t InFlight() const = 0;
};

}  // namespace capstan::orchestrator
