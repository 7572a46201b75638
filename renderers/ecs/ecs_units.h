#pragma once

#include <cstdint>
#include <string_view>

#include "model/status.h"

namespace capstan::renderers::ecs {

// ECS measures CPU in "CPU units": 1024 units = 1 vCPU. Capstan measures millicores.
// Rounds down, as the Linux cpu.shares translation does.
std::int64_t CpuUnitsToMillis(std::int64_t units);

// Mebibytes (ECS container memory and memoryReservation) to bytes.
std::int64_t MibToBytes(std::int64_t mib);

// Task-level `cpu` as written in a task definition: "256" (CPU units), "1 vCPU", "0.25 vcpu"
// (case-insensitive, space optional). Returns millicores, > 0. kInvalidArgument otherwise.
model::Result<std::int64_t> ParseTaskCpuMillis(std::string_view text);

// Task-level `memory`: "512" (MiB), "2 GB" / "2GB" / "0.5 GB" (ECS means GiB by "GB"), also
// "MiB"/"MB"/"GiB" suffixes. Returns bytes, > 0. kInvalidArgument otherwise.
model::Result<std::int64_t> ParseTaskMemoryBytes(std::string_view text);

}  // namespace capstan::renderers::ecs
