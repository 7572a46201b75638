#pragma once

#include <vector>

#include "model/task_template.h"
#include "renderers/kubernetes/converters.h"
#include "renderers/kubernetes/fields.h"

namespace capstan::renderers::kubernetes {

// Who owns the pod template: decides which restartPolicy values Kubernetes allows.
enum class PodOwner { kDeployment, kJob };

// Converts a pod template ({metadata, spec}, e.g. at "spec.template") into `task`: containers
// (env, envFrom, ports, resources, probes, volumeMounts), volumes, grace period, restart policy,
// nodeSelector and the `capstan.io/driver` annotation. Validates what can be checked inside one
// template (names, ports, probe thresholds and named probe ports, mounts of undeclared volumes,
// duplicate names) and appends the ConfigMaps/Secrets it reads, unless optional, to `references`.
// Unsupported fields (initContainers, securityContext, ...) are reported, never dropped silently.
void ConvertPodTemplate(Fields& tpl, PodOwner owner, model::TaskTemplate& task,
                        std::vector<Reference>& references);

}  // namespace capstan::renderers::kubernetes
