#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "renderers/dialect_renderer.h"
#include "renderers/kubernetes/converters.h"
#include "renderers/render_options.h"

namespace capstan::renderers {

// Renders Kubernetes manifests (YAML, multi-document; or JSON objects with apiVersion and kind)
// into model resources: apps/v1 Deployment, batch/v1 Job, v1 Pod (a one-replica workload or a
// one-completion Job, see pod.cc), v1 Service, ConfigMap and Secret, autoscaling/v2
// HorizontalPodAutoscaler (plus removed API versions of these, with a warning).
// Anything else is reported as an unsupported kind; unknown fields are reported by path.
//
// Budgets (RenderOptions::limits) are enforced before anything is converted: file size before
// parsing, nesting depth and expanded node count (aliases included) per document.
//
// All-or-nothing per FILE: a file with any error — in any of its documents, or found by Finish()
// (a duplicate name, a reference to a missing ConfigMap/Secret/Deployment) — contributes no
// resources. Finish() repeats its reference checks until no more files drop out, so what it emits
// never references something it withheld.
//
// Not thread-safe: one instance renders one application, from one thread.
class KubernetesRenderer final : public DialectRenderer {
 public:
  explicit KubernetesRenderer(const RenderOptions& options);
  KubernetesRenderer(const KubernetesRenderer&) = delete;
  KubernetesRenderer& operator=(const KubernetesRenderer&) = delete;

  // .yaml / .yml always; .json when its top-level object has both "apiVersion" and "kind"
  // (checked with a streaming scan that stops early, never building a DOM).
  bool Accepts(const std::string& path, std::string_view content) const override;
  void AddFile(const std::string& path, std::string_view content) override;
  void Finish(model::Application& app, model::Diagnostics& diagnostics) override;

 private:
  struct File {
    std::string path;
    std::vector<kubernetes::Rendered> objects;
    bool rejected = false;  // had an error: contributes nothing
  };

  RenderOptions options_;
  std::vector<File> files_;
  model::Diagnostics diagnostics_;  // from AddFile(), handed over by Finish()
  std::size_t total_bytes_ = 0;
};

}  // namespace capstan::renderers
