// capstan: the GitOps daemon and its command-line client. The composition root: every
// collaborator is built and wired here, nowhere else.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/plan_command.h"
#include "cli/validate_command.h"
#include "cli/version.h"

int main(int argc, char** argv) {
  using namespace capstan::cli;
  CLI::App app{"capstan: GitOps reconciliation daemon with a built-in orchestrator"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(kVersion));

  ValidateOptions validate;
  auto* validate_cmd = app.add_subcommand(
      "validate", "Render and validate manifests (exit 0 valid, 1 errors)");
  validate_cmd->add_option("paths", validate.paths, "Folders or files of manifests")->required();
  validate_cmd->add_flag("--strict", validate.strict,
                         "Unsupported kinds and fields are errors, not warnings");
  validate_cmd->add_flag("--json", validate.json, "Print diagnostics as JSON");

  PlanOptions plan;
  auto* plan_cmd = app.add_subcommand(
      "plan", "Show what a revision would change (exit 0 no changes, 2 changes, 1 error)");
  plan_cmd->add_option("--repo", plan.repo, "Repository: local path or URL")->required();
  plan_cmd->add_option("--rev", plan.rev, "Revision to render (SHA, branch, tag, HEAD~1, ...)")
      ->default_val("HEAD");
  plan_cmd->add_option("--base", plan.base, "Revision to compare with (default: REV's first parent)");
  plan_cmd->add_option("--path", plan.path, "Folder of the repository that holds the applications")
      ->default_val("apps");
  plan_cmd->add_option("--output", plan.output, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
  plan_cmd->add_flag("--strict", plan.strict, "Unsupported kinds and fields are errors");
  plan_cmd->add_option("--cache-dir", plan.cache_dir,
                       "Where remote repositories are cloned (default: a temporary folder)");

  CLI11_PARSE(app, argc, argv);

  if (*validate_cmd) return RunValidate(validate);
  if (*plan_cmd) return RunPlan(plan);
  return 1;
}
