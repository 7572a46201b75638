#pragma once

#include <string>

namespace capstan::model {

enum class Rounding { kDown, kUp };

// Kubernetes' IntOrString for maxSurge / maxUnavailable: either an absolute count or a percentage
// of the desired replicas.
struct IntOrPercent {
  int value = 0;
  bool is_percent = false;

  static IntOrPercent Count(int n) { return {n, false}; }
  static IntOrPercent Percent(int p) { return {p, true}; }

  // Resolves against `total` replicas. Kubernetes rounds maxSurge up and maxUnavailable down.
  int Resolve(int total, Rounding rounding) const {
    if (!is_percent) return value;
    long long scaled = static_cast<long long>(total) * value;
    if (rounding == Rounding::kUp) return static_cast<int>((scaled + 99) / 100);
    return static_cast<int>(scaled / 100);
  }
  std::string ToString() const {
    return is_percent ? std::to_string(value) + "%" : std::to_string(value);
  }
  friend bool operator==(const IntOrPercent&, const IntOrPercent&) = default;
};

}  // namespace capstan::model
