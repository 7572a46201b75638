#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace capstan::orchestrator {

// A machine tasks can run on. The local machine is node 0; more nodes come later through agents,
// so nothing may assume there is only one.
struct NodeInfo {
  int id = 0;
  std::string name;
  // Where the node's tasks are reached (probes, published ports): the downward API's
  // status.hostIP. The local machine is reached on loopback.
  std::string address = "127.0.0.1";
  std::int64_t cpu_millis = 0;    // allocatable CPU
  std::int64_t memory_bytes = 0;  // allocatable memory
  int port_min = 20000;           // host ports handed to tasks come from [port_min, port_max]
  int port_max = 29999;
  // Labels for nodeSelector, and attributes for ECS memberOf / spread ("zone" -> "a").
  std::map<std::string, std::string> labels;
};

}  // namespace capstan::orchestrator
