#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "model/container.h"
#include "renderers/ecs/ecs_document.h"

namespace capstan::renderers::ecs {

// The process-identity and privilege fields of one containerDefinitions[i] (at `path`):
//  - user: "uid", "uid:gid", "user", "user:group" (any mix) -> ContainerSpec::user as written, and
//    the numeric parts -> security.run_as_user / run_as_group;
//  - readonlyRootFilesystem, privileged -> security;
//  - linuxParameters.capabilities.{add,drop} -> security.capabilities_add / _drop, normalised as
//    for Kubernetes (upper case, no "CAP_"); other linuxParameters (initProcessEnabled, tmpfs,
//    devices, sharedMemorySize, maxSwap, swappiness) are reported as unsupported by path;
//  - ulimits [{name, softLimit, hardLimit}] -> ulimits; the name must be one ECS accepts (core,
//    cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime,
//    sigpending, stack), each at most once, softLimit <= hardLimit.
// Problems are errors at the field, as every other ECS finding.
void ReadContainerSecurity(EcsDocument& doc, const nlohmann::json& container,
                           const std::string& path, model::ContainerSpec& spec);

}  // namespace capstan::renderers::ecs
