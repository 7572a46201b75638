#pragma once

#include <string>
#include <vector>

#include "model/diagnostic.h"
#include "model/snapshot.h"

namespace capstan::renderers {

struct AppFolder {
  std::string name;
  std::string path;  // relative to the snapshot root, no trailing '/'
  model::SourceLocation declared_at;
};

// Which folders of the snapshot are applications: the `apps:` list of a root `capstan.yaml`, or
// else every top-level folder. Problems (malformed capstan.yaml, bad names, a listed path with no
// files, manifests outside every application) are appended to `diagnostics`.
std::vector<AppFolder> FindApplications(const model::Snapshot& snapshot,
                                        model::Diagnostics& diagnostics);

// DNS-1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric, ≤ 63.
bool IsDns1123Label(const std::string& name);

}  // namespace capstan::renderers
