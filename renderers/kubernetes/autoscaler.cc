// autoscaling/v2 (and v1, v2beta1, v2beta2) HorizontalPodAutoscaler -> model::AutoscalerSpec.
#include <fmt/format.h>

#include <climits>

#include "renderers/kubernetes/converters.h"

namespace capstan::renderers::kubernetes {
namespace {

// One entry of spec.metrics. v2/v2beta2: resource.target {type: Utilization,
// averageUtilization}; v2beta1: resource.targetAverageUtilization.
void ConvertMetric(Fields& m, model::AutoscalerSpec& hpa) {
  Findings& f = m.findings();
  std::string type = m.String("type").value_or("");
  if (type != "Resource") {
    if (type.empty()) {
      f.Error(m.node(), m.PathOf("type"), "required field is missing");
    } else {
      f.Unsupported(m.Get("type"), m.PathOf("type"),
                    fmt::format("metric type \"{}\" is not supported (only Resource cpu/memory "
                                "utilization); this metric is ignored",
                                type));
    }
    // The rest of the entry belongs to the unsupported type: do not report it field by field.
    for (const auto& kv : m.node()) {
      if (kv.first.IsScalar()) m.Ignore(kv.first.Scalar());
    }
    return;
  }
  auto resource = m.Map("resource");
  if (!resource) {
    if (!m.Has("resource")) f.Error(m.node(), m.PathOf("resource"), "required field is missing");
    m.ReportUnread();
    return;
  }
  model::AutoscalerMetric metric;
  metric.resource = RequiredString(*resource, "name");
  bool usable = true;
  if (!metric.resource.empty() && metric.resource != "cpu" && metric.resource != "memory") {
    f.Unsupported(resource->Get("name"), resource->PathOf("name"),
                  fmt::format("resource \"{}\" is not supported (cpu or memory); this metric is "
                              "ignored",
                              metric.resource));
    usable = false;
  }
  std::optional<int> utilization;
  if (auto target = resource->Map("target")) {
    std::string target_type = target->String("type").value_or("Utilization");
    if (target_type == "Utilization") {
      utilization = IntInRange(*target, "averageUtilization", 1, INT_MAX, "must be >= 1");
      if (!target->Has("averageUtilization")) {
        f.Error(target->node(), target->PathOf("averageUtilization"), "required field is missing");
      }
    } else {
      f.Unsupported(target->Get("type"), target->PathOf("type"),
                    fmt::format("target type \"{}\" is not supported (only Utilization); this "
                                "metric is ignored",
                                target_type));
      target->Ignore("averageValue");
      target->Ignore("value");
      usable = false;
    }
    target->ReportUnread();
  } else if (resource->Has("targetAverageUtilization")) {  // autoscaling/v2beta1
    utilization = IntInRange(*resource, "targetAverageUtilization", 1, INT_MAX, "must be >= 1");
  } else {
    f.Error(resource->node(), resource->PathOf("target"), "required field is missing");
  }
  resource->ReportUnread();
  m.ReportUnread();
  if (!usable || !utilization) return;
  metric.average_utilization = *utilization;
  hpa.metrics.push_back(std::move(metric));
}

}  // namespace

void ConvertAutoscaler(Fields& doc, const DocumentInfo& info, Rendered& out) {
  Findings& f = doc.findings();
  model::AutoscalerSpec hpa;
  auto spec = doc.Map("spec");
  if (!spec) {
    if (!doc.Has("spec")) f.Error(doc.node(), "spec", "required field is missing");
    out.resource.spec = std::move(hpa);
    return;
  }
  if (auto ref = spec->Map("scaleTargetRef")) {
    ref->Ignore("apiVersion");
    hpa.target_kind = RequiredString(*ref, "kind");
    hpa.target_name = RequiredString(*ref, "name");
    if (!hpa.target_kind.empty() && hpa.target_kind != "Deployment") {
      f.Error(ref->Get("kind"), ref->PathOf("kind"),
              fmt::format("only Deployments can be autoscaled (got {})", hpa.target_kind));
    } else if (!hpa.target_name.empty()) {
      out.references.push_back(
          {RefKind::kDeployment, hpa.target_name, f.Where(ref->Get("name")), ref->PathOf("name")});
    }
    ref->ReportUnread();
  } else if (!spec->Has("scaleTargetRef")) {
    f.Error(spec->node(), spec->PathOf("scaleTargetRef"), "required field is missing");
  }
  hpa.min_replicas = IntInRange(*spec, "minReplicas", 1, INT_MAX, "must be >= 1").value_or(1);
  if (!spec->Has("maxReplicas")) {
    f.Error(spec->node(), spec->PathOf("maxReplicas"), "required field is missing");
  }
  hpa.max_replicas = IntInRange(*spec, "maxReplicas", 1, INT_MAX, "must be >= 1").value_or(1);
  if (spec->Has("maxReplicas") && hpa.max_replicas < hpa.min_replicas) {
    f.Error(spec->Get("maxReplicas"), spec->PathOf("maxReplicas"),
            fmt::format("must be >= minReplicas ({})", hpa.min_replicas));
  }
  if (info.api_version == "autoscaling/v1") {
    if (auto cpu =
            IntInRange(*spec, "targetCPUUtilizationPercentage", 1, INT_MAX, "must be >= 1")) {
      hpa.metrics.push_back({"cpu", *cpu});
    }
  } else if (auto metrics = spec->List("metrics")) {
    for (std::size_t i = 0; i < metrics->size(); ++i) {
      Fields m(f, (*metrics)[i], IndexPath(spec->PathOf("metrics"), i));
      if (m.is_map()) ConvertMetric(m, hpa);
    }
  }
  // With no metrics Kubernetes targets 80% average CPU utilisation.
  if (hpa.metrics.empty() && !spec->Has("metrics")) hpa.metrics.push_back({"cpu", 80});
  spec->ReportUnread();  // behavior: reported
  out.resource.spec = std::move(hpa);
}

}  // namespace capstan::renderers::kubernetes
