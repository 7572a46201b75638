#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>

#include "renderers/kubernetes/converters.h"
#include "renderers/kubernetes/findings.h"

namespace capstan::renderers::kubernetes {

// Converts one YAML document (already within budget, see CheckBudget) into a resource:
// dispatches on apiVersion/kind, reads metadata (name rules, labels; generateName refused),
// warns about removed API versions and reports unsupported kinds. Returns nullopt when the
// document yields nothing (unsupported kind, dropped object, or no usable identity); problems go
// to `findings`. The resource's id.app is left empty for the caller.
std::optional<Rendered> ConvertDocument(const YAML::Node& root, Findings& findings);

}  // namespace capstan::renderers::kubernetes
