#include "orchestrator/downward_api.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace capstan::orchestrator {
namespace {

using model::ErrorCode;
using model::Status;

std::uint64_t Fnv1a(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// "metadata.labels['tier']" -> "tier" when `path` starts with `prefix` + "['" and ends "']".
bool Subscript(std::string_view path, std::string_view prefix, std::string* key) {
  if (path.size() < prefix.size() + 4 || path.substr(0, prefix.size()) != prefix) return false;
  std::string_view rest = path.substr(prefix.size());
  if (rest.substr(0, 2) != "['" || rest.substr(rest.size() - 2) != "']") return false;
  *key = std::string(rest.substr(2, rest.size() - 4));
  return true;
}

std::string MapValue(const std::map<std::string, std::string>* m, const std::string& key) {
  if (!m) return "";
  auto it = m->find(key);
  return it == m->end() ? "" : it->second;
}

}  // namespace

std::string TaskUid(std::string_view task_id) {
  std::uint64_t hi = Fnv1a(task_id, 0xcbf29ce484222325ULL);
  std::uint64_t lo = Fnv1a(task_id, hi ^ 0x9e3779b97f4a7c15ULL);
  hi = (hi & ~0xF000ULL) | 0x8000ULL;            // version 8
  lo = (lo & ~(0x3ULL << 62)) | (0x2ULL << 62);  // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF,
                     hi & 0xFFFF, lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

model::Result<std::string> ResolveFieldRef(std::string_view path, const DownwardFacts& f) {
  std::string key;
  if (path == "metadata.name") return f.pod_name;
  if (path == "metadata.namespace") return f.pod_namespace;
  if (path == "metadata.uid") return f.pod_uid;
  if (Subscript(path, "metadata.labels", &key)) return MapValue(f.labels, key);
  if (Subscript(path, "metadata.annotations", &key)) return MapValue(f.annotations, key);
  if (path == "spec.nodeName") return f.node_name;
  if (path == "spec.serviceAccountName") return f.service_account;
  // One address per task and node: the plural forms are the same single address.
  if (path == "status.podIP" || path == "status.podIPs") return f.pod_ip;
  if (path == "status.hostIP" || path == "status.hostIPs") return f.host_ip;
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("unsupported fieldRef fieldPath \"{}\"", path));
}

model::Result<double> ParseDivisor(std::string_view divisor) {
  if (divisor.empty()) return 1.0;
  std::string text(divisor);
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  std::string_view suffix(end, text.c_str() + text.size() - end);
  static const std::pair<const char*, double> kSuffixes[] = {
      {"", 1},        {"n", 1e-9},    {"u", 1e-6},    {"m", 1e-3},   {"k", 1e3},     {"M", 1e6},
      {"G", 1e9},     {"T", 1e12},    {"P", 1e15},    {"E", 1e18},   {"Ki", 0x1p10}, {"Mi", 0x1p20},
      {"Gi", 0x1p30}, {"Ti", 0x1p40}, {"Pi", 0x1p50}, {"Ei", 0x1p60}};
  if (end != text.c_str() && std::isfinite(number) && number > 0) {
    for (const auto& [s, scale] : kSuffixes) {
      if (suffix == s) return number * scale;
    }
  }
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("bad resourceFieldRef divisor \"{}\"", divisor));
}

model::Result<std::string> ResolveResourceFieldRef(std::string_view resource,
                                                   std::string_view divisor,
                                                   const model::Resources& r,
                                                   const DownwardFacts& f) {
  auto div = ParseDivisor(divisor);
  if (!div.ok()) return div.status();
  // kubelet's defaultPodLimitsForDownwardAPI: an unset limit is the node's allocatable. API
  // defaulting (pkg/apis/core/v1/defaults.go): an unset request takes the limit when one is set.
  const std::int64_t cpu_limit = r.cpu_limit_millis > 0 ? r.cpu_limit_millis : f.node_cpu_millis;
  const std::int64_t mem_limit =
      r.memory_limit_bytes > 0 ? r.memory_limit_bytes : f.node_memory_bytes;
  const std::int64_t cpu_request =
      r.cpu_request_millis > 0 ? r.cpu_request_millis : r.cpu_limit_millis;
  const std::int64_t mem_request =
      r.memory_request_bytes > 0 ? r.memory_request_bytes : r.memory_limit_bytes;
  // convertResourceCPUToString: ceil(cpu.MilliValue() / divisor.MilliValue());
  // convertResourceMemoryToString: ceil(memory.Value() / divisor.Value()), Value() rounding up.
  auto cpu = [&](std::int64_t millis) {
    const double div_millis = std::ceil(*div * 1000);
    return fmt::format("{}", static_cast<std::int64_t>(std::ceil(millis / div_millis)));
  };
  auto memory = [&](std::int64_t bytes) {
    const double div_value = std::ceil(*div);
    return fmt::format("{}", static_cast<std::int64_t>(std::ceil(bytes / div_value)));
  };
  if (resource == "limits.cpu") return cpu(cpu_limit);
  if (resource == "requests.cpu") return cpu(cpu_request);
  if (resource == "limits.memory") return memory(mem_limit);
  if (resource == "requests.memory") return memory(mem_request);
  return Status::Error(ErrorCode::kInvalidArgument,
                       fmt::format("unsupported resourceFieldRef resource \"{}\"", resource));
}

}  // namespace capstan::orchestrator
