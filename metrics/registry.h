#pragma once

#include <prometheus/registry.h>

#include <string>

namespace capstan::metrics {

// The one prometheus::Registry of a daemon, and its text exposition. The component structs
// (ReconcileMetrics, SourceMetrics, ...) register their families in it once, at start-up; the
// server's GET /metrics returns Serialize() with content type kContentType. No prometheus-cpp
// Exposer: the daemon serves /metrics on its own listener.
// Thread-safety: safe for concurrent use (prometheus-cpp synchronises registry and metrics).
class MetricsRegistry {
 public:
  static constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  prometheus::Registry& registry() { return registry_; }

  // Every family in the Prometheus text format (version 0.0.4).
  std::string Serialize() const;

 private:
  prometheus::Registry registry_;
};

}  // namespace capstan::metrics
