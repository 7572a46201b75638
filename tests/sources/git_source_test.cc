#include "sources/git_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "tests/fakes/fake_clock.h"
#include "tests/sources/git_test_repo.h"
#include "tests/sources/temp_dir.h"

namespace capstan::sources {
namespace {

using model::ErrorCode;
using testing::FakeClock;
using testing::GitTestRepo;
using testing::TempDir;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class GitSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    upstream_ = std::make_unique<GitTestRepo>(tmp_.Sub("upstream"));
    ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();
  }

  SourceConfig Config(RefSpec ref = {}, std::string path = "apps") {
    SourceConfig config;
    config.url = upstream_->dir();
    config.ref = std::move(ref);
    config.path = std::move(path);
    config.cache_dir = tmp_.Sub("cache");
    return config;
  }

  std::unique_ptr<GitSource> Make(SourceConfig config) {
    auto source = GitSource::Create(std::move(config), clock_);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    return source.ok() ? std::move(source).value() : nullptr;
  }

  // Fetches and expects success; returns the snapshot (never null on success).
  std::shared_ptr<const model::Snapshot> MustFetch(GitSource& source) {
    auto snapshot = source.Fetch();
    EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    return snapshot.ok() ? *snapshot : nullptr;
  }

  TempDir tmp_;
  FakeClock clock_;
  std::unique_ptr<GitTestRepo> upstream_;
};

TEST_F(GitSourceTest, FirstFetchClonesBareAndReadsMetadataAndFiles) {
  upstream_->Write("apps/web/deploy.yaml", "kind: Deployment\n");
  upstream_->Write("apps/db/service.yaml", "kind: Service\n");
  std::string sha = upstream_->Commit("first commit\n\nbody");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();

  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->Latest(), nullptr);
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->commit, sha);
  EXPECT_EQ(snap->ref, "refs/heads/main");
  EXPECT_EQ(snap->author, "Test User <test@example.com>");
  EXPECT_EQ(snap->message, "first commit\n\nbody\n");
  EXPECT_EQ(std::to_string(snap->commit_time), upstream_->Git("log -1 --format=%ct"));
  EXPECT_EQ(snap->path, "apps");
  ASSERT_EQ(snap->files.size(), 2u);
  EXPECT_EQ(snap->files.at("web/deploy.yaml"), "kind: Deployment\n");
  EXPECT_EQ(snap->files.at("db/service.yaml"), "kind: Service\n");
  EXPECT_EQ(source->Latest(), snap);
  // The cache is a bare repository, not a checkout.
  EXPECT_TRUE(std::filesystem::exists(tmp_.Sub("cache/HEAD")));
  EXPECT_FALSE(std::filesystem::exists(tmp_.Sub("cache/apps")));
}

TEST_F(GitSourceTest, NewCommitIsPickedUpIncrementally) {
  upstream_->Write("apps/web/deploy.yaml", "replicas: 1\n");
  std::string first = upstream_->Commit("one");
  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  auto snap1 = MustFetch(*source);
  ASSERT_NE(snap1, nullptr);

  // Unchanged upstream: the same immutable snapshot comes back.
  auto again = MustFetch(*source);
  EXPECT_EQ(again, snap1);
  EXPECT_FALSE(source->last_fetch().changed);

  upstream_->Write("apps/web/deploy.yaml", "replicas: 3\n");
  std::string second = upstream_->Commit("two");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();
  auto snap2 = MustFetch(*source);
  ASSERT_NE(snap2, nullptr);
  EXPECT_EQ(snap2->commit, second);
  EXPECT_EQ(snap2->files.at("web/deploy.yaml"), "replicas: 3\n");
  EXPECT_EQ(snap1->files.at("web/deploy.yaml"), "replicas: 1\n");  // old snapshot untouched
  EXPECT_TRUE(source->last_fetch().changed);
  EXPECT_EQ(source->last_fetch().previous_commit, first);
  EXPECT_FALSE(source->history_rewritten());
}

TEST_F(GitSourceTest, ForcePushIsFollowedAndFlaggedAsRewrite) {
  upstream_->Write("apps/a.yaml", "a\n");
  std::string base = upstream_->Commit("base");
  upstream_->Write("apps/a.yaml", "b\n");
  std::string dropped = upstream_->Commit("to be dropped");
  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  ASSERT_EQ(MustFetch(*source)->commit, dropped);

  upstream_->Git("reset -q --hard " + base);
  upstream_->Write("apps/a.yaml", "c\n");
  std::string rewritten = upstream_->Commit("rewritten");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();

  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->commit, rewritten);
  EXPECT_EQ(snap->files.at("a.yaml"), "c\n");
  EXPECT_TRUE(source->history_rewritten());
  EXPECT_EQ(source->last_fetch().previous_commit, dropped);

  // A plain fast-forward afterwards clears the flag.
  upstream_->Write("apps/a.yaml", "d\n");
  upstream_->Commit("forward");
  MustFetch(*source);
  EXPECT_FALSE(source->history_rewritten());
}

TEST_F(GitSourceTest, MovedAnnotatedTagIsFollowed) {
  upstream_->Write("apps/a.yaml", "v1\n");
  std::string one = upstream_->Commit("one");
  upstream_->Git("tag -a -m release v1");
  upstream_->Write("apps/a.yaml", "v2\n");
  std::string two = upstream_->Commit("two");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();

  auto source = Make(Config({RefKind::kTag, "v1"}));
  ASSERT_NE(source, nullptr);
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->commit, one);  // peeled through the tag object
  EXPECT_EQ(snap->ref, "refs/tags/v1");
  EXPECT_EQ(snap->files.at("a.yaml"), "v1\n");

  upstream_->Git("tag -f -a -m moved v1 " + two);
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();
  snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->commit, two);
  EXPECT_EQ(snap->files.at("a.yaml"), "v2\n");
  EXPECT_FALSE(source->history_rewritten());  // moved forward

  // A deleted tag is NotFound and the last snapshot stays.
  upstream_->Git("tag -d v1");
  auto gone = source->Fetch();
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(source->Latest(), snap);
}

TEST_F(GitSourceTest, LightweightTagIsFollowed) {
  upstream_->Write("apps/a.yaml", "x\n");
  std::string one = upstream_->Commit("one");
  upstream_->Git("tag light");
  upstream_->Commit("two");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();
  auto source = Make(Config({RefKind::kTag, "light"}));
  ASSERT_NE(source, nullptr);
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->commit, one);
}

TEST_F(GitSourceTest, PinnedCommitStaysPutAndUnknownShaIsNotFound) {
  upstream_->Write("apps/a.yaml", "pinned\n");
  std::string pinned = upstream_->Commit("one");
  upstream_->Write("apps/a.yaml", "later\n");
  upstream_->Commit("two");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();

  auto source = Make(Config({RefKind::kCommit, pinned}));
  ASSERT_NE(source, nullptr);
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->commit, pinned);
  EXPECT_EQ(snap->ref, pinned);
  EXPECT_EQ(snap->files.at("a.yaml"), "pinned\n");
  // HEAD of the cache is the pinned commit.
  auto head = source->ResolveCommit("HEAD");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(*head, pinned);

  SourceConfig missing = Config({RefKind::kCommit, std::string(40, 'a')});
  missing.cache_dir = tmp_.Sub("cache2");
  auto other = Make(missing);
  ASSERT_NE(other, nullptr);
  auto result = other->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(other->Latest(), nullptr);
}

TEST_F(GitSourceTest, DeletedBranchIsNotFoundAndLastSnapshotKept) {
  upstream_->Write("apps/a.yaml", "main\n");
  upstream_->Commit("one");
  upstream_->Git("branch feature");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();

  auto source = Make(Config({RefKind::kBranch, "feature"}));
  ASSERT_NE(source, nullptr);
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);

  upstream_->Git("branch -D feature");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();
  auto result = source->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(result.status().message(), "feature")) << result.status().message();
  EXPECT_EQ(source->Latest(), snap);
}

TEST_F(GitSourceTest, UnreachableRemoteIsUnavailableAndLastSnapshotKept) {
  upstream_->Write("apps/a.yaml", "a\n");
  upstream_->Commit("one");
  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);

  std::filesystem::rename(upstream_->dir(), tmp_.Sub("moved-away"));
  auto result = source->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kUnavailable) << result.status().ToString();
  EXPECT_EQ(source->Latest(), snap);
  // Cached revisions stay readable while the remote is down.
  auto at = source->SnapshotAt("HEAD");
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ((*at)->commit, snap->commit);

  std::filesystem::rename(tmp_.Sub("moved-away"), upstream_->dir());
  EXPECT_NE(MustFetch(*source), nullptr);
}

TEST_F(GitSourceTest, FileUrlWorks) {
  upstream_->Write("apps/a.yaml", "a\n");
  std::string sha = upstream_->Commit("one");
  SourceConfig config = Config();
  config.url = "file://" + upstream_->dir();
  auto source = Make(config);
  ASSERT_NE(source, nullptr);
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->commit, sha);
}

TEST_F(GitSourceTest, SymlinkOutsideRepositoryIsRefusedByName) {
  upstream_->Write("apps/ok.yaml", "ok\n");
  upstream_->Symlink("apps/evil.yaml", "../../../etc/passwd");
  upstream_->Commit("escape");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();
  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  auto result = source->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(Contains(result.status().message(), "apps/evil.yaml")) << result.status().message();
  EXPECT_EQ(source->Latest(), nullptr);
}

TEST_F(GitSourceTest, AbsoluteSymlinkIsRefused) {
  upstream_->Symlink("apps/abs.yaml", "/etc/hostname");
  upstream_->Commit("absolute");
  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  auto result = source->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(Contains(result.status().message(), "apps/abs.yaml"));
}

TEST_F(GitSourceTest, SymlinkInsideRepositoryIsResolvedToItsFile) {
  upstream_->Write("shared/base.yaml", "base: true\n");
  upstream_->Symlink("apps/web/base.yaml", "../../shared/base.yaml");
  upstream_->Symlink("apps/chain.yaml", "web/base.yaml");  // link to a link
  upstream_->Commit("links");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();
  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->files.at("web/base.yaml"), "base: true\n");
  EXPECT_EQ(snap->files.at("chain.yaml"), "base: true\n");
}

TEST_F(GitSourceTest, SymlinkToDirectoryIsRefused) {
  upstream_->Write("shared/base.yaml", "base\n");
  upstream_->Symlink("apps/dir", "../shared");
  upstream_->Commit("dir link");
  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  auto result = source->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(Contains(result.status().message(), "apps/dir"));
}

TEST_F(GitSourceTest, FileOverSizeLimitIsRefusedWithItsPath) {
  upstream_->Write("apps/small.yaml", "x\n");
  upstream_->Write("apps/web/big.yaml", std::string(2000, 'b'));
  upstream_->Commit("big");
  SourceConfig config = Config();
  config.limits.max_file_bytes = 1000;
  auto source = Make(config);
  ASSERT_NE(source, nullptr);
  auto result = source->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(Contains(result.status().message(), "apps/web/big.yaml"));
  EXPECT_TRUE(Contains(result.status().message(), "2000"));
  EXPECT_TRUE(Contains(result.status().message(), "1000"));
}

TEST_F(GitSourceTest, SnapshotByteAndFileCountLimits) {
  for (int i = 0; i < 5; ++i) upstream_->Write("apps/f" + std::to_string(i), std::string(100, 'x'));
  upstream_->Commit("five files");

  SourceConfig bytes = Config();
  bytes.limits.max_snapshot_bytes = 450;
  auto source = Make(bytes);
  ASSERT_NE(source, nullptr);
  auto result = source->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(Contains(result.status().message(), "max_snapshot_bytes"));
  EXPECT_TRUE(Contains(result.status().message(), "apps/f4"));

  SourceConfig count = Config();
  count.cache_dir = tmp_.Sub("cache-count");
  count.limits.max_files = 4;
  source = Make(count);
  ASSERT_NE(source, nullptr);
  result = source->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kLimitExceeded);
  EXPECT_TRUE(Contains(result.status().message(), "max_files"));

  count.cache_dir = tmp_.Sub("cache-count-ok");
  count.limits.max_files = 5;
  source = Make(count);
  ASSERT_NE(source, nullptr);
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->files.size(), 5u);
}

TEST_F(GitSourceTest, OnlyFilesUnderPathAreTaken) {
  upstream_->Write("README.md", "readme\n");
  upstream_->Write("apps/web/deploy.yaml", "web\n");
  upstream_->Write("apps-other/x.yaml", "not mine\n");
  upstream_->Write("docs/apps/y.yaml", "nor this\n");
  upstream_->Commit("layout");

  auto source = Make(Config({}, "/apps/"));
  ASSERT_NE(source, nullptr);
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->path, "apps");
  ASSERT_EQ(snap->files.size(), 1u);
  EXPECT_EQ(snap->files.begin()->first, "web/deploy.yaml");

  SourceConfig root = Config({}, "");
  root.cache_dir = tmp_.Sub("cache-root");
  source = Make(root);
  ASSERT_NE(source, nullptr);
  snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->files.size(), 4u);
  EXPECT_EQ(snap->files.at("docs/apps/y.yaml"), "nor this\n");

  SourceConfig missing = Config({}, "nope");
  missing.cache_dir = tmp_.Sub("cache-missing");
  source = Make(missing);
  ASSERT_NE(source, nullptr);
  auto result = source->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kNotFound);
}

TEST_F(GitSourceTest, SubmodulesAreSkipped) {
  upstream_->Write("apps/a.yaml", "a\n");
  std::string sha = upstream_->Commit("one");
  // A gitlink entry, as `git submodule add` would record (the submodule itself is not needed).
  upstream_->Git("update-index --add --cacheinfo 160000," + sha + ",apps/vendored");
  upstream_->Git("commit -q -m submodule");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();
  ASSERT_EQ(upstream_->Git("ls-tree HEAD apps/vendored").substr(0, 6), "160000");
  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  ASSERT_EQ(snap->files.size(), 1u);
  EXPECT_EQ(snap->files.count("a.yaml"), 1u);
}

TEST_F(GitSourceTest, SnapshotAtAndFirstParent) {
  upstream_->Write("apps/a.yaml", "1\n");
  std::string one = upstream_->Commit("one");
  upstream_->Write("apps/a.yaml", "2\n");
  std::string two = upstream_->Commit("two");
  upstream_->Git("tag v2");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();

  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  ASSERT_NE(MustFetch(*source), nullptr);

  auto prev = source->SnapshotAt("HEAD~1");
  ASSERT_TRUE(prev.ok()) << prev.status().ToString();
  EXPECT_EQ((*prev)->commit, one);
  EXPECT_EQ((*prev)->ref, "HEAD~1");
  EXPECT_EQ((*prev)->files.at("a.yaml"), "1\n");
  auto by_sha = source->SnapshotAt(one.substr(0, 10));
  ASSERT_TRUE(by_sha.ok());
  EXPECT_EQ((*by_sha)->commit, one);
  auto by_tag = source->SnapshotAt("v2");
  ASSERT_TRUE(by_tag.ok());
  EXPECT_EQ((*by_tag)->commit, two);

  auto parent = source->FirstParent("HEAD");
  ASSERT_TRUE(parent.ok()) << parent.status().ToString();
  EXPECT_EQ(*parent, one);
  auto root_parent = source->FirstParent(one);
  ASSERT_FALSE(root_parent.ok());
  EXPECT_EQ(root_parent.status().code(), ErrorCode::kNotFound);

  auto unknown = source->SnapshotAt("no-such-branch");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kNotFound);
  auto bad = source->SnapshotAt("HEAD~~~~:::");
  ASSERT_FALSE(bad.ok());
}

TEST_F(GitSourceTest, ReopeningTheCacheDirWorksAfterRestart) {
  upstream_->Write("apps/a.yaml", "1\n");
  std::string one = upstream_->Commit("one");
  upstream_->Write("apps/a.yaml", "2\n");
  std::string two = upstream_->Commit("two");
  {
    auto source = Make(Config());
    ASSERT_NE(source, nullptr);
    ASSERT_NE(MustFetch(*source), nullptr);
  }
  // "Restart": a new GitSource over the same cache reads it before any fetch...
  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  auto cached = source->SnapshotAt("HEAD");
  ASSERT_TRUE(cached.ok()) << cached.status().ToString();
  EXPECT_EQ((*cached)->commit, two);

  // ...and notices a rewrite that happened while it was down.
  upstream_->Git("reset -q --hard " + one);
  upstream_->Write("apps/a.yaml", "3\n");
  std::string three = upstream_->Commit("three");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();
  auto snap = MustFetch(*source);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->commit, three);
  EXPECT_EQ(source->last_fetch().previous_commit, two);
  EXPECT_TRUE(source->history_rewritten());
}

TEST_F(GitSourceTest, CacheOfAnotherUrlIsRefusedNotWiped) {
  upstream_->Write("apps/a.yaml", "1\n");
  upstream_->Commit("one");
  auto source = Make(Config());
  ASSERT_NE(source, nullptr);
  ASSERT_NE(MustFetch(*source), nullptr);

  GitTestRepo other(tmp_.Sub("other"));
  other.Write("apps/b.yaml", "b\n");
  other.Commit("other");
  SourceConfig config = Config();
  config.url = other.dir();
  auto wrong = Make(config);
  ASSERT_NE(wrong, nullptr);
  auto result = wrong->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(std::filesystem::exists(tmp_.Sub("cache/HEAD")));

  // A directory that is not a repository and not empty is refused too.
  std::filesystem::create_directories(tmp_.Sub("junk"));
  std::ofstream(tmp_.Sub("junk/file")) << "x";
  config.cache_dir = tmp_.Sub("junk");
  wrong = Make(config);
  ASSERT_NE(wrong, nullptr);
  result = wrong->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(GitSourceTest, OpenLocalReadsAWorkingCloneInPlace) {
  upstream_->Write("apps/a.yaml", "1\n");
  std::string one = upstream_->Commit("one");
  upstream_->Write("apps/a.yaml", "2\n");
  std::string two = upstream_->Commit("two");
  upstream_->Write("apps/a.yaml", "uncommitted\n");  // the working tree is not read

  auto local = GitSource::OpenLocal(upstream_->dir(), "apps");
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  auto snap = (*local)->Fetch();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ((*snap)->commit, two);
  EXPECT_EQ((*snap)->ref, "HEAD");
  EXPECT_EQ((*snap)->files.at("a.yaml"), "2\n");
  auto parent = (*local)->FirstParent("HEAD");
  ASSERT_TRUE(parent.ok());
  EXPECT_EQ(*parent, one);
  auto base = (*local)->SnapshotAt(*parent);
  ASSERT_TRUE(base.ok());
  EXPECT_EQ((*base)->files.at("a.yaml"), "1\n");
  // Nothing was cloned next to it.
  EXPECT_FALSE(std::filesystem::exists(tmp_.Sub("cache")));

  auto missing = GitSource::OpenLocal(tmp_.Sub("nothing-here"), "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

TEST_F(GitSourceTest, CreateRejectsBadConfig) {
  SourceConfig config = Config({RefKind::kCommit, "abc123"});
  auto r = GitSource::Create(config, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);

  r = GitSource::Create(Config({RefKind::kBranch, "bad..name"}), clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);

  r = GitSource::Create(Config({}, "../outside"), clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);

  config = Config();
  config.url = "git://host/repo";
  r = GitSource::Create(config, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);

  config = Config();
  config.cache_dir = "";
  r = GitSource::Create(config, clock_);
  ASSERT_FALSE(r.ok());
}

TEST_F(GitSourceTest, SshWithoutKnownHostsIsRefusedBeforeAnyKeyIsTrusted) {
  // No network here: an ssh URL to a closed local port must fail as Unavailable (connection
  // refused) or PermissionDenied, never succeed, and never disturb Latest().
  SourceConfig config = Config();
  config.url = "ssh://git@127.0.0.1:1/repo.git";
  auto source = Make(config);
  ASSERT_NE(source, nullptr);
  auto result = source->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.status().code() == ErrorCode::kUnavailable ||
              result.status().code() == ErrorCode::kPermissionDenied)
      << result.status().ToString();
  EXPECT_EQ(source->Latest(), nullptr);
}

}  // namespace
}  // namespace capstan::sources

namespace capstan::sources {
namespace {

// Fetch() builds snapshots incrementally from the previous one; SnapshotAt() always walks the
// whole tree. Both must agree after every kind of change.
TEST_F(GitSourceTest, IncrementalSnapshotsMatchFullBuilds) {
  upstream_->Write("apps/web/a.yaml", "a1\n");
  upstream_->Write("apps/web/b.yaml", "b1\n");
  upstream_->Write("apps/db/c.yaml", "c1\n");
  upstream_->Write("outside/x.yaml", "x1\n");
  upstream_->Commit("base");
  SourceConfig config = Config();
  config.limits.max_files = 4;
  auto source = Make(config);
  ASSERT_NE(source, nullptr);
  ASSERT_NE(MustFetch(*source), nullptr);

  auto check = [&](const std::string& what) {
    auto incremental = MustFetch(*source);
    ASSERT_NE(incremental, nullptr) << what;
    auto full = source->SnapshotAt(incremental->commit);
    ASSERT_TRUE(full.ok()) << what << ": " << full.status().ToString();
    EXPECT_EQ(incremental->files, (*full)->files) << what;
    EXPECT_EQ(incremental->commit, upstream_->Head()) << what;
  };
  upstream_->Write("apps/web/a.yaml", "a2\n");
  upstream_->Commit("modify");
  check("modify");
  std::filesystem::remove(upstream_->dir() + "/apps/web/b.yaml");
  upstream_->Write("apps/new/d.yaml", "d1\n");
  upstream_->Commit("delete and add");
  check("delete and add");
  std::filesystem::remove(upstream_->dir() + "/apps/db/c.yaml");
  upstream_->Write("apps/db/c.yaml/inner.yaml", "now a directory\n");
  upstream_->Commit("file becomes directory");
  check("file becomes directory");
  upstream_->Write("outside/x.yaml", "x2\n");
  upstream_->Commit("change outside the path");
  check("change outside the path");
  // Limits hold on the incremental path too, and a failure keeps the last snapshot.
  auto before = source->Latest();
  upstream_->Write("apps/e.yaml", "e\n");
  upstream_->Write("apps/f.yaml", "f\n");
  upstream_->Commit("fifth file");
  auto result = source->Fetch();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(source->Latest(), before);
  upstream_->Git("reset -q --hard HEAD~1");

  upstream_->Write("shared.yaml", "shared\n");
  upstream_->Symlink("apps/link.yaml", "../shared.yaml");
  upstream_->Commit("symlink appears");
  check("symlink appears");
  ASSERT_TRUE(upstream_->ok()) << upstream_->last_error();
}

}  // namespace
}  // namespace capstan::sources
