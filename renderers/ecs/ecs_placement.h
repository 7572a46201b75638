#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/task_template.h"
#include "renderers/ecs/ecs_document.h"

namespace capstan::renderers::ecs {

// Which placement constraint types a document may use: task definitions allow only memberOf;
// services and run-task allow distinctInstance too (AWS API reference,
// TaskDefinitionPlacementConstraint vs PlacementConstraint).
enum class ConstraintScope { kTaskDefinition, kServiceOrTask };

// Reads `placementConstraints` of `object` (at field `path`), reporting errors to `doc`.
// At most 10 constraints (the AWS limit). Invalid entries are reported and skipped.
std::vector<model::PlacementConstraint> ReadPlacementConstraints(EcsDocument& doc,
                                                                 const nlohmann::json& object,
                                                                 const std::string& path,
                                                                 ConstraintScope scope);

// Reads `placementStrategy`: binpack (field cpu|memory), spread (field instanceId, host or
// attribute:<name>), random (no field). At most 5 rules (the AWS limit).
std::vector<model::PlacementStrategy> ReadPlacementStrategies(EcsDocument& doc,
                                                              const nlohmann::json& object,
                                                              const std::string& path);

}  // namespace capstan::renderers::ecs
