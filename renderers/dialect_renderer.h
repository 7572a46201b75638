#pragma once

#include <string>
#include <string_view>

#include "model/desired_state.h"
#include "model/diagnostic.h"
#include "renderers/render_options.h"

namespace capstan::renderers {

// Turns the manifest files of one application, in one dialect, into model resources.
// Usage: AddFile() for each file Accepts(), then Finish() once. Files may reference each other
// (an ECS service names a task definition in another file), so resources are emitted by Finish().
// Errors and warnings go to `diagnostics`, each with file:line:column and a field path; a file
// with errors contributes no resources. Never throws.
class DialectRenderer {
 public:
  virtual ~DialectRenderer() = default;

  // Whether this dialect reads `path` (by extension, and content where extensions are shared).
  virtual bool Accepts(const std::string& path, std::string_view content) const = 0;
  // `path` is relative to the snapshot root, as diagnostics should name it.
  virtual void AddFile(const std::string& path, std::string_view content) = 0;
  // Adds the resources to `app` (app.name is set) and appends findings to `diagnostics`.
  virtual void Finish(model::Application& app, model::Diagnostics& diagnostics) = 0;
};

}  // namespace capstan::renderers
