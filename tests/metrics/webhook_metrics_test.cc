#include "metrics/webhook_metrics.h"

#include <gtest/gtest.h>

#include "metrics/registry.h"
#include "tests/metrics/exposition.h"

namespace capstan::metrics {
namespace {

using testing::Exposition;

TEST(WebhookMetrics, CountsByProviderAndResult) {
  MetricsRegistry registry;
  WebhookMetrics metrics(registry.registry());
  metrics.RecordRequest("github", "triggered");
  metrics.RecordRequest("github", "triggered");
  metrics.RecordRequest("github", "unauthorized");
  metrics.RecordRequest("gitea", "rate_limited");
  Exposition out(registry.Serialize());
  EXPECT_TRUE(
      out.HasLine("capstan_webhook_requests_total{provider=\"github\",result=\"triggered\"} 2"))
      << out.text();
  EXPECT_TRUE(
      out.HasLine("capstan_webhook_requests_total{provider=\"github\",result=\"unauthorized\"} 1"));
  EXPECT_TRUE(
      out.HasLine("capstan_webhook_requests_total{provider=\"gitea\",result=\"rate_limited\"} 1"));
}

TEST(WebhookMetrics, UnknownLabelValuesCannotMintSeries) {
  MetricsRegistry registry;
  WebhookMetrics metrics(registry.registry());
  metrics.RecordRequest("evil\"provider", "hunter2-secret");
  metrics.RecordRequest("bitbucket", "triggered");
  Exposition out(registry.Serialize());
  EXPECT_EQ(out.text().find("hunter2"), std::string::npos);
  EXPECT_EQ(
      out.Value("capstan_webhook_requests_total", {{"provider", "other"}, {"result", "other"}}), 1);
  EXPECT_EQ(
      out.Value("capstan_webhook_requests_total", {{"provider", "other"}, {"result", "triggered"}}),
      1);
}

}  // namespace
}  // namespace capstan::metrics
