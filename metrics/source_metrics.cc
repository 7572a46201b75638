#include "metrics/source_metrics.h"

namespace capstan::metrics {

std::string_view FetchResultName(FetchResult result) {
  switch (result) {
    case FetchResult::kUpdated:
      return "updated";
    case FetchResult::kUnchanged:
      return "unchanged";
    case FetchResult::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string RepoLabel(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  size_t scheme = url.find("://");
  size_t authority_start = scheme == std::string_view::npos ? 0 : scheme + 3;
  // The user info ends at the LAST '@' of the authority. A password may itself hold an unescaped
  // '/' (not valid, but people write it), so an '@' after a '/' still counts when a ':' before it
  // marks a password.
  size_t at = url.rfind('@');
  if (at == std::string_view::npos || at < authority_start) return std::string(url);
  std::string_view userinfo = url.substr(authority_start, at - authority_start);
  bool has_slash = userinfo.find('/') != std::string_view::npos;
  bool has_colon = userinfo.find(':') != std::string_view::npos;
  if (has_slash && !has_colon) return std::string(url);  // an '@' in the path, not user info
  // Drop the whole user info, user name included, so that labels do not vary with who fetches.
  return std::string(url.substr(0, authority_start)) + std::string(url.substr(at + 1));
}

SourceMetrics::SourceMetrics(prometheus::Registry& registry)
    : total_(prometheus::BuildCounter()
                 .Name("capstan_source_fetch_total")
                 .Help("Fetches of a Git repository, by result (updated, unchanged, failed).")
                 .Register(registry)),
      duration_(
          prometheus::BuildHistogram()
              .Name("capstan_source_fetch_duration_seconds")
              .Help("Time one fetch of a Git repository took.")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                               2.5, 5, 10, 30, 60, 120})),
      last_fetch_(prometheus::BuildGauge()
                      .Name("capstan_source_last_fetch_timestamp_seconds")
                      .Help("Unix time of the last successful fetch of a Git repository.")
                      .Register(registry)) {}

void SourceMetrics::ObserveFetch(std::string_view repo_url, FetchResult result, double seconds,
                                 std::chrono::system_clock::time_point finished) {
  std::string repo = RepoLabel(repo_url);
  total_.Update({{"repo", repo}, {"result", std::string(FetchResultName(result))}},
                [](prometheus::Counter& c) { c.Increment(); });
  duration_.Observe(seconds);
  if (result != FetchResult::kFailed) {
    double unix_seconds = std::chrono::duration<double>(finished.time_since_epoch()).count();
    last_fetch_.Update({{"repo", repo}},
                       [unix_seconds](prometheus::Gauge& g) { g.Set(unix_seconds); });
  }
}

void SourceMetrics::RemoveRepo(std::string_view repo_url) {
  std::string repo = RepoLabel(repo_url);
  total_.RemoveMatching({{"repo", repo}});
  last_fetch_.RemoveMatching({{"repo", repo}});
}

}  // namespace capstan::metrics
