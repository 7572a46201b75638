#include "metrics/webhook_metrics.h"

#include <algorithm>
#include <string>

namespace capstan::metrics {
namespace {

constexpr std::string_view kProviders[] = {"github", "gitlab", "gitea"};
constexpr std::string_view kResults[] = {"triggered",    "ignored",   "pong",
                                         "unauthorized", "forbidden", "too_large",
                                         "bad_request",  "duplicate", "rate_limited"};

template <size_t N>
std::string OneOf(std::string_view value, const std::string_view (&allowed)[N]) {
  bool known = std::find(std::begin(allowed), std::end(allowed), value) != std::end(allowed);
  return known ? std::string(value) : std::string("other");
}

}  // namespace

WebhookMetrics::WebhookMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("capstan_webhook_requests_total")
                    .Help("Webhook requests received, by provider and result (triggered, "
                          "ignored, unauthorized, rate_limited, ...).")
                    .Register(registry)) {}

void WebhookMetrics::RecordRequest(std::string_view provider, std::string_view result) {
  requests_.Update({{"provider", OneOf(provider, kProviders)}, {"result", OneOf(result, kResults)}},
                   [](prometheus::Counter& c) { c.Increment(); });
}

}  // namespace capstan::metrics
