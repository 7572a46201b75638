#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <string_view>

#include "metrics/labelled_series.h"

namespace capstan::metrics {

// capstan_webhook_requests_total{provider,result}.
// The label values come from closed sets so that a request can never mint a new series:
//   provider: github | gitlab | gitea                     (webhooks::ProviderName)
//   result:   triggered | ignored | pong | unauthorized | forbidden | too_large | bad_request |
//             duplicate | rate_limited                    (webhooks::WebhookResultName)
// Anything else is counted under "other". (metrics/ does not depend on sources/; the server passes
// the names.) Thread-safety: safe for concurrent use.
class WebhookMetrics {
 public:
  explicit WebhookMetrics(prometheus::Registry& registry);
  WebhookMetrics(const WebhookMetrics&) = delete;
  WebhookMetrics& operator=(const WebhookMetrics&) = delete;

  void RecordRequest(std::string_view provider, std::string_view result);

 private:
  LabelledSeries<prometheus::Counter> requests_;
};

}  // namespace capstan::metrics
