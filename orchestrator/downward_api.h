#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "model/container.h"
#include "model/status.h"

namespace capstan::orchestrator {

// What Kubernetes' downward API shows of one task (a pod) and the node it runs on. Borrowed
// pointers are read during the call only and may be null (= empty).
struct DownwardFacts {
  std::string pod_name;       // metadata.name: the task id
  std::string pod_namespace;  // metadata.namespace: the application
  std::string pod_uid;        // metadata.uid: TaskUid(task id)
  const std::map<std::string, std::string>* labels = nullptr;
  const std::map<std::string, std::string>* annotations = nullptr;
  std::string node_name;                    // spec.nodeName
  std::string service_account = "default";  // spec.serviceAccountName
  std::string pod_ip;                       // status.podIP / status.podIPs
  std::string host_ip;                      // status.hostIP / status.hostIPs
  std::int64_t node_cpu_millis = 0;         // allocatable: the default of an unset limit
  std::int64_t node_memory_bytes = 0;
};

// A stable UUID-shaped uid for a task (version 8, RFC 9562 "custom"): the same task id always
// gives the same uid, so a restarted daemon shows the same metadata.uid. Pure.
std::string TaskUid(std::string_view task_id);

// Resolves an env fieldRef path as the kubelet does for env (podFieldSelectorRuntimeValue in
// pkg/kubelet/kubelet_pods.go, ExtractFieldPathAsString in pkg/fieldpath/fieldpath.go):
// metadata.name|namespace|uid, metadata.labels['k'] / metadata.annotations['k'] (a missing key
// is ""), spec.nodeName, spec.serviceAccountName, status.podIP(s), status.hostIP(s). Any other
// path is kInvalidArgument naming it. Pure.
model::Result<std::string> ResolveFieldRef(std::string_view path, const DownwardFacts& facts);

// Parses a resourceFieldRef divisor ("1", "1m", "1k", "1Mi", "2Gi"; empty = "1") into its value
// in units (1m = 0.001). kInvalidArgument for anything else or a value <= 0. Pure.
model::Result<double> ParseDivisor(std::string_view divisor);

// Resolves a resourceFieldRef of one container as Kubernetes does (ExtractContainerResourceValue,
// convertResourceCPUToString / convertResourceMemoryToString in pkg/api/v1/resource/helpers.go):
// limits.cpu, requests.cpu, limits.memory, requests.memory, the value divided by `divisor` and
// rounded UP ("250m" with divisor 1 -> "1"; with 1m -> "250"). An unset limit is the node's
// allocatable (kubelet's defaultPodLimitsForDownwardAPI); an unset request is the limit if one
// is set (API defaulting), else 0. Pure.
model::Result<std::string> ResolveResourceFieldRef(std::string_view resource,
                                                   std::string_view divisor,
                                                   const model::Resources& resources,
                                                   const DownwardFacts& facts);

}  // namespace capstan::orchestrator
