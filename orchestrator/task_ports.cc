#include "orchestrator/task_ports.h"

#include <algorithm>
#include <cctype>

namespace capstan::orchestrator {
namespace {

PortProtocol ProtocolAt(const std::vector<PortProtocol>& protocols, std::size_t i) {
  return i < protocols.size() ? protocols[i] : PortProtocol::kTcp;
}

}  // namespace

std::vector<PortProtocol> HostPortProtocols(const model::TaskTemplate& task) {
  std::vector<PortProtocol> fixed;
  std::vector<PortProtocol> dynamic;
  for (const auto& c : task.containers) {
    for (const auto& p : c.ports) {
      (p.host_port > 0 ? fixed : dynamic).push_back(ParsePortProtocol(p.protocol));
    }
  }
  fixed.insert(fixed.end(), dynamic.begin(), dynamic.end());
  return fixed;
}

bool SaysAddressInUse(std::string_view message) {
  static constexpr std::string_view kText = "address already in use";
  auto it =
      std::search(message.begin(), message.end(), kText.begin(), kText.end(),
                  [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != message.end();
}

std::vector<int> PortsHeldElsewhere(PortProbe& probe, const std::vector<int>& host_ports,
                                    const std::vector<PortProtocol>& protocols) {
  std::vector<int> held;
  for (std::size_t i = 0; i < host_ports.size(); ++i) {
    if (!probe.Free(host_ports[i], ProtocolAt(protocols, i))) held.push_back(host_ports[i]);
  }
  return held;
}

std::string PortList(const std::vector<int>& ports, const std::vector<int>& all_ports,
                     const std::vector<PortProtocol>& protocols) {
  std::string out;
  for (int port : ports) {
    auto at = std::find(all_ports.begin(), all_ports.end(), port);
    const auto i = static_cast<std::size_t>(at - all_ports.begin());
    if (!out.empty()) out += ", ";
    out += std::to_string(port) + "/" + PortProtocolName(ProtocolAt(protocols, i));
  }
  return out;
}

}  // namespace capstan::orchestrator
