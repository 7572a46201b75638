#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/desired_state.h"
#include "model/diagnostic.h"
#include "renderers/render_options.h"

namespace capstan::renderers::testing {

struct Rendering {
  model::Application app;
  model::Diagnostics diagnostics;

  // The resource with that model kind and name, or nullptr.
  const model::Resource* Find(model::ResourceKind kind, const std::string& name) const {
    return app.Find(kind, name);
  }
  // Diagnostics whose field equals `field`.
  std::vector<model::Diagnostic> WithField(const std::string& field) const;
  // All diagnostics, one per line, for failure messages.
  std::string Dump() const;
};

// Renders `files` (path -> content, in order) as application "web" with a KubernetesRenderer.
Rendering Render(const std::vector<std::pair<std::string, std::string>>& files,
                 const RenderOptions& options = {});
inline Rendering RenderOne(const std::string& content, const RenderOptions& options = {}) {
  return Render({{"web/m.yaml", content}}, options);
}

// True when some diagnostic has exactly this severity, "file:line:col" and field, and a message
// containing `message_part`.
bool HasDiagnostic(const model::Diagnostics& diagnostics, model::Severity severity,
                   const std::string& where, const std::string& field,
                   const std::string& message_part);

}  // namespace capstan::renderers::testing
