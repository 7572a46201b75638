#pragma once

#include <optional>
#include <string>

#include "model/desired_state.h"

namespace capstan::cli {

// `capstan validate` / `plan`: whether the container workloads of `state` could run here. When
// some workload or job runs with the container driver, looks for an engine as the daemon does
// (orchestrator::container::DiscoverEngineSocket: `configured`, DOCKER_HOST, /var/run/docker.sock,
// Podman's sockets; a socket that exists is pinged with a 3 s timeout, one that does not costs a
// stat) and returns a warning naming the sockets tried and the fixes when none answers. nullopt
// when every workload is a process one or an engine answers. The warning belongs to no
// application (app empty): it is about this machine, not about a manifest.
std::optional<model::Diagnostic> CheckContainerEngine(const model::DesiredState& state,
                                                      const std::string& configured);

}  // namespace capstan::cli
