#include "renderers/renderer.h"

#include <fmt/format.h>

#include "model/revision.h"
#include "renderers/app_layout.h"
#include "renderers/ecs/ecs_renderer.h"
#include "renderers/kubernetes/kubernetes_renderer.h"

namespace capstan::renderers {
namespace {

std::string DisplayPath(const model::Snapshot& snapshot, const std::string& relative) {
  return snapshot.path.empty() ? relative : snapshot.path + "/" + relative;
}

// Renders the files of one application folder. Returns false if the snapshot budget ran out.
void RenderApplication(const model::Snapshot& snapshot, const AppFolder& folder,
                       const RenderOptions& options, const DialectFactory& make_dialects,
                       std::size_t& bytes_seen, model::DesiredState& state) {
  model::Application app;
  app.name = folder.name;
  app.source_path = DisplayPath(snapshot, folder.path);
  auto dialects = make_dialects(options);
  const std::string prefix = folder.path + "/";
  for (auto it = snapshot.files.lower_bound(prefix);
       it != snapshot.files.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    const std::string& content = it->second;
    const std::string display = DisplayPath(snapshot, it->first);
    for (auto& dialect : dialects) {
      if (!dialect->Accepts(it->first, content)) continue;
      bytes_seen += content.size();
      if (bytes_seen > options.limits.max_snapshot_bytes) {
        state.diagnostics.push_back(
            {model::Severity::kError, {display, 0, 0}, "",
             fmt::format("manifests of this revision exceed {} bytes in all; refusing to render",
                         options.limits.max_snapshot_bytes)});
        return;
      }
      dialect->AddFile(display, content);
      break;
    }
  }
  for (auto& dialect : dialects) dialect->Finish(app, state.diagnostics);
  model::AssignRevisions(app);
  state.apps[app.name] = std::move(app);
}

}  // namespace

std::vector<std::unique_ptr<DialectRenderer>> DefaultDialects(const RenderOptions& options) {
  std::vector<std::unique_ptr<DialectRenderer>> dialects;
  dialects.push_back(std::make_unique<KubernetesRenderer>(options));
  dialects.push_back(std::make_unique<EcsRenderer>(options));
  return dialects;
}

model::DesiredState Render(const model::Snapshot& snapshot, const RenderOptions& options,
                           const DialectFactory& dialects) {
  model::DesiredState state;
  state.commit = snapshot.commit;
  model::Diagnostics layout_diagnostics;
  std::vector<AppFolder> apps = FindApplications(snapshot, layout_diagnostics);
  for (auto& d : layout_diagnostics) {
    d.location.file = DisplayPath(snapshot, d.location.file);
    state.diagnostics.push_back(std::move(d));
  }
  std::size_t bytes_seen = 0;
  for (const auto& folder : apps) {
    RenderApplication(snapshot, folder, options, dialects, bytes_seen, state);
    if (bytes_seen > options.limits.max_snapshot_bytes) break;
  }
  return state;
}

}  // namespace capstan::renderers
