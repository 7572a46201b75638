// apps/v1 Deployment -> model::WorkloadSpec.
#include <fmt/format.h>

#include <climits>

#include "renderers/kubernetes/converters.h"
#include "renderers/kubernetes/pod_template.h"

namespace capstan::renderers::kubernetes {
namespace {

// maxSurge / maxUnavailable: a non-negative count or "<n>%".
std::optional<model::IntOrPercent> ReadIntOrPercent(Fields& fields, std::string_view key,
                                                    int max_percent) {
  auto value = fields.IntOrStr(key);
  if (!value) return std::nullopt;
  YAML::Node at = fields.Get(key);
  Findings& f = fields.findings();
  if (value->is_int) {
    if (value->int_value < 0) {
      f.Error(at, fields.PathOf(key), fmt::format("must be >= 0 (got {})", value->int_value));
      return std::nullopt;
    }
    return model::IntOrPercent::Count(value->int_value);
  }
  const std::string& s = value->str;
  int percent = 0;
  bool ok = s.size() >= 2 && s.size() <= 5 && s.back() == '%';
  for (std::size_t i = 0; ok && i + 1 < s.size(); ++i) {
    ok = s[i] >= '0' && s[i] <= '9';
    percent = percent * 10 + (s[i] - '0');
  }
  if (!ok) {
    f.Error(at, fields.PathOf(key),
            fmt::format("\"{}\" is not a count or a percentage such as \"25%\"", s));
    return std::nullopt;
  }
  if (percent > max_percent) {
    f.Error(at, fields.PathOf(key),
            fmt::format("must not be greater than {}% (got {})", max_percent, s));
    return std::nullopt;
  }
  return model::IntOrPercent::Percent(percent);
}

void ConvertStrategy(Fields& spec, model::WorkloadSpec& w) {
  auto strategy = spec.Map("strategy");
  if (!strategy) return;
  Findings& f = spec.findings();
  std::string type = strategy->String("type").value_or("RollingUpdate");
  if (type == "Recreate") {
    w.strategy = model::RolloutStrategy::kRecreate;
    if (strategy->Has("rollingUpdate")) {
      f.Error(strategy->Get("rollingUpdate"), strategy->PathOf("rollingUpdate"),
              "may not be specified when strategy type is Recreate");
    }
  } else if (type == "RollingUpdate") {
    w.strategy = model::RolloutStrategy::kRollingUpdate;
    if (auto ru = strategy->Map("rollingUpdate")) {
      if (auto surge = ReadIntOrPercent(*ru, "maxSurge", INT_MAX)) w.max_surge = *surge;
      if (auto unavailable = ReadIntOrPercent(*ru, "maxUnavailable", 100)) {
        w.max_unavailable = *unavailable;
      }
      if (w.max_surge.value == 0 && w.max_unavailable.value == 0) {
        f.Error(ru->node(), ru->path(),
                "maxSurge and maxUnavailable may not both be zero: the rollout could never "
                "make progress");
      }
      ru->ReportUnread();
    }
  } else {
    f.Error(strategy->Get("type"), strategy->PathOf("type"),
            fmt::format("must be RollingUpdate or Recreate (got \"{}\")", type));
  }
  strategy->ReportUnread();
}

}  // namespace

void ConvertDeployment(Fields& doc, const DocumentInfo& info, Rendered& out) {
  Findings& f = doc.findings();
  model::WorkloadSpec w;
  auto spec = doc.Map("spec");
  if (!spec) {
    if (!doc.Has("spec")) f.Error(doc.node(), "spec", "required field is missing");
    out.resource.spec = std::move(w);
    return;
  }
  w.replicas = IntInRange(*spec, "replicas", 0, INT_MAX, "must be >= 0").value_or(1);

  auto tpl = spec->Map("template");
  if (tpl) {
    ConvertPodTemplate(*tpl, PodOwner::kDeployment, w.task, out.references);
  } else if (!spec->Has("template")) {
    f.Error(spec->node(), spec->PathOf("template"), "required field is missing");
  }

  if (auto selector = spec->Map("selector")) {
    w.selector = selector->StringMap("matchLabels").value_or(std::map<std::string, std::string>{});
    if (selector->Has("matchExpressions")) {
      f.Unsupported(selector->Get("matchExpressions"), selector->PathOf("matchExpressions"),
                    "matchExpressions are not supported; only matchLabels select pods");
    }
    selector->ReportUnread();
    if (w.selector.empty()) {
      f.Error(selector->node(), selector->PathOf("matchLabels"),
              "must not be empty: a Deployment must select its pods by label");
    }
  } else if (!spec->Has("selector")) {
    if (info.deprecated_api) {
      w.selector = w.task.labels;  // the pre-apps/v1 default
    } else {
      f.Error(spec->node(), spec->PathOf("selector"), "required field is missing");
    }
  }
  // Kubernetes rejects a selector that does not match the template: the Deployment would never
  // see its own pods.
  if (tpl) {
    for (const auto& [key, value] : w.selector) {
      auto it = w.task.labels.find(key);
      if (it != w.task.labels.end() && it->second == value) continue;
      YAML::Node labels = tpl->node()["metadata"]["labels"];
      f.Error(Present(labels) ? labels : tpl->node(), tpl->PathOf("metadata.labels"),
              fmt::format("selector does not match template labels: {}={} is {}", key, value,
                          it == w.task.labels.end()
                              ? "missing"
                              : fmt::format("\"{}\" in the template", it->second)));
    }
  }

  ConvertStrategy(*spec, w);
  w.min_ready_seconds =
      IntInRange(*spec, "minReadySeconds", 0, INT_MAX, "must be >= 0").value_or(0);
  w.progress_deadline_seconds =
      IntInRange(*spec, "progressDeadlineSeconds", 1, INT_MAX, "must be >= 1").value_or(600);
  if (spec->Has("progressDeadlineSeconds") && w.progress_deadline_seconds <= w.min_ready_seconds) {
    f.Error(spec->Get("progressDeadlineSeconds"), spec->PathOf("progressDeadlineSeconds"),
            "must be greater than minReadySeconds");
  }
  w.revision_history_limit =
      IntInRange(*spec, "revisionHistoryLimit", 0, INT_MAX, "must be >= 0").value_or(10);
  w.paused = spec->Bool("paused").value_or(false);
  spec->ReportUnread();
  out.resource.spec = std::move(w);
}

}  // namespace capstan::renderers::kubernetes
