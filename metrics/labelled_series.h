#pragma once

#include <prometheus/family.h>
#include <prometheus/labels.h>

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace capstan::metrics {

// The series of one metric family that this process has created, so that they can be found and
// removed again by label (prometheus-cpp's Family cannot enumerate its children). Removing series
// is what keeps "info" and one-hot gauges truthful when an application changes or disappears.
// Thread-safety: safe for concurrent use; `mu_` also covers the metric update itself, so a
// concurrent Remove never frees a series while it is being updated.
template <typename T>
class LabelledSeries {
 public:
  explicit LabelledSeries(prometheus::Family<T>& family) : family_(family) {}
  LabelledSeries(const LabelledSeries&) = delete;
  LabelledSeries& operator=(const LabelledSeries&) = delete;

  // Calls fn(T&) on the series with exactly `labels`, creating it (with `args`, e.g. histogram
  // buckets) if needed.
  template <typename Fn, typename... Args>
  void Update(const prometheus::Labels& labels, Fn&& fn, Args&&... args) {
    std::lock_guard lock(mu_);
    auto it = series_.find(labels);
    if (it == series_.end()) {
      it = series_.emplace(labels, &family_.Add(labels, std::forward<Args>(args)...)).first;
    }
    fn(*it->second);
  }

  // Removes every series whose labels include all of `subset` ({} removes everything).
  void RemoveMatching(const prometheus::Labels& subset) {
    std::lock_guard lock(mu_);
    for (auto it = series_.begin(); it != series_.end();) {
      if (Includes(it->first, subset)) {
        family_.Remove(it->second);
        it = series_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Removes every series that has `labels` except the one with exactly `keep`.
  void RemoveMatchingExcept(const prometheus::Labels& subset, const prometheus::Labels& keep) {
    std::lock_guard lock(mu_);
    for (auto it = series_.begin(); it != series_.end();) {
      if (it->first != keep && Includes(it->first, subset)) {
        family_.Remove(it->second);
        it = series_.erase(it);
      } else {
        ++it;
      }
    }
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return series_.size();
  }

 private:
  static bool Includes(const prometheus::Labels& labels, const prometheus::Labels& subset) {
    for (const auto& [name, value] : subset) {
      auto it = labels.find(name);
      if (it == labels.end() || it->second != value) return false;
    }
    return true;
  }

  mutable std::mutex mu_;  // guards series_ and the metrics it points to while they are updated
  prometheus::Family<T>& family_;
  std::map<prometheus::Labels, T*> series_;
};

}  // namespace capstan::metrics
