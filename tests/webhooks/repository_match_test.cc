#include "sources/webhooks/repository_match.h"

#include <gtest/gtest.h>

#include <vector>

namespace capstan::webhooks {
namespace {

PushEvent Push(std::string ref, std::vector<std::string> urls) {
  PushEvent push;
  push.ref = std::move(ref);
  push.repository_urls = std::move(urls);
  return push;
}

TEST(TracksRef, BranchesAndTags) {
  TrackedRepository main{"u", RefKind::kBranch, "main"};
  EXPECT_TRUE(TracksRef(main, "refs/heads/main"));
  EXPECT_FALSE(TracksRef(main, "refs/heads/main2"));
  EXPECT_FALSE(TracksRef(main, "refs/heads/mai"));
  EXPECT_FALSE(TracksRef(main, "refs/tags/main"));
  EXPECT_FALSE(TracksRef(main, "main"));
  TrackedRepository nested{"u", RefKind::kBranch, "release/1.x"};
  EXPECT_TRUE(TracksRef(nested, "refs/heads/release/1.x"));

  TrackedRepository exact_tag{"u", RefKind::kTag, "v1.0.0"};
  EXPECT_TRUE(TracksRef(exact_tag, "refs/tags/v1.0.0"));
  EXPECT_FALSE(TracksRef(exact_tag, "refs/tags/v1.0.1"));
  EXPECT_FALSE(TracksRef(exact_tag, "refs/heads/v1.0.0"));
  TrackedRepository glob{"u", RefKind::kTag, "v*"};
  EXPECT_TRUE(TracksRef(glob, "refs/tags/v2.3.4"));
  EXPECT_FALSE(TracksRef(glob, "refs/tags/release-2"));
  TrackedRepository empty{"u", RefKind::kTag, ""};
  EXPECT_FALSE(TracksRef(empty, "refs/tags/"));
}

TEST(MatchPush, AnyPayloadUrlMayMatch) {
  std::vector<TrackedRepository> repos = {
      {"https://other/x", RefKind::kBranch, "main"},
      {"ssh://git@host:2222/o/r.git", RefKind::kBranch, "main"}};
  PushMatch match =
      MatchPush(Push("refs/heads/main", {"https://host/o/r.git", "git@host:o/r.git"}), repos);
  EXPECT_EQ(match.matched, std::vector<size_t>{1});
  EXPECT_TRUE(match.reason.empty());
}

TEST(MatchPush, ReasonsForNoMatch) {
  std::vector<TrackedRepository> repos = {{"https://host/o/r", RefKind::kBranch, "main"}};
  PushMatch other_branch = MatchPush(Push("refs/heads/dev", {"https://host/o/r.git"}), repos);
  EXPECT_TRUE(other_branch.matched.empty());
  EXPECT_EQ(other_branch.reason, "ref refs/heads/dev is not tracked");

  PushMatch other_repo = MatchPush(Push("refs/heads/main", {"https://host/o/other.git"}), repos);
  EXPECT_TRUE(other_repo.matched.empty());
  EXPECT_EQ(other_repo.reason, "repository https://host/o/other.git is not configured");

  PushMatch no_url = MatchPush(Push("refs/heads/main", {}), repos);
  EXPECT_TRUE(no_url.matched.empty());
  EXPECT_EQ(no_url.reason, "push names no repository");
}

TEST(MatchPush, EmptyConfiguredUrlNeverMatches) {
  std::vector<TrackedRepository> repos = {{"", RefKind::kBranch, "main"}};
  EXPECT_TRUE(MatchPush(Push("refs/heads/main", {""}), repos).matched.empty());
}

}  // namespace
}  // namespace capstan::webhooks
