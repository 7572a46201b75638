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

}  // namespace capstan::model
