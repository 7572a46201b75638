#include "cli/local_tree.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace capstan::cli {
namespace fs = std::filesystem;
namespace {

bool IsManifest(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

model::Result<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return model::Status::Error(model::ErrorCode::kIoError, "cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Adds every regular file below `dir` as `prefix/relative`.
model::Status AddTree(const fs::path& dir, const std::string& prefix, std::size_t max_files,
                      model::Snapshot& snapshot) {
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
  if (ec)
    return model::Status::Error(model::ErrorCode::kIoError, dir.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return model::Status::Error(model::ErrorCode::kIoError, ec.message());
    const fs::path& p = it->path();
    const std::string name = p.filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink()) continue;  // never follow links out of the tree
    if (!it->is_regular_file()) continue;
    if (snapshot.files.size() >= max_files) {
      return model::Status::Error(model::ErrorCode::kLimitExceeded,
                                  fmt::format("{}: more than {} files", dir.string(), max_files));
    }
    auto content = ReadFile(p);
    if (!content.ok()) return content.status();
    std::string relative = fs::relative(p, dir).generic_string();
    snapshot.files[prefix.empty() ? relative : prefix + "/" + relative] = std::move(*content);
  }
  return model::Status::Ok();
}

}  // namespace

model::Result<model::Snapshot> LoadLocalTree(const std::string& path, std::size_t max_files) {
  std::error_code ec;
  fs::path p = fs::path(path).lexically_normal();
  if (p.filename().empty() && p.has_parent_path()) p = p.parent_path();  // "dir/" -> "dir"
  auto status = fs::status(p, ec);
  if (ec || !fs::exists(status)) {
    return model::Status::Error(model::ErrorCode::kNotFound, path + ": no such file or directory");
  }
  model::Snapshot snapshot;
  snapshot.commit = "(working tree)";
  snapshot.repo_url = path;
  const fs::path canonical = fs::weakly_canonical(p);

  if (fs::is_regular_file(status)) {
    const std::string app = canonical.parent_path().filename().string();
    auto content = ReadFile(p);
    if (!content.ok()) return content.status();
    // Keyed "<app>/<file>" under the grandparent, so diagnostics print the path as given.
    const fs::path folder = p.parent_path();
    snapshot.path = folder.has_parent_path() ? folder.parent_path().string() : "";
    if (folder.empty() || folder.filename() != app) snapshot.path = "";
    snapshot.files[app + "/" + p.filename().string()] = std::move(*content);
    return snapshot;
  }

  bool has_manifests = false;
  bool has_layout = fs::exists(p / "capstan.yaml");
  for (const auto& entry : fs::directory_iterator(p, ec)) {
    if (entry.is_regular_file() && IsManifest(entry.path())) has_manifests = true;
  }
  if (has_manifests && !has_layout) {
    // One application's folder.
    const std::string app = canonical.filename().string();
    snapshot.path = p.has_parent_path() && p.filename() == app ? p.parent_path().string() : "";
    if (auto s = AddTree(p, app, max_files, snapshot); !s.ok()) return s;
    return snapshot;
  }
  snapshot.path = p == "." ? "" : p.string();
  if (auto s = AddTree(p, "", max_files, snapshot); !s.ok()) return s;
  return snapshot;
}

}  // namespace capstan::cli
