#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/task_template.h"
#include "orchestrator/port_probe.h"

namespace capstan::orchestrator {

// The host ports of a task as the port checks see them: which protocol each one has, and
// whether a failed run lost its port to another program.

// The protocol of each host port of `task`, in the order the scheduler hands them out: the
// fixed ones, then the dynamic ones, each in container order (as PortDemand counts them).
std::vector<PortProtocol> HostPortProtocols(const model::TaskTemplate& task);

// Whether a driver's error says a host port was taken: the kernel's EADDRINUSE text, "address
// already in use", which Podman, Docker and rootlessport repeat. Case-insensitive.
bool SaysAddressInUse(std::string_view message);

// The ports of `host_ports` that `probe` says another program holds now; `protocols` as
// HostPortProtocols (a port without an entry is TCP).
std::vector<int> PortsHeldElsewhere(PortProbe& probe, const std::vector<int>& host_ports,
                                    const std::vector<PortProtocol>& protocols);

// "20001/TCP, 20002/UDP".
std::string PortList(const std::vector<int>& ports, const std::vector<int>& all_ports,
                     const std::vector<PortProtocol>& protocols);

}  // namespace capstan::orchestrator
