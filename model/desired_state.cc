#include "model/desired_state.h"

namespace capstan::model {

const Resource* Application::Find(ResourceKind kind, const std::string& resource_name) const {
  auto it = resources.find(ResourceId{name, kind, resource_name});
  return it == resources.end() ? nullptr : &it->second;
}

std::size_t DesiredState::ResourceCount() const {
  std::size_t n = 0;
  for (const auto& [name, app] : apps) n += app.resources.size();
  return n;
}

std::set<std::string> InvalidApps(const DesiredState& state) {
  std::set<std::string> out;
  for (const auto& d : state.diagnostics) {
    if (d.severity == Severity::kError && !d.app.empty()) out.insert(d.app);
  }
  return out;
}

bool HasSnapshotErrors(const DesiredState& state) {
  for (const auto& d : state.diagnostics) {
    if (d.severity == Severity::kError && d.app.empty()) return true;
  }
  return false;
}

Diagnostics DiagnosticsOf(const DesiredState& state, const std::string& app) {
  Diagnostics out;
  for (const auto& d : state.diagnostics) {
    if (d.app == app) out.push_back(d);
  }
  return out;
}

}  // namespace capstan::model
