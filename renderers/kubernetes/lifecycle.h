#pragma once

#include "model/container.h"
#include "renderers/kubernetes/fields.h"

namespace capstan::renderers::kubernetes {

// Reads a container's `lifecycle` ({postStart, preStop}) into out.post_start / out.pre_stop.
// Each hook has exactly one action (core/v1 LifecycleHandler): exec.command, httpGet (port number
// or name of one of the container's ports, path, host, scheme, httpHeaders) or sleep.seconds.
// tcpSocket is accepted by the API for compatibility but the kubelet never runs it
// (pkg/kubelet/lifecycle/handlers.go): a warning, and no hook. Anything else is reported by path.
// sleep.seconds may be 0 (1.32+) and at most the pod's terminationGracePeriodSeconds
// (`grace_period_seconds`), as validateSleepAction requires.
// REQUIRES: out.ports is already filled (named httpGet ports are checked against it).
void ConvertLifecycle(Fields& container, int grace_period_seconds, model::ContainerSpec& out);

}  // namespace capstan::renderers::kubernetes
