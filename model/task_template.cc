#include "model/task_template.h"

#include <algorithm>
#include <set>

namespace capstan::model {
namespace {

std::vector<std::string> Refs(const TaskTemplate& t, EnvSource env_source, VolumeType volume_type) {
  std::set<std::string> names;
  for (const auto& c : t.containers) {
    for (const auto& e : c.env) {
      if (e.source == env_source) names.insert(e.ref_name);
    }
    for (const auto& e : c.env_from) {
      if (e.source == env_source) names.insert(e.name);
    }
  }
  for (const auto& v : t.volumes) {
    if (v.type == volume_type) names.insert(v.source);
  }
  return {names.begin(), names.end()};
}

}  // namespace

std::vector<std::string> TaskTemplate::ConfigMapRefs() const {
  return Refs(*this, EnvSource::kConfigMapKey, VolumeType::kConfigMap);
}

std::vector<std::string> TaskTemplate::SecretRefs() const {
  return Refs(*this, EnvSource::kSecretKey, VolumeType::kSecret);
}

std::int64_t TaskTemplate::CpuRequestMillis() const {
  if (cpu_millis > 0) return cpu_millis;
  std::int64_t sum = 0;
  for (const auto& c : containers) sum += c.resources.cpu_request_millis;
  return sum;
}

std::int64_t TaskTemplate::MemoryRequestBytes() const {
  if (memory_bytes > 0) return memory_bytes;
  std::int64_t sum = 0;
  for (const auto& c : containers) sum += c.resources.memory_request_bytes;
  return sum;
}

}  // namespace capstan::model
