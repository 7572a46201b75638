#include "renderers/ecs/ecs_placement.h"

#include <fmt/format.h>

namespace capstan::renderers::ecs {

using nlohmann::json;

std::vector<model::PlacementConstraint> ReadPlacementConstraints(EcsDocument& doc,
                                                                 const json& object,
                                                                 const std::string& path,
                                                                 ConstraintScope scope) {
  std::vector<model::PlacementConstraint> out;
  const json* array = doc.Array(object, "placementConstraints", path);
  if (array == nullptr) return out;
  const std::string field = MemberPath(path, "placementConstraints");
  constexpr std::size_t kMaxConstraints = 10;
  if (array->size() > kMaxConstraints) {
    doc.Error(field, fmt::format("at most {} placement constraints are allowed, not {}",
                                 kMaxConstraints, array->size()));
    return out;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const json& entry = (*array)[i];
    const std::string at = ElementPath(field, i);
    if (!entry.is_object()) {
      doc.Error(at, fmt::format("must be an object, not {}", EcsDocument::TypeName(entry)));
      continue;
    }
    doc.ReportUnhandled(entry, at, {"type", "expression"});
    const auto type = doc.String(entry, "type", at);
    const auto expression = doc.String(entry, "expression", at);
    if (!type) {
      if (!EcsDocument::Has(entry, "type")) doc.Error(MemberPath(at, "type"), "is required");
      continue;
    }
    model::PlacementConstraint constraint;
    if (*type == "memberOf") {
      if (!expression || expression->empty()) {
        doc.Error(MemberPath(at, "expression"), "is required for a memberOf constraint");
        continue;
      }
      constraint.type = model::PlacementConstraintType::kMemberOf;
      constraint.expression = *expression;
    } else if (*type == "distinctInstance" && scope == ConstraintScope::kServiceOrTask) {
      if (expression) {
        doc.Error(MemberPath(at, "expression"),
                  "a distinctInstance constraint takes no expression");
        continue;
      }
      constraint.type = model::PlacementConstraintType::kDistinctInstance;
    } else {
      doc.Error(MemberPath(at, "type"),
                scope == ConstraintScope::kTaskDefinition
                    ? fmt::format("\"{}\": a task definition allows only memberOf", *type)
                    : fmt::format("\"{}\": must be distinctInstance or memberOf", *type));
      continue;
    }
    out.push_back(std::move(constraint));
  }
  return out;
}

std::vector<model::PlacementStrategy> ReadPlacementStrategies(EcsDocument& doc, const json& object,
                                                              const std::string& path) {
  std::vector<model::PlacementStrategy> out;
  const json* array = doc.Array(object, "placementStrategy", path);
  if (array == nullptr) return out;
  const std::string field = MemberPath(path, "placementStrategy");
  constexpr std::size_t kMaxStrategies = 5;
  if (array->size() > kMaxStrategies) {
    doc.Error(field, fmt::format("at most {} placement strategy rules are allowed, not {}",
                                 kMaxStrategies, array->size()));
    return out;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const json& entry = (*array)[i];
    const std::string at = ElementPath(field, i);
    if (!entry.is_object()) {
      doc.Error(at, fmt::format("must be an object, not {}", EcsDocument::TypeName(entry)));
      continue;
    }
    doc.ReportUnhandled(entry, at, {"type", "field"});
    const auto type = doc.String(entry, "type", at);
    const auto strategy_field = doc.String(entry, "field", at);
    if (!type) {
      if (!EcsDocument::Has(entry, "type")) doc.Error(MemberPath(at, "type"), "is required");
      continue;
    }
    model::PlacementStrategy strategy;
    const std::string field_path = MemberPath(at, "field");
    if (*type == "binpack") {
      if (!strategy_field) {
        doc.Error(field_path, "is required for binpack (cpu or memory)");
        continue;
      }
      if (*strategy_field != "cpu" && *strategy_field != "memory") {
        doc.Error(field_path,
                  fmt::format("\"{}\": binpack works on cpu or memory", *strategy_field));
        continue;
      }
      strategy.type = model::PlacementStrategyType::kBinpack;
      strategy.field = *strategy_field;
    } else if (*type == "spread") {
      if (!strategy_field || strategy_field->empty()) {
        doc.Error(field_path, "is required for spread (instanceId, host or attribute:<name>)");
        continue;
      }
      const bool valid = *strategy_field == "instanceId" || *strategy_field == "host" ||
                         (strategy_field->rfind("attribute:", 0) == 0 &&
                          strategy_field->size() > std::string_view("attribute:").size());
      if (!valid) {
        doc.Error(field_path, fmt::format("\"{}\": spread works on instanceId, host or "
                                          "attribute:<name>",
                                          *strategy_field));
        continue;
      }
      strategy.type = model::PlacementStrategyType::kSpread;
      // "host" is AWS' synonym for instanceId.
      strategy.field = *strategy_field == "host" ? "instanceId" : *strategy_field;
    } else if (*type == "random") {
      if (strategy_field) doc.Warning(field_path, "ignored: random placement takes no field");
      strategy.type = model::PlacementStrategyType::kRandom;
    } else {
      doc.Error(MemberPath(at, "type"),
                fmt::format("\"{}\": must be binpack, spread or random", *type));
      continue;
    }
    out.push_back(std::move(strategy));
  }
  return out;
}

}  // namespace capstan::renderers::ecs
