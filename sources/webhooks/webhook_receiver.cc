#include "sources/webhooks/webhook_receiver.h"

#include <map>
#include <utility>

#include "sources/webhooks/repo_url.h"
#include "sources/webhooks/signature.h"

namespace capstan::webhooks {
namespace {

WebhookOutcome Make(WebhookResult result, int status, std::string body, std::string reason = {}) {
  WebhookOutcome outcome;
  outcome.result = result;
  outcome.http_status = status;
  outcome.body = std::move(body);
  outcome.reason = std::move(reason);
  return outcome;
}

}  // namespace

std::string_view WebhookResultName(WebhookResult result) {
  switch (result) {
    case WebhookResult::kTriggered:
      return "triggered";
    case WebhookResult::kIgnored:
      return "ignored";
    case WebhookResult::kPong:
      return "pong";
    case WebhookResult::kUnauthorized:
      return "unauthorized";
    case WebhookResult::kForbidden:
      return "forbidden";
    case WebhookResult::kTooLarge:
      return "too_large";
    case WebhookResult::kBadRequest:
      return "bad_request";
    case WebhookResult::kDuplicate:
      return "duplicate";
    case WebhookResult::kRateLimited:
      return "rate_limited";
  }
  return "unknown";
}

WebhookReceiver::WebhookReceiver(ReceiverConfig config, const model::Clock& clock)
    : config_(std::move(config)),
      dedupe_(config_.dedupe_capacity),
      limiter_(clock, config_.rate_limit) {}

const std::string* WebhookReceiver::SecretFor(Provider provider) const {
  auto it = config_.secrets.find(provider);
  if (it == config_.secrets.end() || it->second.empty()) return nullptr;
  return &it->second;
}

WebhookOutcome WebhookReceiver::Handle(const WebhookRequest& request) {
  // 1. Size first: a huge body is refused before a single byte of it is hashed.
  if (request.body.size() > config_.max_body_bytes) {
    return Make(WebhookResult::kTooLarge, 413, "payload too large",
                "body of " + std::to_string(request.body.size()) + " bytes exceeds the limit of " +
                    std::to_string(config_.max_body_bytes));
  }
  // 2. No secret, no service.
  const std::string* secret = SecretFor(request.provider);
  if (secret == nullptr) {
    return Make(WebhookResult::kForbidden, 403, "webhook endpoint not configured",
                "no secret configured for " + std::string(ProviderName(request.provider)));
  }
  // 3. Authenticate the raw bytes.
  model::Status signature =
      VerifySignature(request.provider, request.headers, request.body, *secret);
  if (!signature.ok()) {
    return Make(WebhookResult::kUnauthorized, 401, "invalid signature", signature.message());
  }
  // 4. Only now look inside.
  auto delivery = ParseDelivery(request.provider, request.headers, request.body);
  if (!delivery.ok()) {
    return Make(WebhookResult::kBadRequest, 400, "bad request", delivery.status().message());
  }
  // 5. Events that never trigger anything.
  if (delivery->kind == EventKind::kPing) return Make(WebhookResult::kPong, 200, "pong", "ping");
  if (delivery->kind == EventKind::kOther) {
    return Make(WebhookResult::kIgnored, 200, "ignored",
                "event \"" + delivery->event_name + "\" is not a push");
  }

  PushEvent& push = *delivery->push;
  PushMatch match = MatchPush(push, config_.repositories);
  std::string dedupe_key;
  if (!push.delivery_id.empty()) {
    dedupe_key = std::string(ProviderName(request.provider)) + ":" + push.delivery_id;
  }

  WebhookOutcome outcome;
  {
    std::lock_guard lock(mu_);
    // 6. Redeliveries.
    if (!dedupe_key.empty() && dedupe_.Contains(dedupe_key)) {
      outcome = Make(WebhookResult::kDuplicate, 200, "duplicate",
                     "delivery " + push.delivery_id + " already processed");
    } else if (match.matched.empty()) {
      // 7. Not ours.
      if (!dedupe_key.empty()) dedupe_.Remember(dedupe_key);
      outcome = Make(WebhookResult::kIgnored, 200, "ignored", match.reason);
    } else {
      // 8. Rate limit each matched repository.
      // One token per repository and push, even when several entries follow the same repository.
      std::map<std::string, bool> admitted;  // normalised URL -> got a token
      for (size_t index : match.matched) {
        const TrackedRepository& repo = config_.repositories[index];
        std::string key = NormalizeRepoUrl(repo.url);
        auto it = admitted.find(key);
        if (it == admitted.end()) it = admitted.emplace(key, limiter_.TryAcquire(key)).first;
        if (it->second) outcome.repositories_to_fetch.push_back(repo.url);
      }
      if (outcome.repositories_to_fetch.empty()) {
        outcome = Make(WebhookResult::kRateLimited, 429, "rate limited",
                       "too many pushes for " + config_.repositories[match.matched[0]].url +
                           "; the poll loop will catch up");
      } else {
        // 9. Go.
        if (!dedupe_key.empty()) dedupe_.Remember(dedupe_key);
        std::vector<std::string> fetch = std::move(outcome.repositories_to_fetch);
        outcome = Make(WebhookResult::kTriggered, 202, "fetch triggered",
                       "push to " + push.ref + (push.deleted ? " (deleted)" : ""));
        outcome.repositories_to_fetch = std::move(fetch);
      }
    }
  }
  outcome.push = std::move(push);
  return outcome;
}

}  // namespace capstan::webhooks
