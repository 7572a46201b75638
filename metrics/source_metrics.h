#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <string>
#include <string_view>

#include "metrics/labelled_series.h"

namespace capstan::metrics {

enum class FetchResult {
  kUpdated,    // "updated": the tracked ref moved to a new commit
  kUnchanged,  // "unchanged": same commit as last time
  kFailed,     // "failed": network, auth, missing ref...
};
std::string_view FetchResultName(FetchResult result);

// The `repo` label for a repository URL: the user info ("user:token@", "git@") is removed, and so
// are "?query" and "#fragment", so a token embedded in a clone URL never becomes a label value.
std::string RepoLabel(std::string_view url);

// capstan_source_fetch_total{repo,result}, capstan_source_fetch_duration_seconds (no labels,
// 10 ms to 120 s) and capstan_source_last_fetch_timestamp_seconds{repo} (Unix time of the last
// SUCCESSFUL fetch, so `time() - x` alerts on a source that stopped fetching).
// Thread-safety: safe for concurrent use.
class SourceMetrics {
 public:
  explicit SourceMetrics(prometheus::Registry& registry);
  SourceMetrics(const SourceMetrics&) = delete;
  SourceMetrics& operator=(const SourceMetrics&) = delete;

  // One finished fetch of `repo_url` (redacted with RepoLabel) that took `seconds` and ended at
  // wall time `finished`.
  void ObserveFetch(std::string_view repo_url, FetchResult result, double seconds,
                    std::chrono::system_clock::time_point finished);

  // Drops the series of a repository that is no longer configured.
  void RemoveRepo(std::string_view repo_url);

 private:
  LabelledSeries<prometheus::Counter> total_;
  prometheus::Histogram& duration_;
  LabelledSeries<prometheus::Gauge> last_fetch_;
};

}  // namespace capstan::metrics
