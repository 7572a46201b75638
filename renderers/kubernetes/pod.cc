// v1 Pod -> model::WorkloadSpec (restartPolicy Always) or model::JobSpec (OnFailure, Never).
//
// A bare Pod is one task that Kubernetes never replaces once it is gone, but whose containers the
// kubelet restarts in place according to restartPolicy. Capstan has no "unmanaged task", so:
//  - Always (the default): a workload of one replica, strategy Recreate (a pod is replaced, never
//    surged: two copies of a Pod never run side by side), selecting its own task by its labels
//    plus capstan.io/pod=<name> (so that two Pods with the same labels stay apart).
//  - Never: a Job of one completion with backoffLimit 0: the task runs once, success or failure.
//  - OnFailure: a Job of one completion whose failed runs are retried without limit: the kubelet
//    restarts an OnFailure pod's failed containers forever (with its crash-loop backoff); a Job's
//    default backoffLimit of 6 would give up where the Pod would not.
#include <climits>

#include "renderers/kubernetes/converters.h"
#include "renderers/kubernetes/pod_template.h"

namespace capstan::renderers::kubernetes {

void ConvertPod(Fields& doc, const DocumentInfo& /*info*/, Rendered& out) {
  model::TaskTemplate task;
  ConvertPodTemplate(doc, PodOwner::kPod, task, out.references);  // reports a missing spec
  const std::string& name = out.resource.id.name;
  task.labels[std::string(kPodLabel)] = name;

  if (task.restart_policy == model::RestartPolicy::kAlways) {
    model::WorkloadSpec w;
    w.replicas = 1;
    w.strategy = model::RolloutStrategy::kRecreate;
    w.selector = task.labels;
    w.task = std::move(task);
    out.resource.id.kind = model::ResourceKind::kWorkload;
    out.resource.spec = std::move(w);
    return;
  }
  model::JobSpec job;
  job.completions = 1;
  job.parallelism = 1;
  job.backoff_limit = task.restart_policy == model::RestartPolicy::kNever ? 0 : INT_MAX;
  job.task = std::move(task);
  out.resource.id.kind = model::ResourceKind::kJob;
  out.resource.spec = std::move(job);
}

}  // namespace capstan::renderers::kubernetes
