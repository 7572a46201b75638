// Runs every real third-party payload in ../shared/corpus/webhooks (relative to the project root,
// the test's working directory) through the whole WebhookReceiver, signed here with a test secret
// because the corpus holds bodies only. See /work/shared/corpus/README.md for provenance.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sources/webhooks/hmac.h"
#include "sources/webhooks/webhook_receiver.h"
#include "tests/fakes/fake_clock.h"

namespace capstan::webhooks {
namespace {

namespace fs = std::filesystem;

constexpr char kCorpusDir[] = "../shared/corpus/webhooks";
constexpr char kSecret[] = "corpus-test-secret";

struct Expectation {
  const char* file;
  Provider provider;
  TrackedRepository tracked;  // a configuration under which the push must trigger a fetch
  const char* ref;
  const char* after;
  bool deleted;
  std::vector<std::string> urls;
  const char* delivery_id;  // "" = the test makes one up
};

const std::vector<Expectation>& Expectations() {
  static const std::vector<Expectation> kAll = {
      {"argoproj__argo-cd__util__webhook__testdata__github-commit-event.json",
       Provider::kGitHub,
       {"https://github.com/jessesuen/test-repo", RefKind::kBranch, "master"},
       "refs/heads/master",
       "63738bb582c8b540af7bcfc18f87c575c3ed66e0",
       false,
       {"https://github.com/jessesuen/test-repo.git", "git@github.com:jessesuen/test-repo.git",
        "https://github.com/jessesuen/test-repo", "git://github.com/jessesuen/test-repo.git"},
       ""},
      {"argoproj__argo-cd__util__webhook__testdata__gitlab-event.json",
       Provider::kGitLab,
       {"git@gitlab:group/name.git", RefKind::kBranch, "master"},
       "refs/heads/master",
       "bb0748feaa336d841c251017e4e374c22d0c8a98",
       false,
       {"https://gitlab/group/name.git", "ssh://git@gitlab:2222/group/name.git",
        "https://gitlab/group/name"},
       ""},
      {"go-gitea__gitea__docs__content__usage__webhooks.en-us.md",
       Provider::kGitea,
       {"https://localhost:3000/gitea/webhooks", RefKind::kBranch, "develop"},
       "refs/heads/develop",
       "bffeb74224043ba2feb48d137756c8a9331c449a",
       false,
       {"http://localhost:3000/gitea/webhooks.git", "ssh://gitea@localhost:2222/gitea/webhooks.git",
        "http://localhost:3000/gitea/webhooks"},
       "f6266f16-1bf3-46a5-9ea4-602e06ead473"},
      {"go-playground__webhooks__testdata__gitea__push-event.json",
       Provider::kGitea,
       {"git@localhost:example/example.git", RefKind::kBranch, "master"},
       "refs/heads/master",
       "67b56589a45103f891bdee7c0546e5d40bc02001",
       false,
       {"http://localhost:3000/example/example.git", "git@localhost:example/example.git",
        "http://localhost:3000/example/example"},
       ""},
      {"go-playground__webhooks__testdata__gitlab__push-event.json",
       Provider::kGitLab,
       {"https://example.com/mike/diaspora", RefKind::kBranch, "master"},
       "refs/heads/master",
       "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
       false,
       {"http://example.com/mike/diaspora.git", "git@example.com:mike/diaspora.git",
        "http://example.com/mike/diaspora"},
       ""},
      {"octokit__webhooks__payload-examples__api.github.com__push__payload.json",
       Provider::kGitHub,
       {"git@github.com:Codertocat/Hello-World.git", RefKind::kTag, "simple-*"},
       "refs/tags/simple-tag",
       "0000000000000000000000000000000000000000",
       true,
       {"https://github.com/Codertocat/Hello-World.git",
        "git@github.com:Codertocat/Hello-World.git", "https://github.com/Codertocat/Hello-World",
        "git://github.com/Codertocat/Hello-World.git"},
       ""},
  };
  return kAll;
}

bool CorpusPresent() { return fs::is_directory(kCorpusDir); }

#define SKIP_IF_NO_CORPUS()                                                                       \
  do {                                                                                            \
    if (!CorpusPresent()) {                                                                       \
      std::string where = (fs::current_path() / kCorpusDir).lexically_normal().string();          \
      std::fprintf(stderr, "\n*** WEBHOOK CORPUS NOT FOUND at %s — corpus tests SKIPPED ***\n\n", \
                   where.c_str());                                                                \
      GTEST_SKIP() << "webhook corpus not found: looked in " << where                             \
                   << " (../shared/corpus/webhooks relative to the working directory)";           \
    }                                                                                             \
  } while (0)

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct FencedBlock {
  std::string info;  // "json", "" ...
  std::string text;
};

// The ``` fenced blocks of a Markdown file, in order.
std::vector<FencedBlock> FencedBlocks(const std::string& markdown) {
  std::vector<FencedBlock> blocks;
  std::istringstream in(markdown);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      if (inside) {
        inside = false;
      } else {
        inside = true;
        blocks.push_back({line.substr(3), ""});
      }
      continue;
    }
    if (inside) blocks.back().text += line + "\n";
  }
  return blocks;
}

// A request body plus the headers the file itself documents (only the Gitea doc page has any).
struct CorpusRequest {
  std::string body;
  Headers documented_headers;
};

CorpusRequest Load(const Expectation& e) {
  fs::path path = fs::path(kCorpusDir) / e.file;
  std::string content = ReadFile(path);
  if (path.extension() != ".md") return {content, {}};
  CorpusRequest request;
  for (const FencedBlock& block : FencedBlocks(content)) {
    if (block.info == "json" && request.body.empty()) {
      request.body = block.text;
    } else if (block.info.empty() && block.text.rfind("X-", 0) == 0 &&
               request.documented_headers.size() == 0) {
      std::istringstream lines(block.text);
      std::string line;
      while (std::getline(lines, line)) {
        size_t colon = line.find(':');
        if (colon != std::string::npos) {
          request.documented_headers.Add(line.substr(0, colon), line.substr(colon + 1));
        }
      }
    }
  }
  return request;
}

// Signs `body` the way the provider would, with `secret`.
Headers SignedHeaders(const Expectation& e, const CorpusRequest& request,
                      const std::string& secret) {
  Headers headers = request.documented_headers;  // first value wins: documented ones take priority
  switch (e.provider) {
    case Provider::kGitHub:
      headers.Add("X-GitHub-Event", "push");
      headers.Add("X-GitHub-Delivery", std::string("delivery-") + e.file);
      headers.Add("X-Hub-Signature-256", "sha256=" + HmacSha256Hex(secret, request.body));
      break;
    case Provider::kGitLab:
      headers.Add("X-Gitlab-Event", "Push Hook");
      headers.Add("X-Gitlab-Event-UUID", std::string("delivery-") + e.file);
      headers.Add("X-Gitlab-Token", secret);
      break;
    case Provider::kGitea:
      headers.Add("X-Gitea-Event", "push");
      headers.Add("X-Gitea-Delivery", std::string("delivery-") + e.file);
      headers.Add("X-Gitea-Signature", HmacSha256Hex(secret, request.body));
      break;
  }
  headers.Add("Content-Type", "application/json");
  return headers;
}

ReceiverConfig ConfigTracking(const TrackedRepository& repo) {
  ReceiverConfig config;
  for (Provider p : kAllProviders) config.secrets[p] = kSecret;
  config.repositories = {repo};
  return config;
}

TEST(WebhookCorpus, EveryFileHasAnExpectation) {
  SKIP_IF_NO_CORPUS();
  std::set<std::string> expected;
  for (const Expectation& e : Expectations()) expected.insert(e.file);
  std::set<std::string> present;
  for (const auto& entry : fs::directory_iterator(kCorpusDir)) {
    if (entry.is_regular_file()) present.insert(entry.path().filename().string());
  }
  EXPECT_EQ(present, expected) << "a corpus file was added or removed: update Expectations()";
}

class WebhookCorpusFile : public ::testing::TestWithParam<Expectation> {};

TEST_P(WebhookCorpusFile, SignedPushTriggersAndParses) {
  SKIP_IF_NO_CORPUS();
  const Expectation& e = GetParam();
  CorpusRequest request = Load(e);
  ASSERT_FALSE(request.body.empty()) << e.file;
  capstan::testing::FakeClock clock;
  WebhookReceiver receiver(ConfigTracking(e.tracked), clock);
  WebhookOutcome outcome =
      receiver.Handle({e.provider, SignedHeaders(e, request, kSecret), request.body});
  EXPECT_EQ(outcome.http_status, 202) << outcome.reason;
  EXPECT_EQ(outcome.result, WebhookResult::kTriggered) << outcome.reason;
  EXPECT_EQ(outcome.repositories_to_fetch, std::vector<std::string>{e.tracked.url});
  ASSERT_TRUE(outcome.push.has_value()) << outcome.reason;
  EXPECT_EQ(outcome.push->provider, e.provider);
  EXPECT_EQ(outcome.push->ref, e.ref);
  EXPECT_EQ(outcome.push->after, e.after);
  EXPECT_EQ(outcome.push->deleted, e.deleted);
  EXPECT_EQ(outcome.push->repository_urls, e.urls);
  if (*e.delivery_id != '\0') {
    EXPECT_EQ(outcome.push->delivery_id, e.delivery_id);
  }

  // The same delivery again is a duplicate.
  WebhookOutcome again =
      receiver.Handle({e.provider, SignedHeaders(e, request, kSecret), request.body});
  EXPECT_EQ(again.result, WebhookResult::kDuplicate);
}

TEST_P(WebhookCorpusFile, WrongSecretOrTamperedBodyIsRejectedBeforeParsing) {
  SKIP_IF_NO_CORPUS();
  const Expectation& e = GetParam();
  CorpusRequest request = Load(e);
  capstan::testing::FakeClock clock;
  WebhookReceiver receiver(ConfigTracking(e.tracked), clock);
  WebhookOutcome wrong =
      receiver.Handle({e.provider, SignedHeaders(e, request, "not-the-secret"), request.body});
  EXPECT_EQ(wrong.http_status, 401);
  EXPECT_FALSE(wrong.push.has_value());

  if (e.provider != Provider::kGitLab) {  // GitLab's token does not cover the body
    Headers headers = SignedHeaders(e, request, kSecret);
    std::string tampered = request.body;
    tampered.replace(tampered.find(e.ref), std::string(e.ref).size(), "refs/heads/evil");
    WebhookOutcome outcome = receiver.Handle({e.provider, headers, tampered});
    EXPECT_EQ(outcome.http_status, 401);
  }
}

TEST_P(WebhookCorpusFile, UntrackedRefIsIgnored) {
  SKIP_IF_NO_CORPUS();
  const Expectation& e = GetParam();
  CorpusRequest request = Load(e);
  TrackedRepository other = e.tracked;
  other.ref_kind = RefKind::kBranch;
  other.ref = "some-other-branch";
  capstan::testing::FakeClock clock;
  WebhookReceiver receiver(ConfigTracking(other), clock);
  WebhookOutcome outcome =
      receiver.Handle({e.provider, SignedHeaders(e, request, kSecret), request.body});
  EXPECT_EQ(outcome.http_status, 200);
  EXPECT_EQ(outcome.result, WebhookResult::kIgnored);
  EXPECT_TRUE(outcome.repositories_to_fetch.empty());
}

std::string NameOf(const ::testing::TestParamInfo<Expectation>& info) {
  std::string name;
  for (char c : std::string(info.param.file)) {
    name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, WebhookCorpusFile, ::testing::ValuesIn(Expectations()), NameOf);

}  // namespace
}  // namespace capstan::webhooks
