#pragma once

#include "model/container.h"
#include "renderers/kubernetes/fields.h"

namespace capstan::renderers::kubernetes {

// Kubernetes' downward API in environment variables (env[].valueFrom).
//
// fieldRef {fieldPath, apiVersion (v1)} -> EnvVar kFieldRef with ref_key = the path. Accepted
// paths are those the API server accepts for env (pkg/apis/core/validation, validEnvDownwardAPI
// FieldPathExpressions): metadata.name, metadata.namespace, metadata.uid, spec.nodeName,
// spec.serviceAccountName, status.podIP, status.podIPs, status.hostIP, status.hostIPs, and
// metadata.labels['<key>'] / metadata.annotations['<key>']. Anything else is an error at fieldPath.
// Returns false when the reference is unusable (already reported).
bool ConvertFieldRef(Fields& ref, model::EnvVar& var);

// resourceFieldRef {resource, containerName, divisor} -> EnvVar kResourceFieldRef (ref_name =
// containerName, "" for this container; ref_key = resource; divisor as written). Resources
// limits.cpu, limits.memory, requests.cpu, requests.memory; ephemeral-storage and hugepages are
// valid for Kubernetes but Capstan does not track them: reported as unsupported. The divisor must
// be one Kubernetes accepts for the resource (validateContainerResourceDivisor): 1m or 1 for cpu;
// 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei for memory. Returns false when unusable.
// containerName, when set, is checked by the caller against the pod's containers.
bool ConvertResourceFieldRef(Fields& ref, model::EnvVar& var);

}  // namespace capstan::renderers::kubernetes
