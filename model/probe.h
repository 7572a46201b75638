#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace capstan::model {

// kGrpc: grpc.health.v1.Health/Check on `port` (Kubernetes' grpc probe, GA in 1.27), asking
// for `grpc_service` (empty = the server as a whole).
enum class ProbeAction { kHttpGet, kTcpSocket, kExec, kGrpc };

// A health check, in Kubernetes' terms. ECS container healthChecks are translated onto it
// (CMD/CMD-SHELL -> kExec; interval -> period; retries -> failure threshold;
// startPeriod -> initial delay) by the renderer. Defaults are Kubernetes'.
struct ProbeSpec {
  ProbeAction action = ProbeAction::kHttpGet;
  // httpGet / tcpSocket: `port` is a number ("8080") or the name of a container port ("http").
  std::string port;
  std::string host;             // empty = the task's address (127.0.0.1 for processes)
  std::string path = "/";       // httpGet
  std::string scheme = "HTTP";  // httpGet: HTTP or HTTPS
  std::vector<std::pair<std::string, std::string>> http_headers;
  std::vector<std::string> command;  // exec: argv, run without a shell
  std::string grpc_service;          // grpc: the service name sent in HealthCheckRequest
  int initial_delay_seconds = 0;
  int period_seconds = 10;
  int timeout_seconds = 1;
  int success_threshold = 1;
  int failure_threshold = 3;

  friend bool operator==(const ProbeSpec&, const ProbeSpec&) = default;
};

// A container lifecycle hook (Kubernetes `lifecycle.postStart` / `preStop`): exec runs `command`
// in the container, httpGet asks `port`/`path` on the task's address, sleep waits (KEP-3960).
// postStart runs right after the container starts and the container is not Ready before it ends;
// preStop runs before SIGTERM and its time counts against the grace period.
enum class HookAction { kExec, kHttpGet, kSleep };

struct LifecycleHandler {
  HookAction action = HookAction::kExec;
  std::vector<std::string> command;  // exec
  std::string port;                  // httpGet: a number or a container port's name
  std::string host;                  // httpGet: empty = the task's address
  std::string path = "/";            // httpGet
  std::string scheme = "HTTP";       // httpGet
  std::vector<std::pair<std::string, std::string>> http_headers;
  int sleep_seconds = 0;  // sleep
  friend bool operator==(const LifecycleHandler&, const LifecycleHandler&) = default;
};

}  // namespace capstan::model
