#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/status.h"

namespace capstan::notify {

// The outcome of a rollout as forges show it next to a commit.
enum class CommitState { kPending, kSuccess, kFailure };

const char* CommitStateName(CommitState state);  // "pending", "success", "failure"

struct CommitStatus {
  std::string commit;  // full commit id (hex)
  CommitState state = CommitState::kPending;
  std::string context;      // "capstan/<app>": one status line per application
  std::string description;  // shown to people; truncated to kMaxDescriptionChars when sent
  std::string target_url;   // optional link, e.g. the daemon's /api/v1/apps/<app>
};

// Where statuses go.
struct StatusTarget {
  enum Provider { kGitHub, kGitLab, kGitea, kWebhook };
  Provider provider = kWebhook;
  // GitHub: "https://api.github.com"; Gitea: "https://gitea.example/api/v1";
  // GitLab: "https://gitlab.example/api/v4"; webhook: the full URL that receives the POST.
  std::string api_url;
  // GitHub/Gitea "owner/name"; GitLab a numeric project id or its path ("group/project", encoded
  // here). Unused for kWebhook.
  std::string repository;
  // Secret. Sent only in a header, never logged nor put in an error message. Optional for kWebhook.
  std::string token;
};

const char* ProviderName(StatusTarget::Provider provider);  // "github", "gitlab", ...

// GitHub's limit, applied to every provider; counted in UTF-8 code points.
inline constexpr std::size_t kMaxDescriptionChars = 140;

struct HttpRequest {
  std::string method;  // always "POST" today
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // in sending order
  std::string body;                                          // JSON
};

// Builds the request that reports `status` to `target`. Pure. Fails with kInvalidArgument on a
// missing URL, a repository that is not "owner/name" (GitHub, Gitea), an empty project (GitLab),
// or a commit that is not 4-64 hex digits (forges). Error messages never contain the token.
model::Result<HttpRequest> BuildRequest(const StatusTarget& target, const CommitStatus& status);

// `text` cut to at most `max_chars` UTF-8 code points, never inside a multi-byte sequence.
std::string TruncateUtf8(const std::string& text, std::size_t max_chars);

// What to do after one attempt. Pure.
enum class AttemptOutcome { kDelivered, kRetry, kGiveUp };
// `transport_ok` is false when no HTTP response arrived (connect, timeout, TLS...). 2xx delivers;
// no response, 5xx and 429 retry; any other status gives up.
AttemptOutcome ClassifyAttempt(bool transport_ok, long http_status);

// `text` with every occurrence of `secret` replaced by "***" (no-op for an empty secret).
std::string Redact(std::string text, const std::string& secret);

}  // namespace capstan::notify
