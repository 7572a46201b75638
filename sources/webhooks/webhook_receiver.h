#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/clock.h"
#include "sources/webhooks/delivery.h"
#include "sources/webhooks/delivery_dedupe.h"
#include "sources/webhooks/headers.h"
#include "sources/webhooks/provider.h"
#include "sources/webhooks/rate_limiter.h"
#include "sources/webhooks/repository_match.h"

namespace capstan::webhooks {

struct ReceiverConfig {
  // The shared secret of each provider's endpoint. A provider that is absent, or whose secret is
  // empty, refuses EVERY request with 403: an unconfigured daemon cannot be triggered from outside.
  std::map<Provider, std::string> secrets;
  size_t max_body_bytes = 1 << 20;  // larger bodies: 413, before anything else is looked at
  std::vector<TrackedRepository> repositories;
  size_t dedupe_capacity = 1024;  // delivery ids remembered
  RateLimit rate_limit;           // per configured repository
};

// One HTTP request as the server received it. The server (cpp-httplib) forwards exactly this and
// writes back WebhookOutcome::http_status and ::body; nothing here knows about HTTP libraries.
struct WebhookRequest {
  Provider provider = Provider::kGitHub;  // from the endpoint path, not from the payload
  Headers headers;
  std::string_view body;  // the RAW body; must outlive the Handle() call
};

enum class WebhookResult {
  kTriggered,     // 202: fetch repositories_to_fetch now
  kIgnored,       // 200: authenticated, but not a push this daemon follows (see reason)
  kPong,          // 200: GitHub's ping
  kUnauthorized,  // 401: missing or bad signature — log and count it
  kForbidden,     // 403: no secret configured for this provider
  kTooLarge,      // 413: body over max_body_bytes
  kBadRequest,    // 400: authenticated but malformed (not JSON, no event header, push without ref)
  kDuplicate,     // 200: a delivery id seen before; no fetch
  kRateLimited,   // 429: the repository was hinted too often; no fetch
};

// "triggered", "ignored", "pong", "unauthorized", "forbidden", "too_large", "bad_request",
// "duplicate", "rate_limited": the `result` label of capstan_webhook_requests_total.
std::string_view WebhookResultName(WebhookResult result);

struct WebhookOutcome {
  int http_status = 500;
  std::string body;  // short text for the response; never contains the secret
  WebhookResult result = WebhookResult::kBadRequest;
  std::string reason;  // detail for the log line ("signature mismatch", "ref ... is not tracked")
  // The configured URLs (TrackedRepository::url, as written in the config) to fetch now.
  // Non-empty iff result == kTriggered.
  std::vector<std::string> repositories_to_fetch;
  std::optional<PushEvent> push;  // the parsed push, when the request got that far
};

// Turns webhook requests into fetch hints. The checks run in this order, and a request stops at the
// first that fails, so that nothing an unauthenticated sender controls is parsed:
//   1. body larger than max_body_bytes           -> 413
//   2. no secret configured for the provider     -> 403
//   3. signature on the raw body (constant time) -> 401
//   4. parse (JSON, event header, push fields)   -> 400
//   5. ping -> 200 "pong"; other events -> 200 "ignored"
//   6. a delivery id seen before                 -> 200 "duplicate"
//   7. no configured repository + tracked ref    -> 200 "ignored"
//   8. every matched repository over its rate    -> 429 (no fetch)
//   9. otherwise                                 -> 202, repositories_to_fetch
// Rate limiting answers 429 rather than a silent 2xx so the forge's delivery log shows that the
// hint was dropped; nothing is lost, because a webhook only hints at a fetch and the poll loop
// catches up on its next tick. A delivery id is remembered only once it was processed (ignored or
// triggered), so a redelivery of a rate-limited push gets another chance.
// Thread-safety: Handle() is safe to call concurrently from several server threads; the dedupe
// and rate-limit state is guarded by an internal mutex. The clock must outlive the receiver.
class WebhookReceiver {
 public:
  WebhookReceiver(ReceiverConfig config, const model::Clock& clock);
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  WebhookOutcome Handle(const WebhookRequest& request);

 private:
  const std::string* SecretFor(Provider provider) const;

  const ReceiverConfig config_;
  std::mutex mu_;          // guards dedupe_ and limiter_
  DeliveryDedupe dedupe_;  // keys "<provider>:<delivery id>"
  RateLimiter limiter_;    // keys: normalised configured repository URLs
};

}  // namespace capstan::webhooks
