#include "sources/webhooks/headers.h"

#include <gtest/gtest.h>

namespace capstan::webhooks {
namespace {

TEST(Headers, LookupIsCaseInsensitiveAndTrimmed) {
  Headers headers;
  headers.Add("X-GitHub-Event", "  push\t");
  EXPECT_EQ(headers.Get("x-github-event"), "push");
  EXPECT_EQ(headers.Get("X-GITHUB-EVENT"), "push");
  EXPECT_EQ(headers.Get("X-GitHub-Even"), std::nullopt);
  EXPECT_EQ(headers.Get("X-GitHub-Events"), std::nullopt);
}

TEST(Headers, FirstValueWins) {
  Headers headers{{"X-Hub-Signature-256", "first"}, {"x-hub-signature-256", "second"}};
  EXPECT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.Get("X-Hub-Signature-256"), "first");
}

TEST(Headers, GetFirstPrefersEarlierNames) {
  Headers headers{{"X-Gogs-Event", "gogs"}, {"X-Gitea-Event", "gitea"}};
  EXPECT_EQ(headers.GetFirst({"X-Gitea-Event", "X-Gogs-Event"}), "gitea");
  EXPECT_EQ(headers.GetFirst({"X-Forgejo-Event", "X-Gogs-Event"}), "gogs");
  EXPECT_EQ(headers.GetFirst({"X-None"}), std::nullopt);
}

}  // namespace
}  // namespace capstan::webhooks
