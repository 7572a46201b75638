#include "sources/webhooks/repo_url.h"

#include <gtest/gtest.h>

namespace capstan::webhooks {
namespace {

struct NormalizeCase {
  const char* url;
  const char* normalized;
};

class NormalizeRepoUrlTest : public ::testing::TestWithParam<NormalizeCase> {};

TEST_P(NormalizeRepoUrlTest, Normalizes) {
  EXPECT_EQ(NormalizeRepoUrl(GetParam().url), GetParam().normalized) << GetParam().url;
}

INSTANTIATE_TEST_SUITE_P(
    Table, NormalizeRepoUrlTest,
    ::testing::Values(
        NormalizeCase{"https://github.com/acme/shop", "github.com/acme/shop"},
        NormalizeCase{"https://github.com/acme/shop.git", "github.com/acme/shop"},
        NormalizeCase{"https://github.com/acme/shop/", "github.com/acme/shop"},
        NormalizeCase{"https://github.com/acme/shop.git/", "github.com/acme/shop"},
        NormalizeCase{"HTTPS://GitHub.COM/acme/shop", "github.com/acme/shop"},
        NormalizeCase{"http://github.com/acme/shop", "github.com/acme/shop"},
        NormalizeCase{"git://github.com/acme/shop.git", "github.com/acme/shop"},
        NormalizeCase{"git@github.com:acme/shop.git", "github.com/acme/shop"},
        NormalizeCase{"git@GitHub.com:acme/shop", "github.com/acme/shop"},
        NormalizeCase{"github.com:acme/shop", "github.com/acme/shop"},
        NormalizeCase{"git@github.com:/acme/shop.git", "github.com/acme/shop"},
        NormalizeCase{"ssh://git@github.com/acme/shop.git", "github.com/acme/shop"},
        NormalizeCase{"ssh://git@github.com:22/acme/shop.git", "github.com/acme/shop"},
        NormalizeCase{"ssh://git@gitlab:2222/group/name.git", "gitlab/group/name"},
        NormalizeCase{"https://user:token@github.com/acme/shop.git", "github.com/acme/shop"},
        NormalizeCase{"https://gitlab.example.com:8443/group/sub/proj.git",
                      "gitlab.example.com/group/sub/proj"},
        NormalizeCase{"https://github.com//acme//shop", "github.com/acme/shop"},
        NormalizeCase{"https://github.com/acme/shop?tab=readme#top", "github.com/acme/shop"},
        NormalizeCase{"  https://github.com/acme/shop\n", "github.com/acme/shop"},
        NormalizeCase{"ssh://git@[::1]:2222/acme/shop.git", "[::1]/acme/shop"},
        // Paths keep their case: GitLab and Gitea paths are case-sensitive.
        NormalizeCase{"https://github.com/Acme/Shop", "github.com/Acme/Shop"},
        // ".git" is stripped once, as a suffix only.
        NormalizeCase{"https://host/a/b.git.git", "host/a/b.git"},
        NormalizeCase{"https://host/a/.github", "host/a/.github"},
        NormalizeCase{"file:///srv/repos/shop.git", "/srv/repos/shop"},
        NormalizeCase{"/srv/repos/shop.git/", "/srv/repos/shop"}, NormalizeCase{"", ""}));

TEST(NormalizeRepoUrl, ScpAndHttpsFormsOfOneRepositoryAreEqual) {
  EXPECT_EQ(NormalizeRepoUrl("git@gitea.example.com:acme/shop.git"),
            NormalizeRepoUrl("https://gitea.example.com/acme/shop"));
  EXPECT_NE(NormalizeRepoUrl("git@github.com:acme/shop.git"),
            NormalizeRepoUrl("https://github.com/acme/shop-2"));
  EXPECT_NE(NormalizeRepoUrl("https://github.com/acme/shop"),
            NormalizeRepoUrl("https://gitlab.com/acme/shop"));
}

}  // namespace
}  // namespace capstan::webhooks
