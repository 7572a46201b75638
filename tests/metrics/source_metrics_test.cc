#include "metrics/source_metrics.h"

#include <gtest/gtest.h>

#include "metrics/registry.h"
#include "tests/metrics/exposition.h"

namespace capstan::metrics {
namespace {

using testing::Exposition;

TEST(RepoLabel, StripsCredentialsQueryAndFragment) {
  EXPECT_EQ(RepoLabel("https://github.com/acme/shop.git"), "https://github.com/acme/shop.git");
  EXPECT_EQ(RepoLabel("https://x-access-token:ghp_SECRET@github.com/acme/shop.git"),
            "https://github.com/acme/shop.git");
  EXPECT_EQ(RepoLabel("https://user:pa/ss@host/acme/shop"), "https://host/acme/shop");
  EXPECT_EQ(RepoLabel("https://oauth2:tok@en@gitlab.com/g/p.git"), "https://gitlab.com/g/p.git");
  EXPECT_EQ(RepoLabel("ssh://git@github.com:22/acme/shop.git"),
            "ssh://github.com:22/acme/shop.git");
  EXPECT_EQ(RepoLabel("git@github.com:acme/shop.git"), "github.com:acme/shop.git");
  EXPECT_EQ(RepoLabel("https://host/acme/shop?private_token=SECRET#x"), "https://host/acme/shop");
  EXPECT_EQ(RepoLabel("/srv/repos/shop.git"), "/srv/repos/shop.git");
  EXPECT_EQ(RepoLabel("https://host/org/repo@v1"), "https://host/org/repo@v1");
}

TEST(SourceMetrics, FetchCountsDurationsAndLastSuccess) {
  MetricsRegistry registry;
  SourceMetrics metrics(registry.registry());
  auto t1 = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  auto t2 = t1 + std::chrono::seconds(30);
  const char* url = "https://token:SECRET@github.com/acme/shop.git";
  metrics.ObserveFetch(url, FetchResult::kUpdated, 0.4, t1);
  metrics.ObserveFetch(url, FetchResult::kFailed, 5, t2);  // does not move the timestamp
  metrics.ObserveFetch(url, FetchResult::kUnchanged, 0.02, t1 + std::chrono::seconds(10));
  Exposition out(registry.Serialize());
  EXPECT_EQ(out.text().find("SECRET"), std::string::npos) << out.text();
  const std::string repo = "https://github.com/acme/shop.git";
  EXPECT_TRUE(out.HasLine("capstan_source_fetch_total{repo=\"" + repo + "\",result=\"updated\"} 1"))
      << out.text();
  EXPECT_TRUE(out.HasLine("capstan_source_fetch_total{repo=\"" + repo + "\",result=\"failed\"} 1"));
  EXPECT_TRUE(
      out.HasLine("capstan_source_fetch_total{repo=\"" + repo + "\",result=\"unchanged\"} 1"));
  EXPECT_EQ(out.Value("capstan_source_last_fetch_timestamp_seconds", {{"repo", repo}}),
            1'700'000'010.0);
  EXPECT_EQ(out.Value("capstan_source_fetch_duration_seconds_count"), 3);
  EXPECT_EQ(out.Value("capstan_source_fetch_duration_seconds_bucket", {{"le", "0.025"}}), 1);
  EXPECT_EQ(out.Value("capstan_source_fetch_duration_seconds_bucket", {{"le", "0.5"}}), 2);
  EXPECT_EQ(out.Value("capstan_source_fetch_duration_seconds_bucket", {{"le", "+Inf"}}), 3);
}

TEST(SourceMetrics, FailedFirstFetchExportsNoTimestamp) {
  MetricsRegistry registry;
  SourceMetrics metrics(registry.registry());
  metrics.ObserveFetch("https://h/r", FetchResult::kFailed, 1, std::chrono::system_clock::now());
  Exposition out(registry.Serialize());
  EXPECT_TRUE(out.Find("capstan_source_last_fetch_timestamp_seconds").empty());
  EXPECT_EQ(
      out.Value("capstan_source_fetch_total", {{"repo", "https://h/r"}, {"result", "failed"}}), 1);
}

TEST(SourceMetrics, RemoveRepo) {
  MetricsRegistry registry;
  SourceMetrics metrics(registry.registry());
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(100));
  metrics.ObserveFetch("https://h/a", FetchResult::kUpdated, 1, now);
  metrics.ObserveFetch("https://h/b", FetchResult::kUpdated, 1, now);
  metrics.RemoveRepo("https://user:pw@h/a");  // same repository, other spelling of credentials
  Exposition out(registry.Serialize());
  EXPECT_TRUE(out.Find("capstan_source_fetch_total", {{"repo", "https://h/a"}}).empty());
  EXPECT_TRUE(
      out.Find("capstan_source_last_fetch_timestamp_seconds", {{"repo", "https://h/a"}}).empty());
  EXPECT_EQ(out.Find("capstan_source_fetch_total", {{"repo", "https://h/b"}}).size(), 1u);
}

}  // namespace
}  // namespace capstan::metrics
