#include "cli/validate_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/engine_check.h"
#include "cli/local_tree.h"
#include "reconciler/plan_format.h"
#include "renderers/renderer.h"

namespace capstan::cli {
using reconciler::Color;
using reconciler::FormatDiagnostics;
using reconciler::FormatPlanText;
using reconciler::PlanToJson;

int RunValidate(const ValidateOptions& options) {
  renderers::RenderOptions render_options;
  render_options.strict = options.strict;
  render_options.default_driver = options.default_driver;
  const Color color = isatty(STDOUT_FILENO) && !options.json ? Color::kAlways : Color::kNever;

  bool failed = false;
  nlohmann::json report = nlohmann::json::array();
  for (const auto& path : options.paths) {
    auto snapshot = LoadLocalTree(path, 100'000);
    if (!snapshot.ok()) {
      fmt::print(stderr, "capstan validate: {}\n", snapshot.status().message());
      failed = true;
      continue;
    }
    model::DesiredState state = renderers::Render(*snapshot, render_options);
    if (options.engine_check) {
      if (auto warning = CheckContainerEngine(state, options.container_engine)) {
        state.diagnostics.push_back(std::move(*warning));
      }
    }
    int errors = 0, warnings = 0;
    for (const auto& d : state.diagnostics) {
      (d.severity == model::Severity::kError ? errors : warnings)++;
    }
    failed |= errors > 0;
    if (options.json) {
      nlohmann::json entry = PlanToJson({}, state.diagnostics);
      report.push_back({{"path", path},
                        {"applications", state.apps.size()},
                        {"resources", state.ResourceCount()},
                        {"errors", errors},
                        {"warnings", warnings},
                        {"diagnostics", entry["diagnostics"]}});
      continue;
    }
    fmt::print("{}", FormatDiagnostics(state.diagnostics, color));
    fmt::print("{}: {} application(s), {} resource(s), {} error(s), {} warning(s)\n", path,
               state.apps.size(), state.ResourceCount(), errors, warnings);
  }
  if (options.json) fmt::print("{}\n", report.dump(2));
  return failed ? 1 : 0;
}

}  // namespace capstan::cli
