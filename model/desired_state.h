#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/diagnostic.h"
#include "model/resource.h"

namespace capstan::model {

// The resources of one application, keyed by identity so lookups and diffs are ordered.
struct Application {
  std::string name;
  std::string source_path;  // the folder it was rendered from
  std::map<ResourceId, Resource> resources;

  const Resource* Find(ResourceKind kind, const std::string& name) const;
};

// Everything a revision of the repository asks for, plus what rendering had to say about it.
struct DesiredState {
  std::string commit;
  std::map<std::string, Application> apps;
  Diagnostics diagnostics;

  std::size_t ResourceCount() const;
};

// Per-application atomicity (Argo CD and Flux validate and apply each application on its own):
// an application with an error must not be applied, the others may. Capstan's model has no
// references across applications (each application's ConfigMaps, Secrets, task definitions and
// autoscaler targets resolve inside it), so one application's errors never block another's.

// The applications with at least one error.
std::set<std::string> InvalidApps(const DesiredState& state);
// Whether an error belongs to no application (repository layout, size budgets): then nothing of
// the snapshot may be applied.
bool HasSnapshotErrors(const DesiredState& state);
// The diagnostics of one application.
Diagnostics DiagnosticsOf(const DesiredState& state, const std::string& app);

}  // namespace capstan::model
