#include "notify/commit_status.h"

#include <nlohmann/json.hpp>

namespace capstan::notify {

namespace {

using model::ErrorCode;
using model::Status;

Status Invalid(std::string message) {
  return Status::Error(ErrorCode::kInvalidArgument, std::move(message));
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Percent-encodes everything but RFC 3986 unreserved characters; with `keep_percent`, an
// already-encoded "%2F" passes through unchanged.
std::string PathEscape(const std::string& text, bool keep_percent) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    if (IsUnreserved(ch) || (keep_percent && ch == '%')) {
      out += ch;
    } else {
      auto byte = static_cast<unsigned char>(ch);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

bool IsHexCommit(const std::string& commit) {
  if (commit.size() < 4 || commit.size() > 64) return false;
  for (char c : commit) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

std::string TrimTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// "owner/name" → "owner/name" with each part escaped.
model::Result<std::string> OwnerRepoPath(const std::string& repository) {
  auto slash = repository.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == repository.size() ||
      repository.find('/', slash + 1) != std::string::npos) {
    return Invalid("repository must be \"owner/name\", got \"" + repository + "\"");
  }
  return PathEscape(repository.substr(0, slash), false) + "/" +
         PathEscape(repository.substr(slash + 1), false);
}

}  // namespace

const char* CommitStateName(CommitState state) {
  switch (state) {
    case CommitState::kPending:
      return "pending";
    case CommitState::kSuccess:
      return "success";
    case CommitState::kFailure:
      return "failure";
  }
  return "unknown";
}

const char* ProviderName(StatusTarget::Provider provider) {
  switch (provider) {
    case StatusTarget::kGitHub:
      return "github";
    case StatusTarget::kGitLab:
      return "gitlab";
    case StatusTarget::kGitea:
      return "gitea";
    case StatusTarget::kWebhook:
      return "webhook";
  }
  return "unknown";
}

std::string TruncateUtf8(const std::string& text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // A code point starts at every byte that is not a continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return text.substr(0, i);
      ++chars;
    }
  }
  return text;
}

model::Result<HttpRequest> BuildRequest(const StatusTarget& target, const CommitStatus& status) {
  std::string api = TrimTrailingSlashes(target.api_url);
  if (api.empty()) return Invalid(std::string(ProviderName(target.provider)) + ": no API URL");
  if (target.provider != StatusTarget::kWebhook && !IsHexCommit(status.commit)) {
    return Invalid("commit must be 4-64 hex digits, got \"" + status.commit + "\"");
  }
  HttpRequest request;
  request.method = "POST";
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.emplace_back("User-Agent", "capstan");
  std::string description = TruncateUtf8(status.description, kMaxDescriptionChars);
  nlohmann::json body;
  switch (target.provider) {
    case StatusTarget::kGitHub:
    case StatusTarget::kGitea: {
      auto path = OwnerRepoPath(target.repository);
      if (!path.ok()) return path.status();
      request.url = api + "/repos/" + *path + "/statuses/" + status.commit;
      body = {{"state", CommitStateName(status.state)},
              {"description", description},
              {"context", status.context},
              {"target_url", status.target_url}};
      if (target.provider == StatusTarget::kGitHub) {
        request.headers.emplace_back("Accept", "application/vnd.github+json");
        if (!target.token.empty()) {
          request.headers.emplace_back("Authorization", "Bearer " + target.token);
        }
      } else {
        request.headers.emplace_back("Accept", "application/json");
        if (!target.token.empty()) {
          request.headers.emplace_back("Authorization", "token " + target.token);
        }
      }
      break;
    }
    case StatusTarget::kGitLab: {
      if (target.repository.empty()) return Invalid("gitlab: no project id or path");
      request.url =
          api + "/projects/" + PathEscape(target.repository, true) + "/statuses/" + status.commit;
      const char* state =
          status.state == CommitState::kFailure ? "failed" : CommitStateName(status.state);
      body = {{"state", state},
              {"name", status.context},
              {"description", description},
              {"target_url", status.target_url}};
      request.headers.emplace_back("Accept", "application/json");
      if (!target.token.empty()) request.headers.emplace_back("PRIVATE-TOKEN", target.token);
      break;
    }
    case StatusTarget::kWebhook: {
      request.url = api;
      body = {{"commit", status.commit},
              {"state", CommitStateName(status.state)},
              {"context", status.context},
              {"description", description},
              {"target_url", status.target_url}};
      request.headers.emplace_back("Accept", "application/json");
      if (!target.token.empty()) {
        request.headers.emplace_back("Authorization", "Bearer " + target.token);
      }
      break;
    }
  }
  // Invalid UTF-8 in a description (it may quote a process's output) is replaced, not thrown.
  request.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return request;
}

AttemptOutcome ClassifyAttempt(bool transport_ok, long http_status) {
  if (!transport_ok) return AttemptOutcome::kRetry;
  if (http_status >= 200 && http_status < 300) return AttemptOutcome::kDelivered;
  if (http_status == 429 || http_status >= 500) return AttemptOutcome::kRetry;
  return AttemptOutcome::kGiveUp;
}

std::string Redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
    text.replace(pos, secret.size(), "***");
  }
  return text;
}

}  // namespace capstan::notify
