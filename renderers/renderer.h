#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "model/desired_state.h"
#include "model/snapshot.h"
#include "renderers/dialect_renderer.h"
#include "renderers/render_options.h"

namespace capstan::renderers {

// Makes a fresh set of dialect renderers for one application. Render() calls it from several
// threads at once (applications render in parallel), so it must be thread-safe.
using DialectFactory =
    std::function<std::vector<std::unique_ptr<DialectRenderer>>(const RenderOptions&)>;

// The dialects Capstan speaks: Kubernetes YAML (and Kubernetes JSON) and ECS JSON.
std::vector<std::unique_ptr<DialectRenderer>> DefaultDialects(const RenderOptions& options);

// Turns a snapshot into the desired state of every application in it.
//
// Applications: if the snapshot has a `capstan.yaml` at its root with an `apps:` list
// (`- name: web` / `path: apps/web`), those; otherwise every top-level folder is one application
// named after the folder. Manifest files directly at the root are reported (they belong to no
// application); files no dialect accepts (README.md, ...) are ignored.
//
// The result always carries every diagnostic, each naming its application (Diagnostic::app; empty
// for findings about the snapshot as a whole). `model::HasSnapshotErrors(state)` means nothing of
// the snapshot may be applied; otherwise each application of `model::InvalidApps(state)` must be
// held at what runs today while the others may be applied. Pure: reads nothing but the snapshot.
// Applications are rendered on up to four threads; the result is the same whatever the timing.
model::DesiredState Render(const model::Snapshot& snapshot, const RenderOptions& options,
                           const DialectFactory& dialects = DefaultDialects);

}  // namespace capstan::renderers
