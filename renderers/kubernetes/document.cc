#include "renderers/kubernetes/document.h"

#include <fmt/format.h>

#include <array>

#include "renderers/kubernetes/names.h"

namespace capstan::renderers::kubernetes {
namespace {

using Converter = void (*)(Fields&, const DocumentInfo&, Rendered&);

// The apiVersion/kind pairs Capstan reads. `replacement` is set for API versions that Kubernetes
// has removed: they still render, with a warning naming the version to move to.
struct KnownKind {
  std::string_view api_version;
  std::string_view kind;
  model::ResourceKind model_kind;
  Converter convert;
  std::string_view replacement;  // "" = current
  std::string_view removed_in;
};

constexpr std::array kKnownKinds = {
    KnownKind{"apps/v1", "Deployment", model::ResourceKind::kWorkload, ConvertDeployment, "", ""},
    KnownKind{"apps/v1beta1", "Deployment", model::ResourceKind::kWorkload, ConvertDeployment,
              "apps/v1", "1.16"},
    KnownKind{"apps/v1beta2", "Deployment", model::ResourceKind::kWorkload, ConvertDeployment,
              "apps/v1", "1.16"},
    KnownKind{"extensions/v1beta1", "Deployment", model::ResourceKind::kWorkload, ConvertDeployment,
              "apps/v1", "1.16"},
    KnownKind{"batch/v1", "Job", model::ResourceKind::kJob, ConvertJob, "", ""},
    KnownKind{"batch/v1beta1", "Job", model::ResourceKind::kJob, ConvertJob, "batch/v1", "1.25"},
    // kWorkload, or kJob when its restartPolicy is not Always: ConvertPod decides.
    KnownKind{"v1", "Pod", model::ResourceKind::kWorkload, ConvertPod, "", ""},
    KnownKind{"v1", "Service", model::ResourceKind::kService, ConvertService, "", ""},
    KnownKind{"v1", "ConfigMap", model::ResourceKind::kConfigMap, ConvertConfigMap, "", ""},
    KnownKind{"v1", "Secret", model::ResourceKind::kSecret, ConvertSecret, "", ""},
    KnownKind{"autoscaling/v2", "HorizontalPodAutoscaler", model::ResourceKind::kAutoscaler,
              ConvertAutoscaler, "", ""},
    KnownKind{"autoscaling/v1", "HorizontalPodAutoscaler", model::ResourceKind::kAutoscaler,
              ConvertAutoscaler, "", ""},
    KnownKind{"autoscaling/v2beta2", "HorizontalPodAutoscaler", model::ResourceKind::kAutoscaler,
              ConvertAutoscaler, "autoscaling/v2", "1.26"},
    KnownKind{"autoscaling/v2beta1", "HorizontalPodAutoscaler", model::ResourceKind::kAutoscaler,
              ConvertAutoscaler, "autoscaling/v2", "1.25"},
};

const KnownKind* Lookup(std::string_view api_version, std::string_view kind) {
  for (const auto& k : kKnownKinds) {
    if (k.api_version == api_version && k.kind == kind) return &k;
  }
  return nullptr;
}

// The current apiVersion for a kind Capstan knows, to hint at a typo'd or foreign group.
std::string_view CurrentVersionOf(std::string_view kind) {
  for (const auto& k : kKnownKinds) {
    if (k.kind == kind && k.replacement.empty()) return k.api_version;
  }
  return "";
}

}  // namespace

std::optional<Rendered> ConvertDocument(const YAML::Node& root, Findings& findings) {
  if (!root.IsMap()) {
    findings.Error(
        root, "",
        fmt::format("a manifest must be a map with apiVersion and kind, got {}", TypeName(root)));
    return std::nullopt;
  }
  Fields doc(findings, root, "");
  std::string api_version = RequiredString(doc, "apiVersion");
  std::string kind = RequiredString(doc, "kind");
  if (api_version.empty() || kind.empty()) return std::nullopt;

  auto meta = doc.Map("metadata");
  std::string name = meta ? meta->String("name").value_or("") : "";
  std::string generate_name = meta ? meta->String("generateName").value_or("") : "";

  const KnownKind* known = Lookup(api_version, kind);
  if (known == nullptr) {
    std::string hint;
    if (std::string_view current = CurrentVersionOf(kind); !current.empty()) {
      hint = fmt::format("; Capstan reads {} as {}", kind, current);
    }
    std::string shown = name.empty() ? generate_name : name;
    findings.Unsupported(doc.Get("kind"), "kind",
                         fmt::format("unsupported kind {}{}{} ({}){}", kind,
                                     shown.empty() ? "" : " ", shown, api_version, hint));
    return std::nullopt;  // its fields are not ours to judge
  }
  if (!known->replacement.empty()) {
    findings.Warning(doc.Get("apiVersion"), "apiVersion",
                     fmt::format("{} {} was removed in Kubernetes {}; use {}", api_version, kind,
                                 known->removed_in, known->replacement));
  }

  Rendered out;
  out.resource.dialect = model::Dialect::kKubernetes;
  out.resource.source_kind = kind;
  out.resource.origin = findings.Where(root);
  out.resource.id.kind = known->model_kind;
  if (!meta) {
    if (!doc.Has("metadata")) findings.Error(root, "metadata", "required field is missing");
  } else {
    if (name.empty() && !generate_name.empty()) {
      findings.Error(meta->Get("generateName"), "metadata.generateName",
                     fmt::format("generateName (\"{}\") is not supported: Capstan needs a stable "
                                 "metadata.name to compare revisions against; set metadata.name",
                                 generate_name));
    } else if (name.empty()) {
      RequiredString(*meta, "name");  // reports missing or empty
    } else {
      // Services become DNS names on their own: a label. Everything else: a subdomain.
      std::string why = known->model_kind == model::ResourceKind::kService
                            ? CheckDns1123Label(name)
                            : CheckDns1123Subdomain(name);
      if (!why.empty()) findings.Error(meta->Get("name"), "metadata.name", why);
    }
    if (!name.empty() && !generate_name.empty()) meta->Ignore("generateName");
    out.resource.id.name = name;
    out.resource.labels = meta->StringMap("labels").value_or(std::map<std::string, std::string>{});
    meta->StringMap("annotations");  // type-checked; annotations carry no desired state here
    // The application is the namespace; the rest is written by the API server, not by people.
    for (std::string_view ignored : {"namespace", "creationTimestamp", "uid", "resourceVersion",
                                     "generation", "selfLink", "managedFields"}) {
      meta->Ignore(ignored);
    }
    meta->ReportUnread();
  }
  doc.Ignore("status");

  DocumentInfo info{api_version, kind, !known->replacement.empty()};
  known->convert(doc, info, out);
  doc.ReportUnread();
  if (out.drop || out.resource.id.name.empty()) return std::nullopt;
  return out;
}

}  // namespace capstan::renderers::kubernetes
