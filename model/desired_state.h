#pragma once

#include <map>
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

}  // namespace capstan::model
