#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/container.h"
#include "model/diagnostic.h"
#include "renderers/kubernetes/fields.h"

namespace capstan::renderers::kubernetes {

// A value of the pod's securityContext that containers inherit, and where it was written.
template <typename T>
struct Inherited {
  std::optional<T> value;
  model::SourceLocation at;
  std::string field;
};

// What a pod's securityContext hands down to its containers. Kubernetes: "the value specified in
// SecurityContext takes precedence" over the PodSecurityContext's for these three.
struct PodSecurityDefaults {
  Inherited<std::int64_t> run_as_user;
  Inherited<std::int64_t> run_as_group;
  Inherited<bool> run_as_non_root;
};

// Reads the pod spec's `securityContext`: runAsUser, runAsGroup, runAsNonRoot are kept for the
// containers; seccompProfile {type: RuntimeDefault} is accepted without effect (what the engines
// do anyway); everything else (fsGroup, supplementalGroups, sysctls, seLinuxOptions,
// windowsOptions, appArmorProfile, other seccomp types) is reported as unsupported by path.
PodSecurityDefaults ConvertPodSecurityContext(Fields& pod_spec);

// Reads the container's `securityContext` into out.security, merged over `pod`: runAsUser,
// runAsGroup, runAsNonRoot, readOnlyRootFilesystem, allowPrivilegeEscalation, privileged,
// capabilities.add/drop (upper-cased, a "CAP_" prefix removed: "net_admin" and "CAP_NET_ADMIN"
// are both "NET_ADMIN"). Validation as the API server and kubelet do it: privileged with
// allowPrivilegeEscalation: false, or CAP_SYS_ADMIN added with allowPrivilegeEscalation: false, is
// an error; so is runAsNonRoot: true with (effective) runAsUser: 0, which the kubelet refuses to
// start (CreateContainerConfigError). Unsupported fields are reported by path.
void ConvertContainerSecurityContext(Fields& container, const PodSecurityDefaults& pod,
                                     model::ContainerSpec& out);

}  // namespace capstan::renderers::kubernetes
