#include "sources/snapshot_builder.h"

#include <fmt/format.h>

#include <vector>

#include "sources/git_error.h"
#include "sources/git_handles.h"

namespace capstan::sources {
namespace {

using model::ErrorCode;
using model::Status;

constexpr int kMaxSymlinkDepth = 8;

std::string OidString(const git_oid* oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof(hex), oid);
  return hex;
}

std::string JoinPath(const std::string& dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  std::string out = dir;
  out += '/';
  out += name;
  return out;
}

// Walks one tree and fills `files`. Holds what is shared by the whole walk.
class TreeReader {
 public:
  TreeReader(git_repository* repo, git_odb* odb, const git_tree* root, const SourceLimits& limits,
             std::map<std::string, std::string>* files)
      : repo_(repo), odb_(odb), root_(root), limits_(limits), files_(files) {}

  // `tree` lives at repository path `repo_dir`; keys in `files` are relative to the snapshot path,
  // whose repository path is `base`.
  Status Walk(const git_tree* tree, const std::string& repo_dir, const std::string& rel_dir) {
    std::size_t count = git_tree_entrycount(tree);
    for (std::size_t i = 0; i < count; ++i) {
      const git_tree_entry* entry = git_tree_entry_byindex(tree, i);
      const char* name = git_tree_entry_name(entry);
      std::string repo_path = JoinPath(repo_dir, name);
      std::string rel_path = JoinPath(rel_dir, name);
      switch (git_tree_entry_filemode(entry)) {
        case GIT_FILEMODE_TREE: {
          git_tree* raw = nullptr;
          if (int rc = git_tree_lookup(&raw, repo_, git_tree_entry_id(entry)); rc < 0) {
            return GitStatus(rc, "read directory '" + repo_path + "'");
          }
          TreePtr subtree(raw);
          if (Status s = Walk(subtree.get(), repo_path, rel_path); !s.ok()) return s;
          break;
        }
        case GIT_FILEMODE_BLOB:
        case GIT_FILEMODE_BLOB_EXECUTABLE:
          if (Status s = AddBlob(git_tree_entry_id(entry), repo_path, rel_path); !s.ok()) return s;
          break;
        case GIT_FILEMODE_LINK:
          if (Status s = AddLink(git_tree_entry_id(entry), repo_path, rel_path); !s.ok()) return s;
          break;
        case GIT_FILEMODE_COMMIT:  // submodule: not part of this repository's content
        default:
          break;
      }
    }
    return Status::Ok();
  }

 private:
  Status AddBlob(const git_oid* id, const std::string& repo_path, const std::string& rel_path) {
    if (files_->size() >= limits_.max_files) {
      return Status::Error(ErrorCode::kLimitExceeded,
                           fmt::format("more than {} files (max_files) in the snapshot, at '{}'",
                                       limits_.max_files, repo_path));
    }
    // Ask the object database for the size first, so an oversized blob is never inflated.
    std::size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    if (int rc = git_odb_read_header(&size, &type, odb_, id); rc < 0) {
      return GitStatus(rc, "read file '" + repo_path + "'");
    }
    if (size > limits_.max_file_bytes) {
      return Status::Error(ErrorCode::kLimitExceeded,
                           fmt::format("file '{}' is {} bytes, over the limit of {} bytes "
                                       "(max_file_bytes)",
                                       repo_path, size, limits_.max_file_bytes));
    }
    if (total_bytes_ + size > limits_.max_snapshot_bytes) {
      return Status::Error(ErrorCode::kLimitExceeded,
                           fmt::format("snapshot exceeds {} bytes (max_snapshot_bytes) at file "
                                       "'{}' ({} bytes, {} bytes before it)",
                                       limits_.max_snapshot_bytes, repo_path, size, total_bytes_));
    }
    git_blob* raw = nullptr;
    if (int rc = git_blob_lookup(&raw, repo_, id); rc < 0) {
      return GitStatus(rc, "read file '" + repo_path + "'");
    }
    BlobPtr blob(raw);
    const char* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
    auto length = static_cast<std::size_t>(git_blob_rawsize(blob.get()));
    total_bytes_ += length;
    files_->insert_or_assign(rel_path, std::string(data, length));
    return Status::Ok();
  }

  Status ReadLinkTarget(const git_oid* id, const std::string& link_path, std::string* target) {
    git_blob* raw = nullptr;
    if (int rc = git_blob_lookup(&raw, repo_, id); rc < 0) {
      return GitStatus(rc, "read symlink '" + link_path + "'");
    }
    BlobPtr blob(raw);
    target->assign(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                   static_cast<std::size_t>(git_blob_rawsize(blob.get())));
    return Status::Ok();
  }

  Status AddLink(const git_oid* id, const std::string& link_path, const std::string& rel_path) {
    ++symlinks_;
    std::string current_link = link_path;
    const git_oid* current_id = id;
    TreeEntryPtr entry;
    for (int depth = 0; depth < kMaxSymlinkDepth; ++depth) {
      std::string target;
      if (Status s = ReadLinkTarget(current_id, current_link, &target); !s.ok()) return s;
      auto resolved = ResolveSymlinkTarget(current_link, target);
      if (!resolved.ok()) {
        if (current_link == link_path) return resolved.status();
        return resolved.status().WithContext("symlink '" + link_path + "'");
      }
      git_tree_entry* raw = nullptr;
      int rc =
          resolved->empty() ? GIT_ENOTFOUND : git_tree_entry_bypath(&raw, root_, resolved->c_str());
      if (rc == GIT_ENOTFOUND) {
        return Status::Error(ErrorCode::kNotFound,
                             fmt::format("symlink '{}' -> '{}' is dangling", link_path, target));
      }
      if (rc < 0) return GitStatus(rc, "resolve symlink '" + link_path + "'");
      entry.reset(raw);
      switch (git_tree_entry_filemode(entry.get())) {
        case GIT_FILEMODE_BLOB:
        case GIT_FILEMODE_BLOB_EXECUTABLE:
          return AddBlob(git_tree_entry_id(entry.get()), link_path, rel_path);
        case GIT_FILEMODE_LINK:
          current_link = *resolved;
          current_id = git_tree_entry_id(entry.get());
          continue;
        default:
          return Status::Error(
              ErrorCode::kPermissionDenied,
              fmt::format("symlink '{}' points at directory '{}': links to directories are not "
                          "followed",
                          link_path, *resolved));
      }
    }
    return Status::Error(
        ErrorCode::kLimitExceeded,
        fmt::format("symlink '{}': more than {} links in a chain", link_path, kMaxSymlinkDepth));
  }

  git_repository* repo_;
  git_odb* odb_;
  const git_tree* root_;
  const SourceLimits& limits_;
  std::map<std::string, std::string>* files_;
  std::size_t total_bytes_ = 0;
  std::size_t symlinks_ = 0;

 public:
  std::size_t total_bytes() const { return total_bytes_; }
  std::size_t symlinks() const { return symlinks_; }
  // Starts from an existing set of files (incremental builds).
  void set_total_bytes(std::size_t bytes) { total_bytes_ = bytes; }
  Status AddFile(const git_oid* id, const std::string& repo_path, const std::string& rel_path) {
    return AddBlob(id, repo_path, rel_path);
  }
};

}  // namespace

std::optional<std::string> NormalizeRelativePath(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    std::string_view part = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (auto part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

model::Result<std::string> ResolveSymlinkTarget(const std::string& link_path,
                                                std::string_view target) {
  if (target.empty() || target.front() == '/') {
    return Status::Error(
        ErrorCode::kPermissionDenied,
        fmt::format("symlink '{}' -> '{}' points outside the repository", link_path, target));
  }
  auto slash = link_path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : link_path.substr(0, slash);
  auto resolved = NormalizeRelativePath(JoinPath(dir, target));
  if (!resolved) {
    return Status::Error(
        ErrorCode::kPermissionDenied,
        fmt::format("symlink '{}' -> '{}' points outside the repository", link_path, target));
  }
  return *resolved;
}

namespace {

std::shared_ptr<model::Snapshot> NewSnapshot(const git_commit* commit,
                                             const SnapshotOrigin& origin) {
  auto snapshot = std::make_shared<model::Snapshot>();
  snapshot->repo_url = origin.repo_url;
  snapshot->ref = origin.ref;
  snapshot->commit = OidString(git_commit_id(commit));
  const git_signature* author = git_commit_author(commit);
  snapshot->author = fmt::format("{} <{}>", author->name, author->email);
  snapshot->commit_time = static_cast<std::int64_t>(git_commit_time(commit));
  const char* message = git_commit_message(commit);
  snapshot->message = message != nullptr ? message : "";
  snapshot->path = origin.path;
  return snapshot;
}

}  // namespace

model::Result<std::shared_ptr<const model::Snapshot>> BuildSnapshot(git_repository* repo,
                                                                    const git_commit* commit,
                                                                    const SnapshotOrigin& origin,
                                                                    const SourceLimits& limits,
                                                                    SnapshotStats* stats) {
  auto snapshot = NewSnapshot(commit, origin);
  git_tree* raw_root = nullptr;
  if (int rc = git_commit_tree(&raw_root, commit); rc < 0) {
    return GitStatus(rc, "read tree of commit " + snapshot->commit);
  }
  TreePtr root(raw_root);
  git_odb* raw_odb = nullptr;
  if (int rc = git_repository_odb(&raw_odb, repo); rc < 0) {
    return GitStatus(rc, "open object database");
  }
  OdbPtr odb(raw_odb);

  TreePtr sub_owned;
  const git_tree* start = root.get();
  if (!origin.path.empty()) {
    git_tree_entry* raw_entry = nullptr;
    int rc = git_tree_entry_bypath(&raw_entry, root.get(), origin.path.c_str());
    if (rc == GIT_ENOTFOUND) {
      return Status::Error(
          ErrorCode::kNotFound,
          fmt::format("path '{}' does not exist in commit {}", origin.path, snapshot->commit));
    }
    if (rc < 0) return GitStatus(rc, "look up path '" + origin.path + "'");
    TreeEntryPtr entry(raw_entry);
    if (git_tree_entry_type(entry.get()) != GIT_OBJECT_TREE) {
      return Status::Error(
          ErrorCode::kInvalidArgument,
          fmt::format("path '{}' in commit {} is not a directory", origin.path, snapshot->commit));
    }
    git_tree* raw_sub = nullptr;
    if (rc = git_tree_lookup(&raw_sub, repo, git_tree_entry_id(entry.get())); rc < 0) {
      return GitStatus(rc, "read directory '" + origin.path + "'");
    }
    sub_owned.reset(raw_sub);
    start = sub_owned.get();
  }
  TreeReader reader(repo, odb.get(), root.get(), limits, &snapshot->files);
  if (Status s = reader.Walk(start, origin.path, ""); !s.ok()) return s;
  if (stats != nullptr) *stats = {reader.total_bytes(), reader.symlinks()};
  return std::shared_ptr<const model::Snapshot>(std::move(snapshot));
}

model::Result<std::shared_ptr<const model::Snapshot>> BuildSnapshotIncremental(
    git_repository* repo, const git_commit* base_commit, const model::Snapshot& base,
    const git_commit* commit, const SnapshotOrigin& origin, const SourceLimits& limits,
    SnapshotStats* stats) {
  git_tree* raw_old = nullptr;
  git_tree* raw_new = nullptr;
  if (int rc = git_commit_tree(&raw_old, base_commit); rc < 0) {
    return GitStatus(rc, "read tree of commit " + base.commit);
  }
  TreePtr old_tree(raw_old);
  if (int rc = git_commit_tree(&raw_new, commit); rc < 0) {
    return GitStatus(rc, "read tree of new commit");
  }
  TreePtr new_tree(raw_new);
  if (!origin.path.empty()) {
    // A missing or non-directory path gets BuildSnapshot's precise error.
    git_tree_entry* raw_entry = nullptr;
    if (git_tree_entry_bypath(&raw_entry, new_tree.get(), origin.path.c_str()) < 0) {
      return std::shared_ptr<const model::Snapshot>();
    }
    TreeEntryPtr entry(raw_entry);
    if (git_tree_entry_type(entry.get()) != GIT_OBJECT_TREE) {
      return std::shared_ptr<const model::Snapshot>();
    }
  }

  git_diff_options options = GIT_DIFF_OPTIONS_INIT;
  options.flags = GIT_DIFF_SKIP_BINARY_CHECK;
  std::string prefix = origin.path.empty() ? "" : origin.path + "/";
  char* pathspec = prefix.data();
  if (!prefix.empty()) {
    options.pathspec.strings = &pathspec;
    options.pathspec.count = 1;
  }
  git_diff* raw_diff = nullptr;
  if (int rc = git_diff_tree_to_tree(&raw_diff, repo, old_tree.get(), new_tree.get(), &options);
      rc < 0) {
    return GitStatus(rc, "diff " + base.commit + " against the new commit");
  }
  std::unique_ptr<git_diff, GitDeleter<git_diff, git_diff_free>> diff(raw_diff);

  auto snapshot = NewSnapshot(commit, origin);
  snapshot->files = base.files;
  git_odb* raw_odb = nullptr;
  if (int rc = git_repository_odb(&raw_odb, repo); rc < 0) {
    return GitStatus(rc, "open object database");
  }
  OdbPtr odb(raw_odb);

  std::size_t count = git_diff_num_deltas(diff.get());
  auto relative = [&prefix](const char* path) -> std::optional<std::string> {
    std::string_view p(path);
    if (!p.starts_with(prefix)) return std::nullopt;  // pathspec is a glob; be exact here
    return std::string(p.substr(prefix.size()));
  };
  // Deletions first: a type change (file <-> directory) shows as a deletion plus additions.
  for (std::size_t i = 0; i < count; ++i) {
    const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
    if (delta->old_file.mode == GIT_FILEMODE_LINK || delta->new_file.mode == GIT_FILEMODE_LINK) {
      return std::shared_ptr<const model::Snapshot>();
    }
    if (delta->status == GIT_DELTA_DELETED || delta->status == GIT_DELTA_MODIFIED) {
      if (auto rel = relative(delta->old_file.path)) snapshot->files.erase(*rel);
    }
  }
  std::size_t total = 0;
  for (const auto& [path, content] : snapshot->files) total += content.size();
  TreeReader reader(repo, odb.get(), new_tree.get(), limits, &snapshot->files);
  reader.set_total_bytes(total);
  for (std::size_t i = 0; i < count; ++i) {
    const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
    if (delta->status != GIT_DELTA_ADDED && delta->status != GIT_DELTA_MODIFIED) continue;
    auto rel = relative(delta->new_file.path);
    if (!rel) continue;
    if (delta->new_file.mode != GIT_FILEMODE_BLOB &&
        delta->new_file.mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
      continue;  // submodule
    }
    if (Status s = reader.AddFile(&delta->new_file.id, delta->new_file.path, *rel); !s.ok()) {
      return s;
    }
  }
  if (stats != nullptr) *stats = {reader.total_bytes(), 0};
  return std::shared_ptr<const model::Snapshot>(std::move(snapshot));
}

}  // namespace capstan::sources
