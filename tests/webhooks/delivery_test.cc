#include "sources/webhooks/delivery.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/webhooks/payloads.h"

namespace capstan::webhooks {
namespace {

using testing::GiteaPush;
using testing::GitHubPush;
using testing::GitLabPush;

TEST(ParseDelivery, GitHubPush) {
  auto delivery =
      ParseDelivery(Provider::kGitHub,
                    {{"X-GitHub-Event", "push"}, {"X-GitHub-Delivery", "72d3162e"}}, GitHubPush());
  ASSERT_TRUE(delivery.ok()) << delivery.status().ToString();
  EXPECT_EQ(delivery->kind, EventKind::kPush);
  EXPECT_EQ(delivery->event_name, "push");
  ASSERT_TRUE(delivery->push.has_value());
  const PushEvent& push = *delivery->push;
  EXPECT_EQ(push.provider, Provider::kGitHub);
  EXPECT_EQ(push.delivery_id, "72d3162e");
  EXPECT_EQ(push.ref, "refs/heads/main");
  EXPECT_EQ(push.before, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(push.after, "1111111111111111111111111111111111111111");
  EXPECT_FALSE(push.deleted);
  EXPECT_EQ(
      push.repository_urls,
      (std::vector<std::string>{"https://github.com/acme/shop.git", "git@github.com:acme/shop.git",
                                "https://github.com/acme/shop", "git://github.com/acme/shop.git"}));
}

TEST(ParseDelivery, GitHubDeletedFlagOrNullAfter) {
  auto by_flag = ParseDelivery(Provider::kGitHub, {{"X-GitHub-Event", "push"}},
                               GitHubPush("refs/heads/main", std::string(40, '1'), true));
  ASSERT_TRUE(by_flag.ok());
  EXPECT_TRUE(by_flag->push->deleted);
  auto by_zeros = ParseDelivery(Provider::kGitHub, {{"X-GitHub-Event", "push"}},
                                GitHubPush("refs/heads/main", std::string(40, '0'), false));
  ASSERT_TRUE(by_zeros.ok());
  EXPECT_TRUE(by_zeros->push->deleted);
}

TEST(ParseDelivery, GitLabPushUrls) {
  auto delivery = ParseDelivery(
      Provider::kGitLab, {{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Event-UUID", "uuid-1"}},
      GitLabPush("refs/heads/main", std::string(40, '0')));
  ASSERT_TRUE(delivery.ok()) << delivery.status().ToString();
  const PushEvent& push = *delivery->push;
  EXPECT_EQ(push.delivery_id, "uuid-1");
  EXPECT_TRUE(push.deleted);
  EXPECT_EQ(push.repository_urls,
            (std::vector<std::string>{"https://gitlab.example.com/acme/shop.git",
                                      "git@gitlab.example.com:acme/shop.git",
                                      "https://gitlab.example.com/acme/shop"}));
}

TEST(ParseDelivery, GiteaPushAndGogsFallbackHeaders) {
  auto delivery = ParseDelivery(
      Provider::kGitea, {{"X-Gogs-Event", "push"}, {"X-Gogs-Delivery", "gogs-1"}}, GiteaPush());
  ASSERT_TRUE(delivery.ok()) << delivery.status().ToString();
  EXPECT_EQ(delivery->push->delivery_id, "gogs-1");
  EXPECT_EQ(delivery->push->repository_urls,
            (std::vector<std::string>{"https://gitea.example.com/acme/shop.git",
                                      "ssh://git@gitea.example.com:2222/acme/shop.git",
                                      "https://gitea.example.com/acme/shop"}));
}

TEST(ParseDelivery, MalformedBodiesAreErrorsNotCrashes) {
  const char* bodies[] = {"", "{", "not json", "[1,2,3]", "\"string\"", "{\"ref\":", "\xff\xfe{}"};
  for (const char* body : bodies) {
    auto delivery = ParseDelivery(Provider::kGitHub, {{"X-GitHub-Event", "push"}}, body);
    EXPECT_FALSE(delivery.ok()) << body;
    EXPECT_EQ(delivery.status().code(), model::ErrorCode::kParseError) << body;
  }
}

TEST(ParseDelivery, DeepNestingIsRejected) {
  std::string deep = std::string(10000, '[') + std::string(10000, ']');
  auto delivery = ParseDelivery(Provider::kGitHub, {{"X-GitHub-Event", "push"}}, deep);
  EXPECT_FALSE(delivery.ok());
  // Brackets inside strings do not count.
  std::string in_string = R"({"ref":"refs/heads/main","x":")" + std::string(1000, '[') + "\"}";
  EXPECT_TRUE(ParseDelivery(Provider::kGitHub, {{"X-GitHub-Event", "push"}}, in_string).ok());
}

TEST(ParseDelivery, WrongFieldTypesAreTreatedAsAbsent) {
  auto no_ref = ParseDelivery(Provider::kGitHub, {{"X-GitHub-Event", "push"}},
                              R"({"ref":42,"after":null,"repository":"nope"})");
  EXPECT_FALSE(no_ref.ok());
  EXPECT_EQ(no_ref.status().code(), model::ErrorCode::kInvalidArgument);
  auto odd = ParseDelivery(Provider::kGitHub, {{"X-GitHub-Event", "push"}},
                           R"({"ref":"refs/heads/main","after":7,"deleted":"yes",
                               "repository":{"clone_url":5,"html_url":"https://h/o/r"}})");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->push->after, "");
  EXPECT_FALSE(odd->push->deleted);
  EXPECT_EQ(odd->push->repository_urls, std::vector<std::string>{"https://h/o/r"});
}

TEST(ParseDelivery, MissingEventHeaderIsInvalidArgument) {
  auto delivery = ParseDelivery(Provider::kGitHub, {}, GitHubPush());
  EXPECT_FALSE(delivery.ok());
  EXPECT_EQ(delivery.status().code(), model::ErrorCode::kInvalidArgument);
}

TEST(ParseDelivery, FormEncodedPayload) {
  std::string json =
      R"({"ref":"refs/heads/main","after":"ab","repository":{"clone_url":"https://h/o/r.git"}})";
  std::string form = "payload=";
  for (char c : json) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      form.push_back(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      form += buf;
    }
  }
  auto delivery = ParseDelivery(
      Provider::kGitHub,
      {{"X-GitHub-Event", "push"}, {"Content-Type", "application/x-www-form-urlencoded"}},
      "other=1&" + form);
  ASSERT_TRUE(delivery.ok()) << delivery.status().ToString();
  EXPECT_EQ(delivery->push->ref, "refs/heads/main");
  EXPECT_EQ(delivery->push->repository_urls, std::vector<std::string>{"https://h/o/r.git"});

  auto missing = ParseDelivery(
      Provider::kGitHub,
      {{"X-GitHub-Event", "push"}, {"Content-Type", "application/x-www-form-urlencoded"}},
      "other=1");
  EXPECT_FALSE(missing.ok());
}

TEST(ParseDelivery, PingAndOtherEvents) {
  auto ping = ParseDelivery(Provider::kGitHub, {{"X-GitHub-Event", "ping"}}, R"({"zen":"x"})");
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(ping->kind, EventKind::kPing);
  EXPECT_FALSE(ping->push.has_value());
  auto gitea_issue = ParseDelivery(Provider::kGitea, {{"X-Gitea-Event", "issues"}}, "{}");
  ASSERT_TRUE(gitea_issue.ok());
  EXPECT_EQ(gitea_issue->kind, EventKind::kOther);
  // GitLab has no ping; a "ping" header there is just another event.
  auto gitlab_ping = ParseDelivery(Provider::kGitLab, {{"X-Gitlab-Event", "ping"}}, "{}");
  ASSERT_TRUE(gitlab_ping.ok());
  EXPECT_EQ(gitlab_ping->kind, EventKind::kOther);
}

TEST(IsNullCommit, Zeros) {
  EXPECT_TRUE(IsNullCommit(std::string(40, '0')));
  EXPECT_TRUE(IsNullCommit(std::string(64, '0')));
  EXPECT_FALSE(IsNullCommit(""));
  EXPECT_FALSE(IsNullCommit("0000000000000000000000000000000000000001"));
}

}  // namespace
}  // namespace capstan::webhooks
