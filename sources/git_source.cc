#include "sources/git_source.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <filesystem>
#include <utility>

#include "sources/git_error.h"
#include "sources/remote_auth.h"
#include "sources/snapshot_builder.h"

namespace capstan::sources {
namespace {

namespace fs = std::filesystem;
using model::ErrorCode;
using model::Result;
using model::Status;

constexpr const char* kRemoteUrlKey = "remote.origin.url";
// Mirror refspecs: the cache's refs are exactly the upstream's ('+' follows force-pushes).
constexpr const char* kBranchRefspec = "+refs/heads/*:refs/heads/*";
constexpr const char* kTagRefspec = "+refs/tags/*:refs/tags/*";

std::string OidString(const git_oid* oid) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof(hex), oid);
  return hex;
}

bool IsFullSha(const std::string& s) {
  if (s.size() != GIT_OID_HEXSZ) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Status ValidateRef(const RefSpec& ref) {
  switch (ref.kind) {
    case RefKind::kBranch:
    case RefKind::kTag: {
      std::string full = (ref.kind == RefKind::kBranch ? "refs/heads/" : "refs/tags/") + ref.name;
      int valid = 0;
      if (ref.name.empty() || git_reference_name_is_valid(&valid, full.c_str()) < 0 || !valid) {
        return Status::Error(ErrorCode::kInvalidArgument,
                             fmt::format("'{}' is not a valid {} name", ref.name,
                                         ref.kind == RefKind::kBranch ? "branch" : "tag"));
      }
      return Status::Ok();
    }
    case RefKind::kCommit:
      if (!IsFullSha(ref.name)) {
        return Status::Error(
            ErrorCode::kInvalidArgument,
            fmt::format("a pinned commit must be a full 40-hex SHA, not '{}'", ref.name));
      }
      return Status::Ok();
  }
  return Status::Error(ErrorCode::kInvalidArgument, "unknown ref kind");
}

Result<std::string> ValidatePath(const std::string& path) {
  auto normalized = NormalizeRelativePath(path);
  if (!normalized) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("path '{}' climbs out of the repository", path));
  }
  return *normalized;
}

}  // namespace

GitSource::GitSource(Mode mode, SourceConfig config, RemoteUrl url, model::Clock* clock)
    : mode_(mode), config_(std::move(config)), url_(std::move(url)), clock_(clock) {}

GitSource::~GitSource() = default;

Result<std::unique_ptr<GitSource>> GitSource::Create(SourceConfig config, model::Clock& clock) {
  LibGit2Guard libgit2;  // ValidateRef calls into libgit2
  auto url = ParseRemoteUrl(config.url);
  if (!url.ok()) return url.status();
  if (url->kind == UrlKind::kLocalPath) {
    // The URL is stored in the cache's config: make it independent of the working directory.
    std::error_code ec;
    fs::path absolute = fs::absolute(config.url, ec);
    if (ec) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("repository path '{}': {}", config.url, ec.message()));
    }
    config.url = absolute.lexically_normal().string();
    if (config.url.size() > 1 && config.url.back() == '/') config.url.pop_back();
    url->path = config.url;
  }
  if (Status s = ValidateRef(config.ref); !s.ok()) return s;
  auto path = ValidatePath(config.path);
  if (!path.ok()) return path.status();
  config.path = *path;
  if (config.cache_dir.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument, "cache_dir must be set");
  }
  return std::unique_ptr<GitSource>(
      new GitSource(Mode::kCache, std::move(config), std::move(url).value(), &clock));
}

Result<std::unique_ptr<GitSource>> GitSource::OpenLocal(const std::string& repo_path,
                                                        const std::string& sub_path,
                                                        const SourceLimits& limits) {
  SourceConfig config;
  config.url = repo_path;
  config.limits = limits;
  auto path = ValidatePath(sub_path);
  if (!path.ok()) return path.status();
  config.path = *path;
  RemoteUrl url;
  url.kind = UrlKind::kLocalPath;
  url.path = repo_path;
  std::unique_ptr<GitSource> source(
      new GitSource(Mode::kLocal, std::move(config), std::move(url), nullptr));
  git_repository* raw = nullptr;
  if (int rc =
          git_repository_open_ext(&raw, repo_path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
      rc < 0) {
    Status s = GitStatus(rc, "open repository '" + repo_path + "'");
    return Status::Error(rc == GIT_ENOTFOUND ? ErrorCode::kNotFound : s.code(), s.message());
  }
  source->repo_.reset(raw);
  return source;
}

model::Duration GitSource::Since(model::TimePoint start) const {
  if (clock_ == nullptr) return model::Duration::zero();
  return clock_->Now() - start;
}

std::string GitSource::FollowedRefName() const {
  if (mode_ == Mode::kLocal) return "HEAD";
  switch (config_.ref.kind) {
    case RefKind::kBranch:
      return "refs/heads/" + config_.ref.name;
    case RefKind::kTag:
      return "refs/tags/" + config_.ref.name;
    case RefKind::kCommit:
      return config_.ref.name;
  }
  return config_.ref.name;
}

Status GitSource::EnsureRepository() {
  if (repo_) return Status::Ok();
  return OpenOrInitCache();
}

Status GitSource::OpenOrInitCache() {
  const std::string& dir = config_.cache_dir;
  std::error_code ec;
  bool exists = fs::exists(dir, ec);
  git_repository* raw = nullptr;
  if (exists) {
    int rc = git_repository_open_ext(&raw, dir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
    if (rc < 0) {
      if (!fs::is_empty(dir, ec)) {
        return Status::Error(ErrorCode::kFailedPrecondition,
                             fmt::format("cache_dir '{}' exists and is not a Git repository", dir));
      }
    }
  } else if (fs::create_directories(dir, ec); ec) {
    return Status::Error(ErrorCode::kIoError,
                         fmt::format("cannot create cache_dir '{}': {}", dir, ec.message()));
  }
  if (raw == nullptr) {
    if (int rc = git_repository_init(&raw, dir.c_str(), /*is_bare=*/1); rc < 0) {
      return GitStatus(rc, "create bare repository in '" + dir + "'");
    }
  }
  RepositoryPtr repo(raw);

  // Only the URL is recorded ("remote.origin.url", so a restart can check it); fetches use an
  // in-memory remote with explicit refspecs. Why not git_remote_lookup(): it runs the config's
  // url.*.insteadOf regex scan, and libgit2 1.5 with the system pcre2 leaks ~20 KiB per call.
  git_config* raw_config = nullptr;
  if (int rc = git_repository_config(&raw_config, repo.get()); rc < 0) {
    return GitStatus(rc, "read config of '" + dir + "'");
  }
  std::unique_ptr<git_config, GitDeleter<git_config, git_config_free>> git_config(raw_config);
  git_buf existing = GIT_BUF_INIT;
  int rc = git_config_get_string_buf(&existing, git_config.get(), kRemoteUrlKey);
  std::string recorded = rc == 0 ? std::string(existing.ptr, existing.size) : "";
  git_buf_dispose(&existing);
  if (rc == GIT_ENOTFOUND) {
    if (rc = git_config_set_string(git_config.get(), kRemoteUrlKey, config_.url.c_str()); rc < 0) {
      return GitStatus(rc, "record remote URL in '" + dir + "'");
    }
    recorded = config_.url;
  } else if (rc < 0) {
    return GitStatus(rc, "read remote URL of '" + dir + "'");
  }
  if (recorded != config_.url) {
    return Status::Error(
        ErrorCode::kFailedPrecondition,
        fmt::format("cache_dir '{}' holds a clone of '{}', not '{}'; use another cache_dir", dir,
                    RedactUrl(recorded), RedactUrl(config_.url)));
  }
  repo_ = std::move(repo);
  return Status::Ok();
}

Status GitSource::FetchOrigin() {
  git_remote_create_options create = GIT_REMOTE_CREATE_OPTIONS_INIT;
  create.repository = repo_.get();
  create.name = nullptr;  // in-memory: nothing read from or written to the config
  create.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  git_remote* raw = nullptr;
  if (int rc = git_remote_create_with_opts(&raw, config_.url.c_str(), &create); rc < 0) {
    return GitStatus(rc, "set up remote " + RedactUrl(config_.url));
  }
  RemotePtr remote(raw);
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  options.prune = GIT_FETCH_PRUNE;  // a branch deleted upstream disappears from the cache
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;  // tags come from the explicit refspec
  options.update_fetchhead = 0;
  if (url_.kind != UrlKind::kLocalPath && url_.kind != UrlKind::kFile) {
    options.proxy_opts.type = GIT_PROXY_AUTO;  // honour git config / https_proxy
  }
  RemoteAuth auth(config_.credentials, url_);
  auth.Install(&options.callbacks);
  const char* refspecs[] = {kBranchRefspec, kTagRefspec};
  git_strarray refspec_array{const_cast<char**>(refspecs), 2};
  int rc = git_remote_fetch(remote.get(), &refspec_array, &options, "capstan: fetch");
  if (rc >= 0) return Status::Ok();
  Status s = GitStatus(rc, "fetch " + RedactUrl(config_.url));
  bool refused = rc == GIT_EAUTH || rc == GIT_ECERTIFICATE || !auth.refusal().empty();
  std::string message = auth.refusal().empty()
                            ? s.message()
                            : "fetch " + RedactUrl(config_.url) + ": " + auth.refusal();
  return Status::Error(refused ? ErrorCode::kPermissionDenied : ErrorCode::kUnavailable,
                       std::move(message));
}

Result<CommitPtr> GitSource::PeelRevision(const std::string& revision) {
  git_object* raw = nullptr;
  int rc = git_revparse_single(&raw, repo_.get(), revision.c_str());
  if (rc == GIT_ENOTFOUND) {
    return Status::Error(ErrorCode::kNotFound, fmt::format("revision '{}' not found in {}",
                                                           revision, RedactUrl(config_.url)));
  }
  if (rc < 0) {
    Status s = GitStatus(rc, "parse revision '" + revision + "'");
    return Status::Error(ErrorCode::kInvalidArgument, s.message());
  }
  ObjectPtr object(raw);
  git_object* peeled = nullptr;
  if (rc = git_object_peel(&peeled, object.get(), GIT_OBJECT_COMMIT); rc < 0) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("revision '{}' does not name a commit", revision));
  }
  return CommitPtr(reinterpret_cast<git_commit*>(peeled));
}

Result<CommitPtr> GitSource::ResolveFollowed() {
  if (mode_ == Mode::kLocal) return PeelRevision("HEAD");
  const std::string& name = config_.ref.name;
  if (config_.ref.kind == RefKind::kCommit) {
    git_oid oid;
    if (git_oid_fromstr(&oid, name.c_str()) < 0) {
      return Status::Error(ErrorCode::kInvalidArgument, "bad commit SHA '" + name + "'");
    }
    git_commit* raw = nullptr;
    int rc = git_commit_lookup(&raw, repo_.get(), &oid);
    if (rc == GIT_ENOTFOUND) {
      return Status::Error(ErrorCode::kNotFound, fmt::format("commit {} does not exist in {}", name,
                                                             RedactUrl(config_.url)));
    }
    if (rc < 0) return GitStatus(rc, "read commit " + name);
    return CommitPtr(raw);
  }
  const char* what = config_.ref.kind == RefKind::kBranch ? "branch" : "tag";
  std::string full = FollowedRefName();
  git_reference* raw_ref = nullptr;
  int rc = git_reference_lookup(&raw_ref, repo_.get(), full.c_str());
  if (rc == GIT_ENOTFOUND) {
    return Status::Error(ErrorCode::kNotFound, fmt::format("{} '{}' does not exist in {}", what,
                                                           name, RedactUrl(config_.url)));
  }
  if (rc < 0) return GitStatus(rc, fmt::format("read {} '{}'", what, name));
  ReferencePtr ref(raw_ref);
  git_object* peeled = nullptr;
  if (rc = git_reference_peel(&peeled, ref.get(), GIT_OBJECT_COMMIT); rc < 0) {
    Status s = GitStatus(rc, fmt::format("{} '{}' does not point at a commit", what, name));
    return Status::Error(ErrorCode::kFailedPrecondition, s.message());
  }
  return CommitPtr(reinterpret_cast<git_commit*>(peeled));
}

Status GitSource::PointHeadAt(const git_commit* commit) {
  if (mode_ != Mode::kCache) return Status::Ok();
  if (config_.ref.kind == RefKind::kBranch) {
    std::string target = FollowedRefName();
    git_reference* raw = nullptr;
    if (git_reference_lookup(&raw, repo_.get(), "HEAD") == 0) {
      ReferencePtr head(raw);
      const char* current = git_reference_symbolic_target(head.get());
      if (current != nullptr && target == current) return Status::Ok();
    }
    return GitStatus(git_repository_set_head(repo_.get(), target.c_str()), "point HEAD at branch");
  }
  git_reference* raw = nullptr;
  if (git_repository_head_detached(repo_.get()) == 1 &&
      git_repository_head(&raw, repo_.get()) == 0) {
    ReferencePtr head(raw);
    const git_oid* current = git_reference_target(head.get());
    if (current != nullptr && git_oid_equal(current, git_commit_id(commit))) return Status::Ok();
  }
  return GitStatus(git_repository_set_head_detached(repo_.get(), git_commit_id(commit)),
                   "point HEAD at commit");
}

Result<std::shared_ptr<const model::Snapshot>> GitSource::Fetch() {
  model::TimePoint start = clock_ != nullptr ? clock_->Now() : model::TimePoint();
  if (Status s = EnsureRepository(); !s.ok()) return s;

  FetchInfo info;
  std::string before;  // the cache's idea of the followed ref, from the previous run if restarted
  if (mode_ == Mode::kCache) {
    if (auto old = ResolveFollowed(); old.ok()) before = OidString(git_commit_id(old->get()));
    if (Status s = FetchOrigin(); !s.ok()) return s;
  }
  info.fetch_duration = Since(start);

  auto commit = ResolveFollowed();
  if (!commit.ok()) return commit.status();
  const git_oid* id = git_commit_id(commit->get());
  info.commit = OidString(id);
  info.previous_commit = latest_ ? latest_->commit : before;
  info.changed = info.commit != info.previous_commit;
  if (info.changed && !info.previous_commit.empty() &&
      (mode_ == Mode::kLocal || config_.ref.kind != RefKind::kCommit)) {
    git_oid old;
    // descendant_of is 1 for a fast-forward, 0 for a rewrite, <0 if the old commit is gone.
    info.history_rewritten = git_oid_fromstr(&old, info.previous_commit.c_str()) < 0 ||
                             git_graph_descendant_of(repo_.get(), id, &old) != 1;
    if (info.history_rewritten) {
      spdlog::warn("git source {} ({}): history rewritten: {}..{}", RedactUrl(config_.url),
                   FollowedRefName(), info.previous_commit, info.commit);
    }
  }
  if (Status s = PointHeadAt(commit->get()); !s.ok()) return s;

  std::shared_ptr<const model::Snapshot> snapshot;
  if (latest_ && latest_->commit == info.commit) {
    snapshot = latest_;  // nothing moved: the immutable snapshot is still exact
  } else {
    model::TimePoint build_start = clock_ != nullptr ? clock_->Now() : model::TimePoint();
    auto built = BuildFollowedSnapshot(commit->get());
    if (!built.ok()) return built.status();
    snapshot = std::move(built).value();
    info.snapshot_duration = Since(build_start);
  }
  latest_ = snapshot;
  last_fetch_ = std::move(info);
  return snapshot;
}

Result<std::shared_ptr<const model::Snapshot>> GitSource::BuildFollowedSnapshot(
    const git_commit* commit) {
  SnapshotOrigin origin{RedactUrl(config_.url), FollowedRefName(), config_.path};
  SnapshotStats stats;
  if (latest_ && latest_symlinks_ == 0) {
    // Most fetches change a few files: start from the last snapshot and apply the tree diff.
    git_oid base_id;
    git_commit* raw_base = nullptr;
    if (git_oid_fromstr(&base_id, latest_->commit.c_str()) == 0 &&
        git_commit_lookup(&raw_base, repo_.get(), &base_id) == 0) {
      CommitPtr base(raw_base);
      auto built = BuildSnapshotIncremental(repo_.get(), base.get(), *latest_, commit, origin,
                                            config_.limits, &stats);
      if (!built.ok()) return built.status();
      if (*built != nullptr) {
        latest_symlinks_ = 0;
        return std::move(built).value();
      }
    }
  }
  auto built = BuildSnapshot(repo_.get(), commit, origin, config_.limits, &stats);
  if (built.ok()) latest_symlinks_ = stats.symlinks;
  return built;
}

Result<std::shared_ptr<const model::Snapshot>> GitSource::SnapshotAt(const std::string& revision) {
  if (Status s = EnsureRepository(); !s.ok()) return s;
  auto commit = PeelRevision(revision);
  if (!commit.ok()) return commit.status();
  return BuildSnapshot(repo_.get(), commit->get(), {RedactUrl(config_.url), revision, config_.path},
                       config_.limits);
}

Result<std::string> GitSource::ResolveCommit(const std::string& revision) {
  if (Status s = EnsureRepository(); !s.ok()) return s;
  auto commit = PeelRevision(revision);
  if (!commit.ok()) return commit.status();
  return OidString(git_commit_id(commit->get()));
}

Result<std::string> GitSource::FirstParent(const std::string& revision) {
  if (Status s = EnsureRepository(); !s.ok()) return s;
  auto commit = PeelRevision(revision);
  if (!commit.ok()) return commit.status();
  if (git_commit_parentcount(commit->get()) == 0) {
    return Status::Error(ErrorCode::kNotFound,
                         fmt::format("commit {} ('{}') has no parent",
                                     OidString(git_commit_id(commit->get())), revision));
  }
  return OidString(git_commit_parent_id(commit->get(), 0));
}

}  // namespace capstan::sources
