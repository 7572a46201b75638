#include "model/task_template.h"

#include <algorithm>
#include <set>

namespace capstan::model {
namespace {

std::vector<std::string> Refs(const TaskTemplate& t, EnvSource env_source, VolumeType volume_type) {
  std::set<std::string> names;
  for (const auto* list : {&t.init_containers, &t.containers}) {
    for (const auto& c : *list) {
      for (const auto& e : c.env) {
        if (e.source == env_source) names.insert(e.ref_name);
      }
      for (const auto& e : c.env_from) {
        if (e.source == env_source) names.insert(e.name);
      }
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

namespace {

// Kubernetes' effective pod request (KEP-753, resource.PodRequests): the larger of
//   the main containers plus every sidecar, and
//   for each init container, its own request plus the sidecars started before it.
std::int64_t EffectiveRequest(const TaskTemplate& t,
                              std::int64_t (*request)(const ContainerSpec&)) {
  std::int64_t sidecars = 0;
  std::int64_t init_peak = 0;
  for (const auto& c : t.init_containers) {
    if (c.restart_always) {
      sidecars += request(c);
      init_peak = std::max(init_peak, sidecars);
    } else {
      init_peak = std::max(init_peak, sidecars + request(c));
    }
  }
  std::int64_t main = sidecars;
  for (const auto& c : t.containers) main += request(c);
  return std::max(main, init_peak);
}

}  // namespace

std::int64_t TaskTemplate::CpuRequestMillis() const {
  if (cpu_millis > 0) return cpu_millis;
  return EffectiveRequest(*this,
                          [](const ContainerSpec& c) { return c.resources.cpu_request_millis; });
}

std::int64_t TaskTemplate::MemoryRequestBytes() const {
  if (memory_bytes > 0) return memory_bytes;
  return EffectiveRequest(*this,
                          [](const ContainerSpec& c) { return c.resources.memory_request_bytes; });
}

}  // namespace capstan::model
