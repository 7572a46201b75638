#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/desired_state.h"

namespace capstan::model {

// 64-bit FNV-1a, the family Kubernetes uses for pod-template-hash. Not cryptographic: it names
// revisions, it does not protect anything.
std::uint64_t Fnv1a64(std::string_view data, std::uint64_t seed = 14695981039346656037ull);

// The revision of a task template: a hash of its content and of the content of every ConfigMap
// and Secret of `app` it reads, so that a config change rolls the workload out
// (kubernetes#22368). 16 lower-case hex digits.
std::string ComputeRevision(const TaskTemplate& task, const Application& app);

// Fills WorkloadSpec::revision and JobSpec::revision for every resource of `app`.
void AssignRevisions(Application& app);

}  // namespace capstan::model
