#include "notify/commit_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace capstan::notify {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

constexpr char kSha[] = "0123456789abcdef0123456789abcdef01234567";

CommitStatus Status(CommitState state) {
  return CommitStatus{kSha, state, "capstan/web", "rolled out", "http://capstan/apps/web"};
}

struct ProviderCase {
  const char* name;
  StatusTarget target;
  CommitState state;
  std::string url;
  std::pair<std::string, std::string> auth;
  nlohmann::json body;
};

TEST(BuildRequest, EachProviderGetsItsUrlHeadersAndBody) {
  const ProviderCase cases[] = {
      {"github",
       {StatusTarget::kGitHub, "https://api.github.com/", "acme/shop", "ghp_T"},
       CommitState::kSuccess,
       std::string("https://api.github.com/repos/acme/shop/statuses/") + kSha,
       {"Authorization", "Bearer ghp_T"},
       {{"state", "success"},
        {"description", "rolled out"},
        {"context", "capstan/web"},
        {"target_url", "http://capstan/apps/web"}}},
      {"gitea",
       {StatusTarget::kGitea, "https://gitea.local/api/v1", "acme/shop", "gt"},
       CommitState::kFailure,
       std::string("https://gitea.local/api/v1/repos/acme/shop/statuses/") + kSha,
       {"Authorization", "token gt"},
       {{"state", "failure"},
        {"description", "rolled out"},
        {"context", "capstan/web"},
        {"target_url", "http://capstan/apps/web"}}},
      {"gitlab failure is 'failed', path encoded",
       {StatusTarget::kGitLab, "https://gitlab.local/api/v4", "group/sub/shop", "glpat"},
       CommitState::kFailure,
       std::string("https://gitlab.local/api/v4/projects/group%2Fsub%2Fshop/statuses/") + kSha,
       {"PRIVATE-TOKEN", "glpat"},
       {{"state", "failed"},
        {"name", "capstan/web"},
        {"description", "rolled out"},
        {"target_url", "http://capstan/apps/web"}}},
      {"gitlab numeric id, pending",
       {StatusTarget::kGitLab, "https://gitlab.local/api/v4", "42", "glpat"},
       CommitState::kPending,
       std::string("https://gitlab.local/api/v4/projects/42/statuses/") + kSha,
       {"PRIVATE-TOKEN", "glpat"},
       {{"state", "pending"},
        {"name", "capstan/web"},
        {"description", "rolled out"},
        {"target_url", "http://capstan/apps/web"}}},
      {"gitlab already-encoded path kept",
       {StatusTarget::kGitLab, "https://gitlab.local/api/v4", "group%2Fshop", "glpat"},
       CommitState::kSuccess,
       std::string("https://gitlab.local/api/v4/projects/group%2Fshop/statuses/") + kSha,
       {"PRIVATE-TOKEN", "glpat"},
       {{"state", "success"},
        {"name", "capstan/web"},
        {"description", "rolled out"},
        {"target_url", "http://capstan/apps/web"}}},
      {"webhook",
       {StatusTarget::kWebhook, "http://hooks.local/capstan?x=1", "", "wh"},
       CommitState::kPending,
       "http://hooks.local/capstan?x=1",
       {"Authorization", "Bearer wh"},
       {{"commit", kSha},
        {"state", "pending"},
        {"context", "capstan/web"},
        {"description", "rolled out"},
        {"target_url", "http://capstan/apps/web"}}},
  };
  for (const ProviderCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto request = BuildRequest(c.target, Status(c.state));
    ASSERT_TRUE(request.ok()) << request.status().ToString();
    EXPECT_EQ(request->method, "POST");
    EXPECT_EQ(request->url, c.url);
    EXPECT_THAT(request->headers, Contains(c.auth));
    EXPECT_THAT(request->headers, Contains(Pair("Content-Type", "application/json")));
    EXPECT_EQ(nlohmann::json::parse(request->body), c.body);
  }
}

TEST(BuildRequest, GitHubAsksForItsMediaType) {
  auto request = BuildRequest({StatusTarget::kGitHub, "https://api.github.com", "a/b", "t"},
                              Status(CommitState::kSuccess));
  ASSERT_TRUE(request.ok());
  EXPECT_THAT(request->headers, Contains(Pair("Accept", "application/vnd.github+json")));
}

TEST(BuildRequest, NoTokenMeansNoAuthorizationHeader) {
  auto request =
      BuildRequest({StatusTarget::kWebhook, "http://h/x", "", ""}, Status(CommitState::kSuccess));
  ASSERT_TRUE(request.ok());
  for (const auto& [name, value] : request->headers) EXPECT_NE(name, "Authorization");
}

TEST(BuildRequest, RejectsBadInputWithoutLeakingTheToken) {
  struct Case {
    const char* name;
    StatusTarget target;
    std::string commit;
    std::string expect;
  };
  const Case cases[] = {
      {"no url", {StatusTarget::kGitHub, "", "a/b", "SECRET"}, kSha, "no API URL"},
      {"repo without owner",
       {StatusTarget::kGitHub, "http://h", "shop", "SECRET"},
       kSha,
       "owner/name"},
      {"repo with 3 parts",
       {StatusTarget::kGitea, "http://h", "a/b/c", "SECRET"},
       kSha,
       "owner/name"},
      {"empty gitlab project",
       {StatusTarget::kGitLab, "http://h", "", "SECRET"},
       kSha,
       "no project"},
      {"path traversal commit",
       {StatusTarget::kGitHub, "http://h", "a/b", "SECRET"},
       "../../admin",
       "hex"},
      {"empty commit", {StatusTarget::kGitLab, "http://h", "1", "SECRET"}, "", "hex"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CommitStatus status = Status(CommitState::kSuccess);
    status.commit = c.commit;
    auto request = BuildRequest(c.target, status);
    ASSERT_FALSE(request.ok());
    EXPECT_EQ(request.status().code(), model::ErrorCode::kInvalidArgument);
    EXPECT_THAT(request.status().message(), HasSubstr(c.expect));
    EXPECT_THAT(request.status().message(), Not(HasSubstr("SECRET")));
  }
}

TEST(BuildRequest, OwnerAndNameAreEscaped) {
  auto request = BuildRequest({StatusTarget::kGitHub, "http://h", "a b/c?d", "t"},
                              Status(CommitState::kSuccess));
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->url, std::string("http://h/repos/a%20b/c%3Fd/statuses/") + kSha);
}

TEST(BuildRequest, DescriptionIsTruncatedTo140Characters) {
  CommitStatus status = Status(CommitState::kFailure);
  status.description = std::string(200, 'x');
  auto request = BuildRequest({StatusTarget::kGitHub, "http://h", "a/b", "t"}, status);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(nlohmann::json::parse(request->body)["description"], std::string(140, 'x'));
}

TEST(TruncateUtf8, CountsCodePointsAndNeverSplitsOne) {
  EXPECT_EQ(TruncateUtf8("abc", 5), "abc");
  EXPECT_EQ(TruncateUtf8("abcdef", 3), "abc");
  EXPECT_EQ(TruncateUtf8("", 3), "");
  EXPECT_EQ(TruncateUtf8("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9");  // ééé → éé
  EXPECT_EQ(TruncateUtf8("a\xe2\x82\xac"
                         "b",
                         2),
            "a\xe2\x82\xac");                                           // a€b → a€
  EXPECT_EQ(TruncateUtf8("\xf0\x9f\x9a\x80x", 1), "\xf0\x9f\x9a\x80");  // 🚀x → 🚀
}

TEST(BuildRequest, InvalidUtf8InDescriptionDoesNotThrow) {
  CommitStatus status = Status(CommitState::kFailure);
  status.description = "bad \xff byte";
  auto request = BuildRequest({StatusTarget::kWebhook, "http://h", "", ""}, status);
  ASSERT_TRUE(request.ok());
  EXPECT_TRUE(nlohmann::json::accept(request->body));
}

TEST(ClassifyAttempt, RetriesTransientFailuresOnly) {
  struct Case {
    bool transport_ok;
    long status;
    AttemptOutcome expect;
  };
  const Case cases[] = {
      {true, 200, AttemptOutcome::kDelivered}, {true, 201, AttemptOutcome::kDelivered},
      {true, 204, AttemptOutcome::kDelivered}, {false, 0, AttemptOutcome::kRetry},
      {true, 500, AttemptOutcome::kRetry},     {true, 502, AttemptOutcome::kRetry},
      {true, 503, AttemptOutcome::kRetry},     {true, 429, AttemptOutcome::kRetry},
      {true, 400, AttemptOutcome::kGiveUp},    {true, 401, AttemptOutcome::kGiveUp},
      {true, 403, AttemptOutcome::kGiveUp},    {true, 404, AttemptOutcome::kGiveUp},
      {true, 422, AttemptOutcome::kGiveUp},    {true, 301, AttemptOutcome::kGiveUp},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ClassifyAttempt(c.transport_ok, c.status), c.expect)
        << c.transport_ok << " " << c.status;
  }
}

TEST(Redact, ReplacesEveryOccurrence) {
  EXPECT_EQ(Redact("a tok b tok", "tok"), "a *** b ***");
  EXPECT_EQ(Redact("nothing", ""), "nothing");
  EXPECT_EQ(Redact("aaaa", "aa"), "******");
}

}  // namespace
}  // namespace capstan::notify
