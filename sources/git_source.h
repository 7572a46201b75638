#pragma once

#include <memory>
#include <string>

#include "model/clock.h"
#include "model/snapshot.h"
#include "model/status.h"
#include "sources/git_handles.h"
#include "sources/git_url.h"
#include "sources/source.h"

namespace capstan::sources {

// What the last successful Fetch() found, beyond the snapshot itself.
struct FetchInfo {
  std::string commit;           // the commit the followed ref resolved to
  std::string previous_commit;  // the commit before: last snapshot's, else the cache's ref before
                                // fetching (so a restart still notices a rewrite); "" if none
  bool changed = false;         // commit != previous_commit
  // The followed branch or tag moved to a commit that does not descend from previous_commit
  // (force-push, reset, tag moved backwards or sideways). Never set when pinned to a commit.
  bool history_rewritten = false;
  model::Duration fetch_duration{};     // talking to the remote and updating refs
  model::Duration snapshot_duration{};  // reading the tree into the snapshot; 0 when reused
};

// A Source backed by a Git repository through libgit2.
//
// The clone is a bare repository in `cache_dir` with remote "origin" mirroring the upstream's
// branches into refs/heads/* and tags into refs/tags/*, fetched with prune and forced updates, so
// force-pushes, moved tags and deleted branches are followed exactly. HEAD of the cache points at
// the followed branch (or, for a tag or commit, at its commit), so SnapshotAt("HEAD~1") means "the
// parent of what is followed". A cache dir that already holds a clone of the same URL is reused
// (daemon restart); one holding another URL is refused with kFailedPrecondition rather than wiped.
//
// Errors never disturb Latest(): a deleted branch or missing tag is kNotFound, an unreachable
// remote kUnavailable, rejected credentials or host keys kPermissionDenied.
//
// Thread-compatible: one thread at a time (libgit2 handles stay on one thread). Snapshots handed
// out are immutable and may be shared with any thread.
class GitSource final : public Source {
 public:
  // Validates `config` (URL, ref, path) without touching the disk or network; the cache is opened
  // or created by the first Fetch()/SnapshotAt(). `clock` times fetches and must outlive this.
  static model::Result<std::unique_ptr<GitSource>> Create(SourceConfig config, model::Clock& clock);

  // Reads an existing repository in place (bare, or a working clone's root / its .git) without
  // cloning or fetching, for `capstan plan --repo PATH`. Fetch() re-reads HEAD; SnapshotAt() and
  // FirstParent() work as for a cache. `sub_path` is the applications directory ("" = root).
  static model::Result<std::unique_ptr<GitSource>> OpenLocal(const std::string& repo_path,
                                                             const std::string& sub_path,
                                                             const SourceLimits& limits = {});

  ~GitSource() override;
  GitSource(const GitSource&) = delete;
  GitSource& operator=(const GitSource&) = delete;

  model::Result<std::shared_ptr<const model::Snapshot>> Fetch() override;
  std::shared_ptr<const model::Snapshot> Latest() const override { return latest_; }
  model::Result<std::shared_ptr<const model::Snapshot>> SnapshotAt(
      const std::string& revision) override;

  // The full SHA of the commit `revision` names (rev-parse syntax, peeled to a commit).
  model::Result<std::string> ResolveCommit(const std::string& revision);
  // The SHA of the first parent of the commit `revision` names; kNotFound for a root commit.
  model::Result<std::string> FirstParent(const std::string& revision);

  // Details of the last successful Fetch() (default-constructed before the first).
  const FetchInfo& last_fetch() const { return last_fetch_; }
  bool history_rewritten() const { return last_fetch_.history_rewritten; }

 private:
  enum class Mode { kCache, kLocal };
  GitSource(Mode mode, SourceConfig config, RemoteUrl url, model::Clock* clock);

  model::Status EnsureRepository();
  model::Status OpenOrInitCache();
  model::Status FetchOrigin();
  // Resolves the followed ref in the repository to a commit.
  model::Result<CommitPtr> ResolveFollowed();
  model::Result<CommitPtr> PeelRevision(const std::string& revision);
  model::Status PointHeadAt(const git_commit* commit);
  // The snapshot of the followed ref at `commit`: incremental from latest_ when possible.
  model::Result<std::shared_ptr<const model::Snapshot>> BuildFollowedSnapshot(
      const git_commit* commit);
  std::string FollowedRefName() const;
  model::Duration Since(model::TimePoint start) const;

  LibGit2Guard libgit2_;  // first member: libgit2 stays initialised until the handles are freed
  Mode mode_;
  SourceConfig config_;
  RemoteUrl url_;
  model::Clock* clock_;  // null for OpenLocal (nothing is timed)
  RepositoryPtr repo_;
  std::shared_ptr<const model::Snapshot> latest_;
  // Symlinks in latest_: their targets may change outside the path, so no incremental build.
  std::size_t latest_symlinks_ = 0;
  FetchInfo last_fetch_;
};

}  // namespace capstan::sources
