#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/resource.h"
#include "renderers/kubernetes/fields.h"

namespace capstan::renderers::kubernetes {

// What a reference points at. Checked in KubernetesRenderer::Finish(), once every file of the
// application is known (a Deployment may read a ConfigMap declared in another file).
enum class RefKind { kConfigMap, kSecret, kDeployment };

struct Reference {
  RefKind kind = RefKind::kConfigMap;
  std::string name;
  model::SourceLocation location;
  std::string field;
};

// A Service targetPort given by name: some container port of the workloads it selects should
// carry that name.
struct NamedTargetPort {
  std::string name;
  model::SourceLocation location;
  std::string field;
};

// One converted Kubernetes object and what Finish() still has to check about it.
struct Rendered {
  model::Resource resource;
  std::vector<Reference> references;  // only non-optional ones
  std::vector<NamedTargetPort> named_target_ports;
  // Set when the object as written cannot be served (a Service of type ExternalName): it has
  // been reported and is not emitted.
  bool drop = false;
};

// Facts about the document being converted that the kind converters need.
struct DocumentInfo {
  std::string api_version;
  std::string kind;
  bool deprecated_api = false;  // apps/v1beta1 etc.: older defaulting rules apply
};

// Kind converters. Each reads its own top-level fields of `doc` (spec, data, ...) — apiVersion,
// kind, metadata and status are handled by the caller, which also calls doc.ReportUnread() —
// fills `out.resource.spec` and appends references. Problems go to doc.findings().
void ConvertDeployment(Fields& doc, const DocumentInfo& info, Rendered& out);
void ConvertJob(Fields& doc, const DocumentInfo& info, Rendered& out);
void ConvertService(Fields& doc, const DocumentInfo& info, Rendered& out);
void ConvertConfigMap(Fields& doc, const DocumentInfo& info, Rendered& out);
void ConvertSecret(Fields& doc, const DocumentInfo& info, Rendered& out);
void ConvertAutoscaler(Fields& doc, const DocumentInfo& info, Rendered& out);
// A bare Pod: a one-replica workload, or a one-completion Job (see pod.cc). Sets
// out.resource.id.kind itself, since that depends on the pod's restartPolicy.
void ConvertPod(Fields& doc, const DocumentInfo& info, Rendered& out);

// The label a bare Pod's task carries and its workload selects on.
inline constexpr std::string_view kPodLabel = "capstan.io/pod";

}  // namespace capstan::renderers::kubernetes
