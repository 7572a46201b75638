#pragma once

#include <string>
#include <vector>

#include "model/resource.h"

namespace capstan::model {

// One leaf of a resource: "spec.task.containers[web].image" = "nginx:1.27".
struct FlatField {
  std::string path;
  std::string value;
  bool sensitive = false;  // Secret data: compare it, never print it
};

// Flattens a resource spec into ordered leaves with stable, readable paths. Lists of named things
// (containers, env, ports, volumes) are keyed by name, not index, so inserting one element shows
// as one added field rather than a shifted list. This is what diffs and revisions are made of.
std::vector<FlatField> Flatten(const ResourceSpec& spec);
std::vector<FlatField> FlattenTaskTemplate(const TaskTemplate& task, const std::string& prefix);

}  // namespace capstan::model
