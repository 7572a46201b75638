#pragma once

#include <set>
#include <utility>
#include <vector>

#include "orchestrator/port_probe.h"

namespace capstan::testing {

// A PortProbe whose held ports are set by the test: `held` has (port, protocol) pairs another
// program holds. Records every question in `asked`. Thread-compatible.
class FakePortProbe final : public orchestrator::PortProbe {
 public:
  bool Free(int port, orchestrator::PortProtocol protocol) override {
    asked.emplace_back(port, protocol);
    return held.count({port, protocol}) == 0;
  }
  void Hold(int port, orchestrator::PortProtocol p = orchestrator::PortProtocol::kTcp) {
    held.insert({port, p});
  }
  void Release(int port) {
    held.erase({port, orchestrator::PortProtocol::kTcp});
    held.erase({port, orchestrator::PortProtocol::kUdp});
  }

  std::set<std::pair<int, orchestrator::PortProtocol>> held;
  std::vector<std::pair<int, orchestrator::PortProtocol>> asked;
};

}  // namespace capstan::testing
