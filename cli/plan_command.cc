#include "cli/plan_command.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "cli/engine_check.h"
#include "model/clock.h"
#include "reconciler/diff.h"
#include "reconciler/plan_format.h"
#include "renderers/renderer.h"
#include "sources/git_source.h"
#include "store/model_codec.h"

namespace capstan::cli {
using reconciler::Color;
using reconciler::FormatDiagnostics;
using reconciler::FormatPlanText;
using reconciler::PlanToJson;
namespace fs = std::filesystem;
namespace {

bool IsRemoteUrl(const std::string& repo) {
  return repo.rfind("https://", 0) == 0 || repo.rfind("http://", 0) == 0 ||
         repo.rfind("ssh://", 0) == 0 || repo.rfind("git@", 0) == 0 ||
         repo.rfind("file://", 0) == 0;
}

// A temporary cache folder removed when the command ends.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "capstan-plan-XXXXXX").string();
    if (mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

model::Result<std::unique_ptr<sources::GitSource>> OpenRepository(const PlanOptions& options,
                                                                  const std::string& cache_dir,
                                                                  model::Clock& clock) {
  if (!IsRemoteUrl(options.repo)) {
    return sources::GitSource::OpenLocal(options.repo, options.path, sources::SourceLimits{});
  }
  sources::SourceConfig config;
  config.url = options.repo;
  config.path = options.path;
  config.cache_dir = cache_dir;
  auto source = sources::GitSource::Create(config, clock);
  if (!source.ok()) return source.status();
  // Fetching mirrors every branch and tag; a missing default branch only matters if --rev needs it.
  auto fetched = (*source)->Fetch();
  if (!fetched.ok() && fetched.status().code() != model::ErrorCode::kNotFound) {
    return fetched.status();
  }
  return source;
}

// Sends the rendered state to the daemon's /api/v1/diff and returns its plan.
model::Result<model::Plan> DiffAgainstDaemon(const std::string& url,
                                             const model::DesiredState& desired) {
  nlohmann::json apps = nlohmann::json::array();
  for (const auto& [name, app] : desired.apps) apps.push_back(store::ToJson(app));
  const nlohmann::json body = {{"commit", desired.commit}, {"apps", std::move(apps)}};
  httplib::Client client(url);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(60, 0);
  auto result = client.Post("/api/v1/diff", body.dump(), "application/json");
  if (!result) {
    return model::Status::Error(
        model::ErrorCode::kUnavailable,
        fmt::format("cannot reach the daemon at {}: {}", url, httplib::to_string(result.error())));
  }
  auto json = nlohmann::json::parse(result->body, nullptr, false);
  if (result->status != 200 || json.is_discarded()) {
    return model::Status::Error(
        model::ErrorCode::kUnavailable,
        fmt::format("{} answered HTTP {}: {}", url, result->status, result->body.substr(0, 300)));
  }
  return reconciler::PlanFromJson(json);
}

model::Diagnostics ErrorsOf(const model::DesiredState& desired, const std::string& app) {
  model::Diagnostics out;
  for (auto& d : model::DiagnosticsOf(desired, app)) {
    if (d.severity == model::Severity::kError) out.push_back(std::move(d));
  }
  return out;
}

// docs/plan-json.md `invalidApps`: each invalid application and its error count.
nlohmann::json InvalidAppsJson(const model::DesiredState& desired,
                               const std::set<std::string>& invalid) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& name : invalid) {
    out.push_back({{"name", name}, {"errors", ErrorsOf(desired, name).size()}});
  }
  return out;
}

}  // namespace

int RunPlan(const PlanOptions& raw_options) {
  PlanOptions options = raw_options;
  if (options.path == ".") options.path.clear();
  model::SystemClock clock;
  TempDir temp;
  const std::string cache_dir = options.cache_dir.empty() ? temp.path() : options.cache_dir;
  auto repo = OpenRepository(options, cache_dir, clock);
  if (!repo.ok()) {
    fmt::print(stderr, "capstan plan: {}\n", repo.status().ToString());
    return 1;
  }
  auto target = (*repo)->SnapshotAt(options.rev);
  if (!target.ok()) {
    fmt::print(stderr, "capstan plan: --rev {}: {}\n", options.rev, target.status().ToString());
    return 1;
  }
  if ((*target)->files.empty()) {
    fmt::print(stderr,
               "capstan plan: no files under '{}' at {}; point --path at the folder of "
               "applications ('.' for the repository root)\n",
               options.path, (*target)->commit.substr(0, 12));
    return 1;
  }
  std::string base_rev = options.base;
  if (base_rev.empty()) {
    auto parent = (*repo)->FirstParent((*target)->commit);
    if (parent.ok()) base_rev = *parent;
  }
  renderers::RenderOptions render_options;
  render_options.strict = options.strict;
  render_options.default_driver = options.default_driver;
  model::DesiredState desired = renderers::Render(**target, render_options);
  if (options.engine_check) {
    if (auto warning = CheckContainerEngine(desired, options.container_engine)) {
      desired.diagnostics.push_back(std::move(*warning));
    }
  }
  model::DesiredState observed;
  if (!options.against.empty()) {
    base_rev.clear();  // the daemon's applied state is the base
  }
  if (!base_rev.empty()) {
    auto base = (*repo)->SnapshotAt(base_rev);
    if (!base.ok()) {
      fmt::print(stderr, "capstan plan: --base {}: {}\n", base_rev, base.status().ToString());
      return 1;
    }
    // The base is what runs today; its own problems do not make this plan fail.
    observed = renderers::Render(**base, render_options);
  }
  // Per-application atomicity, as the daemon applies: an invalid application holds what it runs
  // (no changes shown for it), the others show their diff. Errors about the snapshot as a whole
  // (layout, budgets) leave nothing to show.
  const bool snapshot_errors = model::HasSnapshotErrors(desired);
  const std::set<std::string> invalid = model::InvalidApps(desired);
  const bool errors = snapshot_errors || !invalid.empty();
  model::Plan plan;
  if (snapshot_errors) {
    plan.target_commit = desired.commit;
  } else if (!options.against.empty()) {
    model::DesiredState valid = desired;
    for (const auto& name : invalid) valid.apps.erase(name);
    auto live = DiffAgainstDaemon(options.against, valid);
    if (!live.ok()) {
      fmt::print(stderr, "capstan plan: --against: {}\n", live.status().message());
      return 1;
    }
    plan = std::move(*live);
    // The daemon shows applications missing from what it was sent as deletions: not these.
    std::erase_if(plan.apps, [&](const model::AppPlan& a) { return invalid.count(a.app) != 0; });
  } else {
    plan = reconciler::DiffValidApps(desired, observed);
  }

  if (options.output == "json") {
    auto json = PlanToJson(plan, desired.diagnostics);
    json["valid"] = !errors;
    json["invalidApps"] = InvalidAppsJson(desired, invalid);
    fmt::print("{}\n", json.dump(2));
  } else {
    const Color color = isatty(STDOUT_FILENO) ? Color::kAlways : Color::kNever;
    const Color err_color = isatty(STDERR_FILENO) ? Color::kAlways : Color::kNever;
    fmt::print(stderr, "{}", FormatDiagnostics(desired.diagnostics, err_color));
    if (snapshot_errors) {
      fmt::print(stderr, "capstan plan: revision {} does not validate; nothing would be applied\n",
                 (*target)->commit.substr(0, 12));
    } else {
      fmt::print("{}", FormatPlanText(plan, color));
      for (const auto& name : invalid) {
        fmt::print("\napplication {}: INVALID, not applied (keeps running what it runs now):\n{}",
                   name, FormatDiagnostics(ErrorsOf(desired, name), Color::kNever));
      }
      if (!invalid.empty()) {
        fmt::print(stderr, "capstan plan: {} of {} application(s) do not validate: {}\n",
                   invalid.size(), desired.apps.size(), fmt::join(invalid, ", "));
      }
    }
  }
  if (errors) return 1;
  return plan.empty() ? 0 : 2;
}

}  // namespace capstan::cli
