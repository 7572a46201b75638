#include "renderers/renderer.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "model/revision.h"
#include "renderers/app_layout.h"
#include "renderers/driver_checks.h"
#include "renderers/ecs/ecs_renderer.h"
#include "renderers/kubernetes/kubernetes_renderer.h"

namespace capstan::renderers {
namespace {

std::string DisplayPath(const model::Snapshot& snapshot, const std::string& relative) {
  return snapshot.path.empty() ? relative : snapshot.path + "/" + relative;
}

struct RenderedApp {
  model::Application app;
  model::Diagnostics diagnostics;
};

// Renders the files of one application folder. Pure: reads only the snapshot.
RenderedApp RenderApplication(const model::Snapshot& snapshot, const AppFolder& folder,
                              const RenderOptions& options, const DialectFactory& make_dialects) {
  RenderedApp out;
  out.app.name = folder.name;
  out.app.source_path = DisplayPath(snapshot, folder.path);
  auto dialects = make_dialects(options);
  const std::string prefix = folder.path + "/";
  for (auto it = snapshot.files.lower_bound(prefix);
       it != snapshot.files.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    for (auto& dialect : dialects) {
      if (!dialect->Accepts(it->first, it->second)) continue;
      dialect->AddFile(DisplayPath(snapshot, it->first), it->second);
      break;
    }
  }
  for (auto& dialect : dialects) dialect->Finish(out.app, out.diagnostics);
  for (auto& d : CheckDrivers(out.app)) out.diagnostics.push_back(std::move(d));
  model::AssignRevisions(out.app);
  return out;
}

// Bytes of the files that could be manifests, checked before anything is parsed.
std::size_t ManifestBytes(const model::Snapshot& snapshot, const std::vector<AppFolder>& apps) {
  std::size_t bytes = 0;
  for (const auto& folder : apps) {
    const std::string prefix = folder.path + "/";
    for (auto it = snapshot.files.lower_bound(prefix);
         it != snapshot.files.end() && it->first.rfind(prefix, 0) == 0; ++it) {
      const std::string& path = it->first;
      const auto dot = path.rfind('.');
      const std::string ext = dot == std::string::npos ? "" : path.substr(dot);
      if (ext == ".yaml" || ext == ".yml" || ext == ".json") bytes += it->second.size();
    }
  }
  return bytes;
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
  const std::size_t bytes = ManifestBytes(snapshot, apps);
  if (bytes > options.limits.max_snapshot_bytes) {
    state.diagnostics.push_back(
        {model::Severity::kError,
         {DisplayPath(snapshot, ""), 0, 0},
         "",
         fmt::format("manifests of this revision ({} bytes) exceed {} bytes in all; refusing to "
                     "render",
                     bytes, options.limits.max_snapshot_bytes)});
    return state;
  }

  // Applications are independent: render them on a few threads (yaml-cpp parsing dominates),
  // each into its own slot, then merge in name order so the result does not depend on timing.
  std::vector<RenderedApp> rendered(apps.size());
  const std::size_t workers =
      std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), 4);
  auto render_range = [&](std::size_t first, std::size_t step) {
    for (std::size_t i = first; i < apps.size(); i += step) {
      rendered[i] = RenderApplication(snapshot, apps[i], options, dialects);
    }
  };
  if (workers <= 1 || apps.size() < 8) {
    render_range(0, 1);
  } else {
    std::vector<std::thread> threads;
    for (std::size_t w = 1; w < workers; ++w) threads.emplace_back(render_range, w, workers);
    render_range(0, workers);
    for (auto& t : threads) t.join();
  }
  for (auto& r : rendered) {
    for (auto& d : r.diagnostics) {
      d.app = r.app.name;
      state.diagnostics.push_back(std::move(d));
    }
    state.apps[r.app.name] = std::move(r.app);
  }
  return state;
}

}  // namespace capstan::renderers
