#pragma once

#include <cstdint>
#include <string_view>

#include "model/status.h"

namespace capstan::renderers::kubernetes {

// A Kubernetes resource quantity (k8s.io/apimachinery resource.Quantity) converted to an integer
// in some unit, rounded up like Kubernetes does ("0.1m" CPU is 1 milli-CPU).
struct ScaledQuantity {
  std::int64_t value = 0;
  bool exact = true;  // false when rounding up changed the value ("100m" bytes -> 1 byte)
};

// Parses `<sign?><digits>[.<digits>]<suffix?>` with suffix one of the binary SI suffixes
// (Ki Mi Gi Ti Pi Ei), the decimal SI suffixes (n u m k M G T P E) or a decimal exponent
// (e3, E-2). Returns the value times 10^`scale`, rounded up. Errors (kInvalidArgument) on syntax,
// negative values and values that do not fit in 63 bits. Pure, thread-safe.
model::Result<ScaledQuantity> ParseQuantity(std::string_view text, int scale);

// CPU in millicores: "500m" -> 500, "0.5" -> 500, "2" -> 2000.
inline model::Result<ScaledQuantity> ParseCpuMillis(std::string_view text) {
  return ParseQuantity(text, 3);
}
// Memory in bytes: "128Mi" -> 134217728, "1e3" -> 1000, "100m" -> 1 (inexact).
inline model::Result<ScaledQuantity> ParseMemoryBytes(std::string_view text) {
  return ParseQuantity(text, 0);
}

}  // namespace capstan::renderers::kubernetes
