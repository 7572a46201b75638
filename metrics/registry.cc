#include "metrics/registry.h"

#include <prometheus/text_serializer.h>

namespace capstan::metrics {

std::string MetricsRegistry::Serialize() const {
  return prometheus::TextSerializer().Serialize(registry_.Collect());
}

}  // namespace capstan::metrics
