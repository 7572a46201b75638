#include "model/revision.h"

#include <fmt/format.h>

#include "model/flatten.h"

namespace capstan::model {
namespace {

std::uint64_t HashFields(const std::vector<FlatField>& fields, std::uint64_t h) {
  for (const auto& f : fields) {
    h = Fnv1a64(f.path, h);
    h = Fnv1a64(std::string_view("\0", 1), h);
    h = Fnv1a64(f.value, h);
    h = Fnv1a64(std::string_view("\n", 1), h);
  }
  return h;
}

}  // namespace

std::uint64_t Fnv1a64(std::string_view data, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string ComputeRevision(const TaskTemplate& task, const Application& app) {
  std::uint64_t h = HashFields(FlattenTaskTemplate(task, "template"), Fnv1a64(""));
  for (const auto& name : task.ConfigMapRefs()) {
    h = Fnv1a64("configMap:" + name, h);
    if (const Resource* r = app.Find(ResourceKind::kConfigMap, name)) {
      h = HashFields(Flatten(r->spec), h);
    }
  }
  for (const auto& name : task.SecretRefs()) {
    h = Fnv1a64("secret:" + name, h);
    if (const Resource* r = app.Find(ResourceKind::kSecret, name)) {
      h = HashFields(Flatten(r->spec), h);
    }
  }
  return fmt::format("{:016x}", h);
}

void AssignRevisions(Application& app) {
  for (auto& [id, resource] : app.resources) {
    if (auto* w = std::get_if<WorkloadSpec>(&resource.spec)) {
      w->revision = ComputeRevision(w->task, app);
    } else if (auto* j = std::get_if<JobSpec>(&resource.spec)) {
      j->revision = ComputeRevision(j->task, app);
    }
  }
}

}  // namespace capstan::model
