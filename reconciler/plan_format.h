#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "model/diagnostic.h"
#include "model/plan.h"
#include "model/status.h"

namespace capstan::reconciler {

enum class Color { kNever, kAlways };

// A readable per-application, per-resource diff in the spirit of `terraform plan`:
// "+" create, "~" update, "-" delete, one line per changed field. ANSI colours when asked.
std::string FormatPlanText(const model::Plan& plan, Color color);

// The stable, documented JSON form of a plan (docs/plan-json.md). formatVersion 1.
nlohmann::json PlanToJson(const model::Plan& plan, const model::Diagnostics& diagnostics);
// The inverse of PlanToJson for the plan part (diagnostics are not read back).
model::Result<model::Plan> PlanFromJson(const nlohmann::json& json);

// One diagnostic per line: "file:line:col: error: field: message".
std::string FormatDiagnostics(const model::Diagnostics& diagnostics, Color color);

}  // namespace capstan::reconciler
