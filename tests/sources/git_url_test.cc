#include "sources/git_url.h"

#include <gtest/gtest.h>

namespace capstan::sources {
namespace {

struct UrlCase {
  const char* url;
  UrlKind kind;
  const char* user;
  const char* host;
  int port;
  const char* path;
};

TEST(ParseRemoteUrl, ClassifiesAndSplits) {
  const UrlCase cases[] = {
      {"/srv/repo.git", UrlKind::kLocalPath, "", "", 0, "/srv/repo.git"},
      {"relative/repo", UrlKind::kLocalPath, "", "", 0, "relative/repo"},
      {"./a:b", UrlKind::kLocalPath, "", "", 0, "./a:b"},
      {"file:///srv/repo.git", UrlKind::kFile, "", "", 0, "/srv/repo.git"},
      {"https://github.com/org/repo.git", UrlKind::kHttps, "", "github.com", 0, "/org/repo.git"},
      {"https://bot@git.local:8443/r.git", UrlKind::kHttps, "bot", "git.local", 8443, "/r.git"},
      {"http://gitea:3000/a/b", UrlKind::kHttp, "", "gitea", 3000, "/a/b"},
      {"ssh://git@host.example:2222/org/repo", UrlKind::kSsh, "git", "host.example", 2222,
       "/org/repo"},
      {"ssh://[::1]:22/repo", UrlKind::kSsh, "", "::1", 22, "/repo"},
      {"git@github.com:org/repo.git", UrlKind::kScp, "git", "github.com", 0, "org/repo.git"},
      {"host:repo", UrlKind::kScp, "", "host", 0, "repo"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseRemoteUrl(c.url);
    ASSERT_TRUE(parsed.ok()) << c.url << ": " << parsed.status().ToString();
    EXPECT_EQ(parsed->kind, c.kind) << c.url;
    EXPECT_EQ(parsed->user, c.user) << c.url;
    EXPECT_EQ(parsed->host, c.host) << c.url;
    EXPECT_EQ(parsed->port, c.port) << c.url;
    EXPECT_EQ(parsed->path, c.path) << c.url;
  }
}

TEST(ParseRemoteUrl, RejectsUnsupportedOrMalformed) {
  for (const char* url :
       {"", "git://host/repo", "ftp://host/x", "https://host", "https:///x", "ssh://host:99999/x",
        "ssh://host:abc/x", "file://relative", "[host:22]:repo", "host:"}) {
    auto parsed = ParseRemoteUrl(url);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(parsed.status().code(), model::ErrorCode::kInvalidArgument) << url;
  }
}

TEST(RedactUrl, HidesPasswordsOnly) {
  EXPECT_EQ(RedactUrl("https://bot:s3cret@host/r.git"), "https://bot:***@host/r.git");
  EXPECT_EQ(RedactUrl("https://bot@host/r.git"), "https://bot@host/r.git");
  EXPECT_EQ(RedactUrl("https://host/a@b"), "https://host/a@b");
  EXPECT_EQ(RedactUrl("git@host:repo"), "git@host:repo");
}

}  // namespace
}  // namespace capstan::sources
