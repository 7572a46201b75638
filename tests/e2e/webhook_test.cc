// Push webhooks against the real daemon: with a 60 s poll interval only a webhook can explain a
// prompt fetch.
#include <chrono>
#include <thread>

#include "tests/e2e/e2e_env.h"

namespace capstan::e2e {
namespace {

// A GitHub push payload in the shape of the corpus (octokit's payload examples), naming the
// repository by the URL the daemon follows.
std::string GitHubPush(const std::string& repo_url, const std::string& ref,
                       const std::string& before, const std::string& after) {
  json payload = {
      {"ref", ref},
      {"before", before},
      {"after", after},
      {"created", false},
      {"deleted", false},
      {"forced", false},
      {"base_ref", nullptr},
      {"compare", "https://example.invalid/compare"},
      {"commits",
       json::array({{{"id", after},
                     {"message", "v2"},
                     {"author", {{"name", "E2E Test"}, {"email", "e2e@example.com"}}}}})},
      {"head_commit", {{"id", after}, {"message", "v2"}}},
      {"repository",
       {{"id", 186853002},
        {"name", "repo"},
        {"full_name", "e2e/repo"},
        {"private", true},
        {"html_url", "file://" + repo_url},
        {"clone_url", repo_url},
        {"default_branch", "main"}}},
      {"pusher", {{"name", "e2e"}, {"email", "e2e@example.com"}}},
      {"sender", {{"login", "e2e"}, {"id", 1}}}};
  return payload.dump();
}

std::map<std::string, std::string> GitHubHeaders(const std::string& event,
                                                 const std::string& delivery,
                                                 const std::string& signature) {
  std::map<std::string, std::string> h = {{"X-GitHub-Event", event},
                                          {"X-GitHub-Delivery", delivery},
                                          {"User-Agent", "GitHub-Hookshot/e2e"}};
  if (!signature.empty()) h["X-Hub-Signature-256"] = "sha256=" + signature;
  return h;
}

class WebhookTest : public E2eTest {};

TEST_F(WebhookTest, SignedPushFetchesAtOnceForgedOversizedAndOtherRefsDoNot) {
  WebApp app;
  app.replicas = 1;
  repo().Write("apps/web/web.yaml", WebAppYaml(app));
  const std::string v1 = repo().Commit("v1");
  Daemon::Options options = DefaultOptions();
  options.interval = "60s";
  const auto started = std::chrono::steady_clock::now();
  ASSERT_NE(StartDaemon(options), nullptr);
  ASSERT_TRUE(WaitForApp("web", "Synced", "Healthy", v1));

  app.version = "v2";
  repo().Write("apps/web/web.yaml", WebAppYaml(app));
  const std::string v2 = repo().Commit("v2");
  const double fetches = MetricSum(Metrics(), "capstan_source_fetch_total");
  const int port = daemon().port();
  const std::string push = GitHubPush(repo().dir(), "refs/heads/main", v1, v2);

  // Forged: signed with another secret, or not signed at all -> 401, no fetch.
  HttpResponse forged = HttpPost(port, "/hooks/github", push,
                                 GitHubHeaders("push", "d-forged", HmacSha256Hex("wrong", push)));
  EXPECT_EQ(forged.status, 401) << forged.body;
  HttpResponse unsigned_push =
      HttpPost(port, "/hooks/github", push, GitHubHeaders("push", "d-unsigned", ""));
  EXPECT_EQ(unsigned_push.status, 401) << unsigned_push.body;
  // A signature of another body does not pass either.
  HttpResponse replayed =
      HttpPost(port, "/hooks/github", push,
               GitHubHeaders("push", "d-replayed", HmacSha256Hex(kWebhookSecret, push + " ")));
  EXPECT_EQ(replayed.status, 401) << replayed.body;

  // Oversized (2 MiB, correctly signed) -> 413 before anything else.
  std::string huge = push;
  huge.insert(huge.size() - 1, ", \"padding\": \"" + std::string(2 << 20, 'x') + "\"");
  HttpResponse too_large =
      HttpPost(port, "/hooks/github", huge,
               GitHubHeaders("push", "d-huge", HmacSha256Hex(kWebhookSecret, huge)));
  EXPECT_EQ(too_large.status, 413) << too_large.body.substr(0, 200);

  // Correctly signed, but a branch the daemon does not follow -> acknowledged, no fetch.
  const std::string other = GitHubPush(repo().dir(), "refs/heads/feature", v1, v2);
  HttpResponse ignored =
      HttpPost(port, "/hooks/github", other,
               GitHubHeaders("push", "d-other", HmacSha256Hex(kWebhookSecret, other)));
  EXPECT_EQ(ignored.status, 200) << ignored.body;
  // A ping is answered.
  const std::string ping = R"({"zen": "Keep it logically awesome.", "hook_id": 1})";
  HttpResponse pong =
      HttpPost(port, "/hooks/github", ping,
               GitHubHeaders("ping", "d-ping", HmacSha256Hex(kWebhookSecret, ping)));
  EXPECT_EQ(pong.status, 200) << pong.body;

  // None of that fetched: the loop turns every 100 ms, so a second is plenty to see a fetch.
  std::this_thread::sleep_for(1s);
  std::string metrics = Metrics();
  EXPECT_EQ(MetricSum(metrics, "capstan_source_fetch_total"), fetches);
  EXPECT_EQ(App("web")->value("seenCommit", ""), v1);
  EXPECT_GE(MetricSum(metrics, "capstan_webhook_requests_total",
                      {{"provider", "github"}, {"result", "unauthorized"}}),
            3.0);
  EXPECT_GE(MetricSum(metrics, "capstan_webhook_requests_total",
                      {{"provider", "github"}, {"result", "too_large"}}),
            1.0);

  // The real push -> 202 and an immediate fetch; the commit is applied long before the 60 s
  // interval could explain it.
  const auto sent = std::chrono::steady_clock::now();
  HttpResponse good =
      HttpPost(port, "/hooks/github", push,
               GitHubHeaders("push", "d-good", HmacSha256Hex(kWebhookSecret, push)));
  ASSERT_EQ(good.status, 202) << good.body;
  ASSERT_TRUE(PollUntil([&] { return App("web")->value("seenCommit", "") == v2; }, 30s, 10ms));
  const auto fetched = std::chrono::steady_clock::now();
  const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(fetched - sent);
  std::cout << "[ figures  ] webhook -> commit seen: " << latency.count() << " ms\n";
  EXPECT_LT(fetched - started, 60s) << "too slow to tell the webhook from the interval";
  EXPECT_TRUE(WaitForApp("web", "Synced", "Healthy", v2));
  metrics = Metrics();
  EXPECT_GE(MetricSum(metrics, "capstan_webhook_requests_total",
                      {{"provider", "github"}, {"result", "triggered"}}),
            1.0);

  // The same delivery again is a duplicate: acknowledged, not fetched again.
  HttpResponse duplicate =
      HttpPost(port, "/hooks/github", push,
               GitHubHeaders("push", "d-good", HmacSha256Hex(kWebhookSecret, push)));
  EXPECT_EQ(duplicate.status, 200) << duplicate.body;
}

TEST_F(WebhookTest, WithoutASecretEveryHookIsRefused) {
  WebApp app;
  app.replicas = 1;
  repo().Write("apps/web/web.yaml", WebAppYaml(app));
  const std::string v1 = repo().Commit("v1");
  Daemon::Options options = DefaultOptions();
  options.interval = "60s";
  options.webhook_secret_file.clear();
  ASSERT_NE(StartDaemon(options), nullptr);
  ASSERT_TRUE(PollUntil([&] { return App("web").has_value(); }, 60s));
  repo().Write("apps/web/web.yaml", WebAppYaml({.version = "v2", .replicas = 1}));
  const std::string v2 = repo().Commit("v2");
  const double fetches = MetricSum(Metrics(), "capstan_source_fetch_total");
  const int port = daemon().port();
  const std::string push = GitHubPush(repo().dir(), "refs/heads/main", v1, v2);

  EXPECT_EQ(HttpPost(port, "/hooks/github", push,
                     GitHubHeaders("push", "n1", HmacSha256Hex(kWebhookSecret, push)))
                .status,
            403);
  EXPECT_EQ(HttpPost(port, "/hooks/github", push, GitHubHeaders("push", "n2", "")).status, 403);
  EXPECT_EQ(HttpPost(port, "/hooks/gitlab", push,
                     {{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", kWebhookSecret}})
                .status,
            403);
  EXPECT_EQ(HttpPost(port, "/hooks/gitea", push,
                     {{"X-Gitea-Event", "push"},
                      {"X-Gitea-Signature", HmacSha256Hex(kWebhookSecret, push)}})
                .status,
            403);
  std::this_thread::sleep_for(1s);
  const std::string metrics = Metrics();
  EXPECT_EQ(MetricSum(metrics, "capstan_source_fetch_total"), fetches);
  EXPECT_GE(MetricSum(metrics, "capstan_webhook_requests_total", {{"result", "forbidden"}}), 4.0);
  EXPECT_EQ(App("web")->value("seenCommit", ""), v1);
}

}  // namespace
}  // namespace capstan::e2e
