#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/status.h"
#include "sources/webhooks/headers.h"
#include "sources/webhooks/provider.h"

namespace capstan::webhooks {

// What a push told us. Only the fields a fetch decision needs; everything else in the payload
// (commits, authors, messages) is deliberately not read.
struct PushEvent {
  Provider provider = Provider::kGitHub;
  std::string delivery_id;  // X-GitHub-Delivery / X-Gitea-Delivery / X-Gitlab-Event-UUID; may be ""
  std::string ref;          // "refs/heads/main", "refs/tags/v1.2.0"
  std::string before;       // commit ids as sent; all zeros for a new ref
  std::string after;        // all zeros when the ref was deleted
  bool deleted = false;     // `after` is all zeros, or GitHub's "deleted": true
  // Every URL the payload gives for the repository, in payload order, without duplicates:
  // GitHub clone_url, ssh_url, html_url, git_url; GitLab project.git_http_url, git_ssh_url,
  // web_url, repository.url, repository.homepage; Gitea clone_url, ssh_url, html_url.
  std::vector<std::string> repository_urls;
};

enum class EventKind {
  kPing,   // GitHub's "ping" when a hook is created: answer "pong".
  kPush,   // a push to a branch or tag (GitLab: Push Hook, Tag Push Hook, System Hook push)
  kOther,  // anything else: acknowledged, never acted on
};

// One authenticated request, decoded.
struct Delivery {
  EventKind kind = EventKind::kOther;
  std::string event_name;   // the event header's value, for logs ("push", "Push Hook", "issues")
  std::string delivery_id;  // as in PushEvent; "" when the provider sent none
  std::optional<PushEvent> push;  // set iff kind == kPush
};

// Decodes a request body and headers. CALL ONLY AFTER VerifySignature() succeeded: parsing is
// exactly the code an unauthenticated attacker must never reach (Argo CD CVE-2024-40634,
// CVE-2025-59538).
// Accepts a JSON body, or a form body (Content-Type application/x-www-form-urlencoded) whose
// `payload` field holds the JSON, as GitHub and Gitea can be configured to send.
// Never throws. Returns kParseError for a body that is not JSON (or nests deeper than 64 levels),
// kInvalidArgument for a missing event header or a push without a "ref".
// Pure; safe from any thread.
model::Result<Delivery> ParseDelivery(Provider provider, const Headers& headers,
                                      std::string_view body);

// True for "", "0000000000000000000000000000000000000000" and its 64-digit SHA-256 twin — any
// non-empty all-zero id: the null commit a push sends for a deleted (after) or new (before) ref.
bool IsNullCommit(std::string_view commit);

}  // namespace capstan::webhooks
