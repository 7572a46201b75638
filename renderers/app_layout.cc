#include "renderers/app_layout.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <set>

namespace capstan::renderers {
namespace {

constexpr const char* kLayoutFile = "capstan.yaml";

bool LooksLikeManifest(const std::string& path) {
  auto ends_with = [&](const char* suffix) {
    std::string s(suffix);
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  return ends_with(".yaml") || ends_with(".yml") || ends_with(".json");
}

model::Diagnostic Error(const std::string& file, const YAML::Mark& mark, const std::string& field,
                        const std::string& message) {
  return {model::Severity::kError, {file, mark.line + 1, mark.column + 1}, field, message};
}

std::vector<AppFolder> FromLayoutFile(const model::Snapshot& snapshot, const std::string& text,
                                      model::Diagnostics& diagnostics) {
  std::vector<AppFolder> apps;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    diagnostics.push_back(Error(kLayoutFile, e.mark, "", e.msg));
    return apps;
  }
  if (!root.IsMap() || !root["apps"]) {
    diagnostics.push_back(
        Error(kLayoutFile, root.Mark(), "apps", "capstan.yaml must have an 'apps' list"));
    return apps;
  }
  const YAML::Node list = root["apps"];
  if (!list.IsSequence()) {
    diagnostics.push_back(Error(kLayoutFile, list.Mark(), "apps", "must be a list"));
    return apps;
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node entry = list[i];
    const std::string field = fmt::format("apps[{}]", i);
    if (!entry.IsMap() || !entry["name"] || !entry["name"].IsScalar()) {
      diagnostics.push_back(Error(kLayoutFile, entry.Mark(), field + ".name", "is required"));
      continue;
    }
    AppFolder app;
    app.name = entry["name"].Scalar();
    app.path = entry["path"] && entry["path"].IsScalar() ? entry["path"].Scalar() : app.name;
    while (!app.path.empty() && app.path.back() == '/') app.path.pop_back();
    app.declared_at = {kLayoutFile, entry.Mark().line + 1, entry.Mark().column + 1};
    if (!IsDns1123Label(app.name)) {
      diagnostics.push_back(Error(kLayoutFile, entry["name"].Mark(), field + ".name",
                                  fmt::format("'{}' is not a DNS-1123 label", app.name)));
      continue;
    }
    if (!seen.insert(app.name).second) {
      diagnostics.push_back(Error(kLayoutFile, entry["name"].Mark(), field + ".name",
                                  fmt::format("duplicate application '{}'", app.name)));
      continue;
    }
    if (app.path.find("..") != std::string::npos || (!app.path.empty() && app.path[0] == '/')) {
      diagnostics.push_back(Error(kLayoutFile, entry.Mark(), field + ".path",
                                  "must be a relative path inside the repository"));
      continue;
    }
    auto it = snapshot.files.lower_bound(app.path + "/");
    if (it == snapshot.files.end() || it->first.rfind(app.path + "/", 0) != 0) {
      diagnostics.push_back(Error(kLayoutFile, entry.Mark(), field + ".path",
                                  fmt::format("no files under '{}'", app.path)));
    }
    apps.push_back(std::move(app));
  }
  return apps;
}

}  // namespace

bool IsDns1123Label(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

std::vector<AppFolder> FindApplications(const model::Snapshot& snapshot,
                                        model::Diagnostics& diagnostics) {
  if (auto it = snapshot.files.find(kLayoutFile); it != snapshot.files.end()) {
    return FromLayoutFile(snapshot, it->second, diagnostics);
  }
  std::vector<AppFolder> apps;
  std::set<std::string> seen;
  for (const auto& [path, content] : snapshot.files) {
    auto slash = path.find('/');
    if (slash == std::string::npos) {
      if (LooksLikeManifest(path)) {
        diagnostics.push_back({model::Severity::kWarning,
                               {path, 0, 0},
                               "",
                               "manifest outside any application folder is ignored (put it in "
                               "<app>/ or list applications in capstan.yaml)"});
      }
      continue;
    }
    std::string folder = path.substr(0, slash);
    if (folder.empty() || folder[0] == '.') continue;  // .github/, .git-crypt/, ...
    if (!seen.insert(folder).second) continue;
    if (!IsDns1123Label(folder)) {
      diagnostics.push_back({model::Severity::kError,
                             {folder, 0, 0},
                             "",
                             fmt::format("application folder '{}' is not a DNS-1123 label "
                                         "(lower-case letters, digits and '-')",
                                         folder)});
      continue;
    }
    apps.push_back({folder, folder, {folder, 0, 0}});
  }
  return apps;
}

}  // namespace capstan::renderers
