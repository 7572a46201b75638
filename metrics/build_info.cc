#include "metrics/build_info.h"

#include <prometheus/gauge.h>

namespace capstan::metrics {

BuildInfo::BuildInfo(prometheus::Registry& registry, const std::string& version) {
  prometheus::BuildGauge()
      .Name("capstan_build_info")
      .Help("Always 1; the version label names the running Capstan build.")
      .Register(registry)
      .Add({{"version", version}})
      .Set(1);
}

}  // namespace capstan::metrics
