#include "reconciler/plan_format.h"

#include <fmt/format.h>

namespace capstan::reconciler {
namespace {

struct Palette {
  const char* green = "";
  const char* yellow = "";
  const char* red = "";
  const char* bold = "";
  const char* dim = "";
  const char* reset = "";
};

Palette MakePalette(Color color) {
  if (color == Color::kNever) return {};
  return {"\033[32m", "\033[33m", "\033[31m", "\033[1m", "\033[2m", "\033[0m"};
}

std::string Quote(const std::optional<std::string>& value) {
  return value ? fmt::format("\"{}\"", *value) : "(none)";
}

std::string ShortSha(const std::string& sha) { return sha.substr(0, 12); }

}  // namespace

std::string FormatPlanText(const model::Plan& plan, Color color) {
  const Palette p = MakePalette(color);
  std::string out;
  if (!plan.base_commit.empty() || !plan.target_commit.empty()) {
    out += fmt::format("{}Plan{} {} -> {}\n", p.bold, p.reset,
                       plan.base_commit.empty() ? "(nothing)" : ShortSha(plan.base_commit),
                       ShortSha(plan.target_commit));
  }
  int creates = 0, updates = 0, deletes = 0;
  for (const auto& app : plan.apps) {
    out += fmt::format("\n{}application {}{}\n", p.bold, app.app, p.reset);
    for (const auto& change : app.changes) {
      const char* sign = "~";
      const char* colour = p.yellow;
      switch (change.action) {
        case model::ChangeAction::kCreate:
          sign = "+";
          colour = p.green;
          ++creates;
          break;
        case model::ChangeAction::kUpdate:
          ++updates;
          break;
        case model::ChangeAction::kDelete:
          sign = "-";
          colour = p.red;
          ++deletes;
          break;
      }
      std::string revision;
      if (change.action == model::ChangeAction::kUpdate &&
          change.revision_before != change.revision_after) {
        revision = fmt::format("  {}revision {} -> {}{}", p.dim, change.revision_before,
                               change.revision_after, p.reset);
      } else if (change.action == model::ChangeAction::kCreate && !change.revision_after.empty()) {
        revision = fmt::format("  {}revision {}{}", p.dim, change.revision_after, p.reset);
      }
      out += fmt::format("  {}{} {} {}{} ({}){}\n", colour, sign,
                         model::ResourceKindName(change.id.kind), change.id.name, p.reset,
                         change.source_kind, revision);
      if (change.action == model::ChangeAction::kDelete) continue;
      for (const auto& field : change.fields) {
        if (!field.before) {
          out +=
              fmt::format("      {}+ {}: {}{}\n", p.green, field.path, Quote(field.after), p.reset);
        } else if (!field.after) {
          out +=
              fmt::format("      {}- {}: {}{}\n", p.red, field.path, Quote(field.before), p.reset);
        } else {
          out += fmt::format("      {}~ {}: {} -> {}{}\n", p.yellow, field.path,
                             Quote(field.before), Quote(field.after), p.reset);
        }
      }
    }
  }
  if (plan.empty()) {
    out += "\nNo changes. The desired state matches.\n";
  } else {
    out += fmt::format("\n{}Plan:{} {} to create, {} to update, {} to delete.\n", p.bold, p.reset,
                       creates, updates, deletes);
  }
  return out;
}

nlohmann::json PlanToJson(const model::Plan& plan, const model::Diagnostics& diagnostics) {
  using nlohmann::json;
  int creates = 0, updates = 0, deletes = 0;
  json apps = json::array();
  for (const auto& app : plan.apps) {
    json changes = json::array();
    for (const auto& change : app.changes) {
      switch (change.action) {
        case model::ChangeAction::kCreate:
          ++creates;
          break;
        case model::ChangeAction::kUpdate:
          ++updates;
          break;
        case model::ChangeAction::kDelete:
          ++deletes;
          break;
      }
      json fields = json::array();
      for (const auto& f : change.fields) {
        json field = {{"path", f.path}, {"sensitive", f.sensitive}};
        field["before"] = f.before ? json(*f.before) : json(nullptr);
        field["after"] = f.after ? json(*f.after) : json(nullptr);
        fields.push_back(std::move(field));
      }
      json c = {{"action", model::ChangeActionName(change.action)},
                {"kind", model::ResourceKindName(change.id.kind)},
                {"sourceKind", change.source_kind},
                {"name", change.id.name},
                {"fields", std::move(fields)}};
      if (!change.revision_before.empty() || !change.revision_after.empty()) {
        c["revision"] = {
            {"before",
             change.revision_before.empty() ? json(nullptr) : json(change.revision_before)},
            {"after", change.revision_after.empty() ? json(nullptr) : json(change.revision_after)}};
      }
      changes.push_back(std::move(c));
    }
    apps.push_back({{"name", app.app}, {"changes", std::move(changes)}});
  }
  json diags = json::array();
  for (const auto& d : diagnostics) {
    diags.push_back({{"severity", d.severity == model::Severity::kError ? "error" : "warning"},
                     {"file", d.location.file},
                     {"line", d.location.line},
                     {"column", d.location.column},
                     {"field", d.field},
                     {"message", d.message}});
    if (!d.app.empty()) diags.back()["app"] = d.app;
  }
  return {{"formatVersion", 1},
          {"base", plan.base_commit.empty() ? json(nullptr) : json(plan.base_commit)},
          {"target", plan.target_commit},
          {"summary", {{"create", creates}, {"update", updates}, {"delete", deletes}}},
          {"apps", std::move(apps)},
          {"diagnostics", std::move(diags)}};
}

std::string FormatDiagnostics(const model::Diagnostics& diagnostics, Color color) {
  const Palette p = MakePalette(color);
  std::string out;
  for (const auto& d : diagnostics) {
    const bool error = d.severity == model::Severity::kError;
    std::string text = d.ToString();
    out += fmt::format("{}{}{}\n", error ? p.red : p.yellow, text, p.reset);
  }
  return out;
}

model::Result<model::Plan> PlanFromJson(const nlohmann::json& j) {
  auto kind_of = [](const std::string& name) -> std::optional<model::ResourceKind> {
    for (auto k : {model::ResourceKind::kConfigMap, model::ResourceKind::kSecret,
                   model::ResourceKind::kWorkload, model::ResourceKind::kJob,
                   model::ResourceKind::kAutoscaler, model::ResourceKind::kService}) {
      if (name == model::ResourceKindName(k)) return k;
    }
    return std::nullopt;
  };
  auto optional_string = [](const nlohmann::json& v) -> std::optional<std::string> {
    if (v.is_string()) return v.get<std::string>();
    return std::nullopt;
  };
  try {
    model::Plan plan;
    if (j.at("base").is_string()) plan.base_commit = j["base"].get<std::string>();
    if (j.at("target").is_string()) plan.target_commit = j["target"].get<std::string>();
    for (const auto& a : j.at("apps")) {
      model::AppPlan app;
      app.app = a.at("name").get<std::string>();
      for (const auto& c : a.at("changes")) {
        model::Change change;
        const std::string action = c.at("action").get<std::string>();
        change.action = action == "create"   ? model::ChangeAction::kCreate
                        : action == "delete" ? model::ChangeAction::kDelete
                                             : model::ChangeAction::kUpdate;
        auto kind = kind_of(c.at("kind").get<std::string>());
        if (!kind) {
          return model::Status::Error(model::ErrorCode::kParseError,
                                      "plan: unknown kind " + c["kind"].dump());
        }
        change.id = {app.app, *kind, c.at("name").get<std::string>()};
        change.source_kind = c.value("sourceKind", "");
        if (c.contains("revision")) {
          change.revision_before =
              optional_string(c["revision"].value("before", nlohmann::json())).value_or("");
          change.revision_after =
              optional_string(c["revision"].value("after", nlohmann::json())).value_or("");
        }
        for (const auto& f : c.at("fields")) {
          change.fields.push_back({f.at("path").get<std::string>(), optional_string(f["before"]),
                                   optional_string(f["after"]), f.value("sensitive", false)});
        }
        app.changes.push_back(std::move(change));
      }
      plan.apps.push_back(std::move(app));
    }
    return plan;
  } catch (const nlohmann::json::exception& e) {
    return model::Status::Error(model::ErrorCode::kParseError, std::string("plan: ") + e.what());
  }
}

}  // namespace capstan::reconciler
