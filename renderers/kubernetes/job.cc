// batch/v1 Job -> model::JobSpec.
#include <climits>

#include "renderers/kubernetes/converters.h"
#include "renderers/kubernetes/pod_template.h"

namespace capstan::renderers::kubernetes {

void ConvertJob(Fields& doc, const DocumentInfo& /*info*/, Rendered& out) {
  Findings& f = doc.findings();
  model::JobSpec job;
  // A Job's pods default to Never rather than Always in the model; ConvertPodTemplate insists
  // that the manifest says Never or OnFailure.
  job.task.restart_policy = model::RestartPolicy::kNever;
  auto spec = doc.Map("spec");
  if (!spec) {
    if (!doc.Has("spec")) f.Error(doc.node(), "spec", "required field is missing");
    out.resource.spec = std::move(job);
    return;
  }
  job.completions = IntInRange(*spec, "completions", 0, INT_MAX, "must be >= 0").value_or(1);
  job.parallelism = IntInRange(*spec, "parallelism", 0, INT_MAX, "must be >= 0").value_or(1);
  job.backoff_limit = IntInRange(*spec, "backoffLimit", 0, INT_MAX, "must be >= 0").value_or(6);
  job.active_deadline_seconds =
      IntInRange(*spec, "activeDeadlineSeconds", 1, INT_MAX, "must be >= 1").value_or(0);
  if (auto tpl = spec->Map("template")) {
    ConvertPodTemplate(*tpl, PodOwner::kJob, job.task, out.references);
  } else if (!spec->Has("template")) {
    f.Error(spec->node(), spec->PathOf("template"), "required field is missing");
  }
  spec->ReportUnread();  // ttlSecondsAfterFinished, suspend, completionMode, ...: reported
  out.resource.spec = std::move(job);
}

}  // namespace capstan::renderers::kubernetes
