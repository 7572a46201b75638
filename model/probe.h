#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace capstan::model {

enum class ProbeAction { kHttpGet, kTcpSocket, kExec };

// A health check, in Kubernetes' terms. ECS container healthChecks are translated onto it
// (CMD/CMD-SHELL -> kExec; interval -> period; retries -> failure threshold;
// startPeriod -> initial delay) by the renderer. Defaults are Kubernetes'.
struct ProbeSpec {
  ProbeAction action = ProbeAction::kHttpGet;
  // httpGet / tcpSocket: `port` is a number ("8080") or the name of a container port ("http").
  std::string port;
  std::string host;                  // empty = the task's address (127.0.0.1 for processes)
  std::string path = "/";            // httpGet
  std::string scheme = "HTTP";       // httpGet: HTTP or HTTPS
  std::vector<std::pair<std::string, std::string>> http_headers;
  std::vector<std::string> command;  // exec: argv, run without a shell
  int initial_delay_seconds = 0;
  int period_seconds = 10;
  int timeout_seconds = 1;
  int success_threshold = 1;
  int failure_threshold = 3;

  friend bool operator==(const ProbeSpec&, const ProbeSpec&) = default;
};

}  // namespace capstan::model
