#pragma once

#include <vector>

#include "model/task_template.h"
#include "renderers/kubernetes/converters.h"
#include "renderers/kubernetes/fields.h"

namespace capstan::renderers::kubernetes {

// Who owns the pod template: decides which restartPolicy values Kubernetes allows. kPod is a
// bare Pod: `tpl` is the whole document, whose metadata the document converter has already read
// and checked (only labels and annotations are taken here), and any restartPolicy is valid.
enum class PodOwner { kDeployment, kJob, kPod };

// Converts a pod template ({metadata, spec}, e.g. at "spec.template") into `task`: init containers
// (sidecars: restartPolicy Always) and containers (env with the downward API, envFrom, ports,
// resources, probes incl. grpc, lifecycle hooks, securityContext merged over the pod's,
// volumeMounts), volumes, grace period, restart policy, dnsPolicy, nodeSelector and the
// `capstan.io/driver` annotation. Validates what can be checked inside one template (names
// unique across init and regular containers, ports, probe thresholds and named ports, fields a
// regular init container may not have, mounts of undeclared volumes, downward API paths) and
// appends the ConfigMaps/Secrets it reads, unless optional, to `references`. Unsupported fields
// (dnsConfig, affinity, seLinuxOptions, ...) are reported by path, never dropped silently.
void ConvertPodTemplate(Fields& tpl, PodOwner owner, model::TaskTemplate& task,
                        std::vector<Reference>& references);

}  // namespace capstan::renderers::kubernetes
