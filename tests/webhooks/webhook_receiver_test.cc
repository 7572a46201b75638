#include "sources/webhooks/webhook_receiver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/fake_clock.h"
#include "tests/webhooks/payloads.h"

namespace capstan::webhooks {
namespace {

using testing::GiteaPush;
using testing::GitHubPing;
using testing::GitHubPush;
using testing::GitHubSignature;
using testing::GitLabPush;
using testing::kSecret;

constexpr char kGitHubRepo[] = "https://github.com/acme/shop";
constexpr char kGitLabRepo[] = "git@gitlab.example.com:acme/shop.git";
constexpr char kGiteaRepo[] = "https://gitea.example.com/acme/shop.git";

ReceiverConfig DefaultConfig() {
  ReceiverConfig config;
  config.secrets = {
      {Provider::kGitHub, kSecret}, {Provider::kGitLab, kSecret}, {Provider::kGitea, kSecret}};
  config.repositories = {{kGitHubRepo, RefKind::kBranch, "main"},
                         {kGitLabRepo, RefKind::kBranch, "main"},
                         {kGiteaRepo, RefKind::kBranch, "main"}};
  return config;
}

class WebhookReceiverTest : public ::testing::Test {
 protected:
  void Reset(ReceiverConfig config) {
    receiver_ = std::make_unique<WebhookReceiver>(std::move(config), clock_);
  }
  void SetUp() override { Reset(DefaultConfig()); }

  WebhookOutcome GitHub(const std::string& body, const std::string& event = "push",
                        const std::string& delivery = "", const std::string& secret = kSecret) {
    WebhookRequest request{Provider::kGitHub, {}, body};
    request.headers.Add("X-GitHub-Event", event);
    request.headers.Add("X-Hub-Signature-256", GitHubSignature(body, secret));
    request.headers.Add("Content-Type", "application/json");
    if (!delivery.empty()) request.headers.Add("X-GitHub-Delivery", delivery);
    return receiver_->Handle(request);
  }

  capstan::testing::FakeClock clock_;
  std::unique_ptr<WebhookReceiver> receiver_;
};

// --- Order of checks -------------------------------------------------------------------------

TEST_F(WebhookReceiverTest, OversizedBodyWithBadSignatureIs413Not401) {
  ReceiverConfig config = DefaultConfig();
  config.max_body_bytes = 100;
  Reset(config);
  std::string body = GitHubPush();
  ASSERT_GT(body.size(), 100u);
  WebhookRequest request{
      Provider::kGitHub, {{"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", "sha256=00"}}, body};
  WebhookOutcome outcome = receiver_->Handle(request);
  EXPECT_EQ(outcome.http_status, 413);
  EXPECT_EQ(outcome.result, WebhookResult::kTooLarge);
  EXPECT_TRUE(outcome.repositories_to_fetch.empty());
}

TEST_F(WebhookReceiverTest, OversizedBodyWithoutSecretIs413Not403) {
  ReceiverConfig config = DefaultConfig();
  config.secrets.clear();
  config.max_body_bytes = 10;
  Reset(config);
  std::string body = GiteaPush();
  WebhookRequest request{Provider::kGitea, {}, body};
  EXPECT_EQ(receiver_->Handle(request).http_status, 413);
}

TEST_F(WebhookReceiverTest, BodyExactlyAtTheLimitIsAccepted) {
  std::string body = GitHubPush();
  ReceiverConfig config = DefaultConfig();
  config.max_body_bytes = body.size();
  Reset(config);
  EXPECT_EQ(GitHub(body).http_status, 202);
  config.max_body_bytes = body.size() - 1;
  Reset(config);
  EXPECT_EQ(GitHub(body).http_status, 413);
}

TEST_F(WebhookReceiverTest, DefaultBodyLimitIsOneMebibyte) {
  EXPECT_EQ(ReceiverConfig().max_body_bytes, 1024u * 1024u);
  std::string big(1024 * 1024 + 1, ' ');
  EXPECT_EQ(GitHub(big).http_status, 413);
}

TEST_F(WebhookReceiverTest, MalformedJsonWithBadSignatureIs401Not400) {
  std::string body = "{\"ref\": [[[ not json";
  WebhookOutcome outcome = GitHub(body, "push", "", "the wrong secret");
  EXPECT_EQ(outcome.http_status, 401);
  EXPECT_EQ(outcome.result, WebhookResult::kUnauthorized);
}

TEST_F(WebhookReceiverTest, MalformedJsonWithGoodSignatureIs400) {
  WebhookOutcome outcome = GitHub("{\"ref\": [[[ not json");
  EXPECT_EQ(outcome.http_status, 400);
  EXPECT_EQ(outcome.result, WebhookResult::kBadRequest);
  EXPECT_FALSE(outcome.reason.empty());
}

TEST_F(WebhookReceiverTest, NoSecretConfiguredRefusesEveryRequestWith403) {
  ReceiverConfig config = DefaultConfig();
  config.secrets.erase(Provider::kGitHub);
  config.secrets[Provider::kGitLab] = "";  // empty counts as not configured
  Reset(config);
  // Even a request "signed" with an empty key or the old secret is refused, and ping too.
  EXPECT_EQ(GitHub(GitHubPush()).http_status, 403);
  EXPECT_EQ(GitHub(GitHubPush(), "push", "", "").http_status, 403);
  EXPECT_EQ(GitHub(GitHubPing(), "ping").result, WebhookResult::kForbidden);
  std::string gitlab_body = GitLabPush();
  WebhookRequest gitlab{
      Provider::kGitLab, {{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", ""}}, gitlab_body};
  EXPECT_EQ(receiver_->Handle(gitlab).http_status, 403);
  // Gitea still has its secret and works.
  std::string body = GiteaPush();
  WebhookRequest gitea{
      Provider::kGitea,
      {{"X-Gitea-Event", "push"}, {"X-Gitea-Signature", HmacSha256Hex(kSecret, body)}},
      body};
  EXPECT_EQ(receiver_->Handle(gitea).http_status, 202);
}

TEST_F(WebhookReceiverTest, NoSecretAndBadSignatureIs403Not401) {
  ReceiverConfig config = DefaultConfig();
  config.secrets.clear();
  Reset(config);
  WebhookRequest request{Provider::kGitHub,
                         {{"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", "sha256=bad"}},
                         "garbage"};
  EXPECT_EQ(receiver_->Handle(request).http_status, 403);
}

// --- Signatures per provider ------------------------------------------------------------------

TEST_F(WebhookReceiverTest, GitHubPushToTrackedBranchTriggersFetch) {
  WebhookOutcome outcome = GitHub(GitHubPush(), "push", "d1");
  EXPECT_EQ(outcome.http_status, 202);
  EXPECT_EQ(outcome.result, WebhookResult::kTriggered);
  EXPECT_EQ(outcome.repositories_to_fetch, std::vector<std::string>{kGitHubRepo});
  ASSERT_TRUE(outcome.push.has_value());
  EXPECT_EQ(outcome.push->ref, "refs/heads/main");
  EXPECT_EQ(outcome.push->delivery_id, "d1");
}

TEST_F(WebhookReceiverTest, GitHubWrongSecretIs401WithReason) {
  WebhookOutcome outcome = GitHub(GitHubPush(), "push", "", "another secret");
  EXPECT_EQ(outcome.http_status, 401);
  EXPECT_EQ(outcome.reason, "signature mismatch");
  EXPECT_TRUE(outcome.repositories_to_fetch.empty());
  EXPECT_EQ(outcome.body.find(kSecret), std::string::npos);
}

TEST_F(WebhookReceiverTest, GitHubMissingSignatureHeaderIs401) {
  std::string body = GitHubPush();
  WebhookRequest request{Provider::kGitHub, {{"X-GitHub-Event", "push"}}, body};
  WebhookOutcome outcome = receiver_->Handle(request);
  EXPECT_EQ(outcome.http_status, 401);
  EXPECT_NE(outcome.reason.find("X-Hub-Signature-256"), std::string::npos);
}

TEST_F(WebhookReceiverTest, GitHubBodyTamperedAfterSigningIs401) {
  std::string body = GitHubPush();
  WebhookRequest request{
      Provider::kGitHub,
      {{"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", GitHubSignature(body)}},
      ""};
  std::string tampered = body;
  tampered.replace(tampered.find("refs/heads/main"), 15, "refs/heads/evil");
  request.body = tampered;
  EXPECT_EQ(receiver_->Handle(request).http_status, 401);
}

TEST_F(WebhookReceiverTest, GitLabTokenHeader) {
  std::string body = GitLabPush();
  WebhookRequest request{Provider::kGitLab,
                         {{"X-Gitlab-Event", "Push Hook"},
                          {"X-Gitlab-Token", kSecret},
                          {"X-Gitlab-Event-UUID", "u-1"}},
                         body};
  WebhookOutcome outcome = receiver_->Handle(request);
  EXPECT_EQ(outcome.http_status, 202);
  EXPECT_EQ(outcome.repositories_to_fetch, std::vector<std::string>{kGitLabRepo});
  EXPECT_EQ(outcome.push->delivery_id, "u-1");

  WebhookRequest wrong{
      Provider::kGitLab, {{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", "guess"}}, body};
  EXPECT_EQ(receiver_->Handle(wrong).http_status, 401);
  WebhookRequest missing{Provider::kGitLab, {{"X-Gitlab-Event", "Push Hook"}}, body};
  EXPECT_EQ(receiver_->Handle(missing).http_status, 401);
}

TEST_F(WebhookReceiverTest, GiteaAndForgejoSignatureHeaders) {
  std::string body = GiteaPush();
  std::string hex = HmacSha256Hex(kSecret, body);
  WebhookRequest gitea{
      Provider::kGitea,
      {{"X-Gitea-Event", "push"}, {"X-Gitea-Signature", hex}, {"X-Gitea-Delivery", "g-1"}},
      body};
  EXPECT_EQ(receiver_->Handle(gitea).repositories_to_fetch, std::vector<std::string>{kGiteaRepo});
  WebhookRequest forgejo{
      Provider::kGitea,
      {{"X-Forgejo-Event", "push"}, {"X-Forgejo-Signature", hex}, {"X-Forgejo-Delivery", "f-1"}},
      body};
  EXPECT_EQ(receiver_->Handle(forgejo).http_status, 202);
  // Gitea's signature is bare hex: GitHub's "sha256=" form is not Gitea's dialect.
  WebhookRequest prefixed{
      Provider::kGitea, {{"X-Gitea-Event", "push"}, {"X-Gitea-Signature", "sha256=" + hex}}, body};
  EXPECT_EQ(receiver_->Handle(prefixed).http_status, 401);
  WebhookRequest missing{Provider::kGitea, {{"X-Gitea-Event", "push"}}, body};
  EXPECT_EQ(receiver_->Handle(missing).http_status, 401);
}

TEST_F(WebhookReceiverTest, ProviderIsTheEndpointNotTheHeaders) {
  // A GitHub-signed request sent to the Gitea endpoint is judged by Gitea's rules: 401.
  std::string body = GitHubPush();
  WebhookRequest request{
      Provider::kGitea,
      {{"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", GitHubSignature(body)}},
      body};
  EXPECT_EQ(receiver_->Handle(request).http_status, 401);
}

TEST_F(WebhookReceiverTest, HeaderNamesAreCaseInsensitive) {
  std::string body = GitHubPush();
  WebhookRequest request{
      Provider::kGitHub,
      {{"x-github-event", "push"}, {"x-hub-signature-256", GitHubSignature(body)}},
      body};
  EXPECT_EQ(receiver_->Handle(request).http_status, 202);
}

// --- Events -----------------------------------------------------------------------------------

TEST_F(WebhookReceiverTest, GitHubPingAnswersPong) {
  WebhookOutcome outcome = GitHub(GitHubPing(), "ping", "p-1");
  EXPECT_EQ(outcome.http_status, 200);
  EXPECT_EQ(outcome.body, "pong");
  EXPECT_EQ(outcome.result, WebhookResult::kPong);
  EXPECT_TRUE(outcome.repositories_to_fetch.empty());
}

TEST_F(WebhookReceiverTest, UnsignedPingIsStill401) {
  std::string body = GitHubPing();
  WebhookRequest request{Provider::kGitHub, {{"X-GitHub-Event", "ping"}}, body};
  EXPECT_EQ(receiver_->Handle(request).http_status, 401);
}

TEST_F(WebhookReceiverTest, OtherEventsAreAcknowledgedAndIgnored) {
  WebhookOutcome issues = GitHub(R"({"action":"opened"})", "issues");
  EXPECT_EQ(issues.http_status, 200);
  EXPECT_EQ(issues.result, WebhookResult::kIgnored);
  EXPECT_TRUE(issues.repositories_to_fetch.empty());

  WebhookRequest mr{Provider::kGitLab,
                    {{"X-Gitlab-Event", "Merge Request Hook"}, {"X-Gitlab-Token", kSecret}},
                    R"({"object_kind":"merge_request"})"};
  EXPECT_EQ(receiver_->Handle(mr).result, WebhookResult::kIgnored);
}

TEST_F(WebhookReceiverTest, MissingEventHeaderIs400AfterAuthentication) {
  std::string body = GitHubPush();
  WebhookRequest request{Provider::kGitHub, {{"X-Hub-Signature-256", GitHubSignature(body)}}, body};
  EXPECT_EQ(receiver_->Handle(request).http_status, 400);
}

TEST_F(WebhookReceiverTest, GitLabTagPushAndSystemHook) {
  ReceiverConfig config = DefaultConfig();
  config.repositories = {{kGitLabRepo, RefKind::kTag, "v*"},
                         {"https://gitlab.example.com/acme/shop", RefKind::kBranch, "main"}};
  Reset(config);
  std::string tag_body = GitLabPush("refs/tags/v1.4.0", std::string(40, 'a'), "tag_push");
  WebhookRequest tag{Provider::kGitLab,
                     {{"X-Gitlab-Event", "Tag Push Hook"}, {"X-Gitlab-Token", kSecret}},
                     tag_body};
  WebhookOutcome tag_outcome = receiver_->Handle(tag);
  EXPECT_EQ(tag_outcome.http_status, 202);
  EXPECT_EQ(tag_outcome.repositories_to_fetch, std::vector<std::string>{kGitLabRepo});

  std::string system_body = GitLabPush("refs/heads/main");
  WebhookRequest system{Provider::kGitLab,
                        {{"X-Gitlab-Event", "System Hook"}, {"X-Gitlab-Token", kSecret}},
                        system_body};
  WebhookOutcome system_outcome = receiver_->Handle(system);
  EXPECT_EQ(system_outcome.http_status, 202);
  EXPECT_EQ(system_outcome.repositories_to_fetch,
            std::vector<std::string>{"https://gitlab.example.com/acme/shop"});

  WebhookRequest system_other{Provider::kGitLab,
                              {{"X-Gitlab-Event", "System Hook"}, {"X-Gitlab-Token", kSecret}},
                              R"({"object_kind":"merge_request","event_name":"merge_request"})"};
  EXPECT_EQ(receiver_->Handle(system_other).result, WebhookResult::kIgnored);
}

// --- Matching ---------------------------------------------------------------------------------

TEST_F(WebhookReceiverTest, PushToOtherBranchIsIgnoredWithReason) {
  WebhookOutcome outcome = GitHub(GitHubPush("refs/heads/feature"));
  EXPECT_EQ(outcome.http_status, 200);
  EXPECT_EQ(outcome.result, WebhookResult::kIgnored);
  EXPECT_NE(outcome.reason.find("refs/heads/feature"), std::string::npos);
  EXPECT_TRUE(outcome.repositories_to_fetch.empty());
}

TEST_F(WebhookReceiverTest, PushToUnconfiguredRepositoryIsIgnored) {
  ReceiverConfig config = DefaultConfig();
  config.repositories = {{"https://github.com/acme/other", RefKind::kBranch, "main"}};
  Reset(config);
  WebhookOutcome outcome = GitHub(GitHubPush());
  EXPECT_EQ(outcome.result, WebhookResult::kIgnored);
  EXPECT_NE(outcome.reason.find("not configured"), std::string::npos);
}

TEST_F(WebhookReceiverTest, TagPushMatchesOnlyATagFollowingRepository) {
  EXPECT_EQ(GitHub(GitHubPush("refs/tags/v2.0.0")).result, WebhookResult::kIgnored);
  ReceiverConfig config = DefaultConfig();
  config.repositories = {{"git@github.com:acme/shop.git", RefKind::kTag, "v2.0.0"}};
  Reset(config);
  WebhookOutcome outcome = GitHub(GitHubPush("refs/tags/v2.0.0"));
  EXPECT_EQ(outcome.result, WebhookResult::kTriggered);
  EXPECT_EQ(outcome.repositories_to_fetch,
            std::vector<std::string>{"git@github.com:acme/shop.git"});
  EXPECT_EQ(GitHub(GitHubPush("refs/heads/v2.0.0")).result, WebhookResult::kIgnored);
}

TEST_F(WebhookReceiverTest, OnePushCanTriggerSeveralConfiguredEntries) {
  ReceiverConfig config = DefaultConfig();
  config.repositories = {{"https://github.com/acme/shop.git", RefKind::kBranch, "main"},
                         {"git@github.com:acme/shop", RefKind::kBranch, "main"},
                         {"https://github.com/acme/shop", RefKind::kBranch, "dev"}};
  Reset(config);
  EXPECT_EQ(
      GitHub(GitHubPush()).repositories_to_fetch,
      (std::vector<std::string>{"https://github.com/acme/shop.git", "git@github.com:acme/shop"}));
}

TEST_F(WebhookReceiverTest, EntriesOfOneRepositoryShareOneTokenPerPush) {
  ReceiverConfig config = DefaultConfig();
  config.repositories = {{"https://github.com/acme/shop.git", RefKind::kBranch, "main"},
                         {"git@github.com:acme/shop", RefKind::kBranch, "main"}};
  config.rate_limit = {.burst = 2, .refill_every = std::chrono::seconds(1)};
  Reset(config);
  EXPECT_EQ(GitHub(GitHubPush()).repositories_to_fetch.size(), 2u);
  EXPECT_EQ(GitHub(GitHubPush()).repositories_to_fetch.size(), 2u);
  EXPECT_EQ(GitHub(GitHubPush()).result, WebhookResult::kRateLimited);
}

TEST_F(WebhookReceiverTest, ConcurrentRedeliveriesTriggerExactlyOnce) {
  ReceiverConfig config = DefaultConfig();
  config.rate_limit.burst = 1000;
  Reset(config);
  std::string body = GitHubPush();
  std::atomic<int> triggered{0};
  std::atomic<int> duplicates{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        WebhookOutcome outcome = GitHub(body, "push", "same-delivery");
        if (outcome.result == WebhookResult::kTriggered) ++triggered;
        if (outcome.result == WebhookResult::kDuplicate) ++duplicates;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(triggered.load(), 1);
  EXPECT_EQ(duplicates.load(), 99);
}

TEST_F(WebhookReceiverTest, DeletedTrackedBranchStillTriggersAFetch) {
  // A webhook is a hint that the ref changed; the fetch that follows discovers the branch is gone
  // and reports it, while the last good state keeps running.
  WebhookOutcome outcome = GitHub(GitHubPush("refs/heads/main", std::string(40, '0'), true));
  EXPECT_EQ(outcome.result, WebhookResult::kTriggered);
  ASSERT_TRUE(outcome.push.has_value());
  EXPECT_TRUE(outcome.push->deleted);
  EXPECT_NE(outcome.reason.find("deleted"), std::string::npos);
}

// --- Dedupe and rate limit --------------------------------------------------------------------

TEST_F(WebhookReceiverTest, RedeliveryIsADuplicateWithoutFetch) {
  EXPECT_EQ(GitHub(GitHubPush(), "push", "abc").result, WebhookResult::kTriggered);
  WebhookOutcome again = GitHub(GitHubPush(), "push", "abc");
  EXPECT_EQ(again.http_status, 200);
  EXPECT_EQ(again.body, "duplicate");
  EXPECT_EQ(again.result, WebhookResult::kDuplicate);
  EXPECT_TRUE(again.repositories_to_fetch.empty());
  EXPECT_EQ(GitHub(GitHubPush(), "push", "abd").result, WebhookResult::kTriggered);
}

TEST_F(WebhookReceiverTest, DeliveriesWithoutIdAreNeverDuplicates) {
  EXPECT_EQ(GitHub(GitHubPush()).result, WebhookResult::kTriggered);
  EXPECT_EQ(GitHub(GitHubPush()).result, WebhookResult::kTriggered);
}

TEST_F(WebhookReceiverTest, SameIdFromAnotherProviderIsNotADuplicate) {
  EXPECT_EQ(GitHub(GitHubPush(), "push", "same").result, WebhookResult::kTriggered);
  std::string body = GiteaPush();
  WebhookRequest gitea{Provider::kGitea,
                       {{"X-Gitea-Event", "push"},
                        {"X-Gitea-Signature", HmacSha256Hex(kSecret, body)},
                        {"X-Gitea-Delivery", "same"}},
                       body};
  EXPECT_EQ(receiver_->Handle(gitea).result, WebhookResult::kTriggered);
}

TEST_F(WebhookReceiverTest, DedupeIsBoundedLru) {
  ReceiverConfig config = DefaultConfig();
  config.dedupe_capacity = 2;
  config.rate_limit.burst = 100;
  Reset(config);
  EXPECT_EQ(GitHub(GitHubPush(), "push", "a").result, WebhookResult::kTriggered);
  EXPECT_EQ(GitHub(GitHubPush(), "push", "b").result, WebhookResult::kTriggered);
  EXPECT_EQ(GitHub(GitHubPush(), "push", "c").result, WebhookResult::kTriggered);  // evicts a
  EXPECT_EQ(GitHub(GitHubPush(), "push", "c").result, WebhookResult::kDuplicate);
  EXPECT_EQ(GitHub(GitHubPush(), "push", "a").result, WebhookResult::kTriggered);
}

TEST_F(WebhookReceiverTest, RateLimitPerRepositoryOnTheInjectedClock) {
  ReceiverConfig config = DefaultConfig();
  config.rate_limit = {.burst = 3, .refill_every = std::chrono::seconds(1)};
  Reset(config);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(GitHub(GitHubPush(), "push", "r" + std::to_string(i)).result,
              WebhookResult::kTriggered)
        << i;
  }
  WebhookOutcome limited = GitHub(GitHubPush(), "push", "r3");
  EXPECT_EQ(limited.http_status, 429);
  EXPECT_EQ(limited.result, WebhookResult::kRateLimited);
  EXPECT_TRUE(limited.repositories_to_fetch.empty());

  // Another repository has its own bucket.
  std::string body = GiteaPush();
  WebhookRequest gitea{
      Provider::kGitea,
      {{"X-Gitea-Event", "push"}, {"X-Gitea-Signature", HmacSha256Hex(kSecret, body)}},
      body};
  EXPECT_EQ(receiver_->Handle(gitea).result, WebhookResult::kTriggered);

  // Time heals: 999 ms is not enough for a token, one second is.
  clock_.Advance(std::chrono::milliseconds(999));
  EXPECT_EQ(GitHub(GitHubPush(), "push", "r4").result, WebhookResult::kRateLimited);
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(GitHub(GitHubPush(), "push", "r5").result, WebhookResult::kTriggered);
  EXPECT_EQ(GitHub(GitHubPush(), "push", "r6").result, WebhookResult::kRateLimited);
}

TEST_F(WebhookReceiverTest, RateLimitedDeliveryCanBeRedelivered) {
  ReceiverConfig config = DefaultConfig();
  config.rate_limit = {.burst = 1, .refill_every = std::chrono::seconds(1)};
  Reset(config);
  EXPECT_EQ(GitHub(GitHubPush(), "push", "x1").result, WebhookResult::kTriggered);
  EXPECT_EQ(GitHub(GitHubPush(), "push", "x2").result, WebhookResult::kRateLimited);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(GitHub(GitHubPush(), "push", "x2").result, WebhookResult::kTriggered);
}

TEST_F(WebhookReceiverTest, IgnoredPushesDoNotSpendTokens) {
  ReceiverConfig config = DefaultConfig();
  config.rate_limit = {.burst = 1, .refill_every = std::chrono::seconds(1)};
  Reset(config);
  for (int i = 0; i < 5; ++i) GitHub(GitHubPush("refs/heads/other"));
  EXPECT_EQ(GitHub(GitHubPush()).result, WebhookResult::kTriggered);
}

TEST(WebhookResultName, LabelValues) {
  EXPECT_EQ(WebhookResultName(WebhookResult::kTriggered), "triggered");
  EXPECT_EQ(WebhookResultName(WebhookResult::kTooLarge), "too_large");
  EXPECT_EQ(WebhookResultName(WebhookResult::kRateLimited), "rate_limited");
  EXPECT_EQ(ProviderName(Provider::kGitLab), "gitlab");
  EXPECT_EQ(ParseProvider("gitea"), Provider::kGitea);
  EXPECT_EQ(ParseProvider("GitHub"), std::nullopt);
}

}  // namespace
}  // namespace capstan::webhooks
