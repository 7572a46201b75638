#include "tests/renderers/kubernetes/render_helpers.h"

#include "renderers/kubernetes/kubernetes_renderer.h"

namespace capstan::renderers::testing {

std::vector<model::Diagnostic> Rendering::WithField(const std::string& field) const {
  std::vector<model::Diagnostic> out;
  for (const auto& d : diagnostics) {
    if (d.field == field) out.push_back(d);
  }
  return out;
}

std::string Rendering::Dump() const {
  std::string out;
  for (const auto& d : diagnostics) out += d.ToString() + "\n";
  return out;
}

Rendering Render(const std::vector<std::pair<std::string, std::string>>& files,
                 const RenderOptions& options) {
  KubernetesRenderer renderer(options);
  Rendering r;
  r.app.name = "web";
  for (const auto& [path, content] : files) {
    if (renderer.Accepts(path, content)) renderer.AddFile(path, content);
  }
  renderer.Finish(r.app, r.diagnostics);
  return r;
}

bool HasDiagnostic(const model::Diagnostics& diagnostics, model::Severity severity,
                   const std::string& where, const std::string& field,
                   const std::string& message_part) {
  for (const auto& d : diagnostics) {
    if (d.severity == severity && d.location.ToString() == where && d.field == field &&
        d.message.find(message_part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace capstan::renderers::testing
