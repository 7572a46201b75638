#pragma once

#include <git2.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "model/snapshot.h"
#include "model/status.h"
#include "sources/source.h"

namespace capstan::sources {

// Normalises a '/'-separated relative path lexically: drops empty and "." parts and applies "..".
// Returns nullopt when ".." climbs above the root. "" stands for the root itself.
std::optional<std::string> NormalizeRelativePath(std::string_view path);

// Where a symlink stored at repository path `link_path` with content `target` leads, as a
// normalised repository-relative path. kPermissionDenied, naming `link_path`, when the target is
// absolute or climbs out of the repository.
model::Result<std::string> ResolveSymlinkTarget(const std::string& link_path,
                                                std::string_view target);

// Names the snapshot being built: copied into its metadata.
struct SnapshotOrigin {
  std::string repo_url;
  std::string ref;
  std::string path;  // normalised sub-directory ("" = root)
};

// Builds the immutable snapshot of `commit`: metadata plus every file under `origin.path`, read
// straight from the commit's tree (no checkout). Rules:
//  - Regular and executable files are read as blobs. A file over limits.max_file_bytes, a total
//    over max_snapshot_bytes or more than max_files files fails with kLimitExceeded naming the
//    path.
//  - Symlinks (mode 120000) whose target is absolute or climbs out of the repository are refused
//    with kPermissionDenied naming the link. A link inside the repository is resolved to the file
//    it points at (chains of up to 8 links; the target may lie outside `origin.path`), so the
//    snapshot holds that file's content under the link's name. A link to a directory is refused
//    with kPermissionDenied (following directory links would allow cycles); a dangling link fails
//    with kNotFound.
//  - Submodules (gitlink entries, mode 160000) are skipped without error: their content is not in
//    this repository.
//  - A missing `origin.path` is kNotFound; a path that is a file is kInvalidArgument.
// REQUIRES: `repo` and `commit` stay valid during the call; same thread as the repository.
// `stats`, when not null, receives figures the caller needs to decide on incremental builds.
struct SnapshotStats {
  std::size_t total_bytes = 0;
  std::size_t symlinks = 0;  // symlinks under the path (their targets may lie anywhere)
};
model::Result<std::shared_ptr<const model::Snapshot>> BuildSnapshot(git_repository* repo,
                                                                    const git_commit* commit,
                                                                    const SnapshotOrigin& origin,
                                                                    const SourceLimits& limits,
                                                                    SnapshotStats* stats = nullptr);

// The same snapshot as BuildSnapshot(commit) would give, computed from `base` (built from
// `base_commit` with the same path and limits) plus a tree diff restricted to the path, so a
// one-file commit costs one blob read instead of a walk of every file. Returns OK with nullptr when
// it cannot be done incrementally (a symlink in the diff, the path gone or no longer a directory)
// and the caller must do a full build.
// REQUIRES: `base` contains no symlinks (their targets could have changed outside the path).
model::Result<std::shared_ptr<const model::Snapshot>> BuildSnapshotIncremental(
    git_repository* repo, const git_commit* base_commit, const model::Snapshot& base,
    const git_commit* commit, const SnapshotOrigin& origin, const SourceLimits& limits,
    SnapshotStats* stats = nullptr);

}  // namespace capstan::sources
