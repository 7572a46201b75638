#include "renderers/kubernetes/downward_api.h"

#include <fmt/format.h>

#include <array>
#include <string_view>

namespace capstan::renderers::kubernetes {
namespace {

constexpr std::array<std::string_view, 9> kPlainPaths = {
    "metadata.name", "metadata.namespace",      "metadata.uid",
    "spec.nodeName", "spec.serviceAccountName", "status.podIP",
    "status.podIPs", "status.hostIP",           "status.hostIPs"};

// metadata.labels['key'] / metadata.annotations['key'] (the key in single quotes, non-empty).
bool IsSubscriptedPath(std::string_view path) {
  for (std::string_view prefix : {"metadata.labels['", "metadata.annotations['"}) {
    if (path.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = path.substr(prefix.size());
    return rest.size() > 2 && rest.substr(rest.size() - 2) == "']" &&
           rest.substr(0, rest.size() - 2).find('\'') == std::string_view::npos;
  }
  return false;
}

}  // namespace

bool ConvertFieldRef(Fields& ref, model::EnvVar& var) {
  Findings& findings = ref.findings();
  if (auto version = ref.String("apiVersion"); version && *version != "v1") {
    findings.Error(ref.Get("apiVersion"), ref.PathOf("apiVersion"),
                   fmt::format("must be v1 (got \"{}\")", *version));
  }
  std::string path = RequiredString(ref, "fieldPath");
  ref.ReportUnread();
  if (path.empty()) return false;
  bool known = IsSubscriptedPath(path);
  for (std::string_view p : kPlainPaths) known = known || p == path;
  if (!known) {
    std::string hint;
    if (path == "metadata.labels" || path == "metadata.annotations") {
      hint = fmt::format(" (in env, name one key: {}['key'])", path);
    }
    findings.Error(ref.Get("fieldPath"), ref.PathOf("fieldPath"),
                   fmt::format("unsupported fieldPath \"{}\"{}: must be one of metadata.name, "
                               "metadata.namespace, metadata.uid, metadata.labels['<key>'], "
                               "metadata.annotations['<key>'], spec.nodeName, "
                               "spec.serviceAccountName, status.podIP, status.podIPs, "
                               "status.hostIP, status.hostIPs",
                               path, hint));
    return false;
  }
  var.source = model::EnvSource::kFieldRef;
  var.ref_key = std::move(path);
  return true;
}

bool ConvertResourceFieldRef(Fields& ref, model::EnvVar& var) {
  Findings& findings = ref.findings();
  std::string resource = RequiredString(ref, "resource");
  std::string container = ref.String("containerName").value_or("");
  std::string divisor = ref.String("divisor").value_or("");
  ref.ReportUnread();
  if (resource.empty()) return false;
  const bool cpu = resource == "limits.cpu" || resource == "requests.cpu";
  const bool memory = resource == "limits.memory" || resource == "requests.memory";
  if (!cpu && !memory) {
    const bool valid_elsewhere = resource == "limits.ephemeral-storage" ||
                                 resource == "requests.ephemeral-storage" ||
                                 resource.rfind("limits.hugepages-", 0) == 0 ||
                                 resource.rfind("requests.hugepages-", 0) == 0;
    if (valid_elsewhere) {
      findings.Unsupported(ref.Get("resource"), ref.PathOf("resource"),
                           fmt::format("resource \"{}\" is not tracked by Capstan; this "
                                       "variable is not set",
                                       resource));
    } else {
      findings.Error(ref.Get("resource"), ref.PathOf("resource"),
                     fmt::format("unsupported resource \"{}\": must be limits.cpu, "
                                 "limits.memory, requests.cpu or requests.memory",
                                 resource));
    }
    return false;
  }
  if (!divisor.empty()) {
    static constexpr std::array<std::string_view, 13> kMemoryDivisors = {
        "1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"};
    bool ok = false;
    if (cpu) {
      ok = divisor == "1m" || divisor == "1";
    } else {
      for (std::string_view d : kMemoryDivisors) ok = ok || d == divisor;
    }
    if (!ok) {
      findings.Error(ref.Get("divisor"), ref.PathOf("divisor"),
                     cpu ? fmt::format("\"{}\": only 1m and 1 are supported with the cpu "
                                       "resource",
                                       divisor)
                         : fmt::format("\"{}\": only 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, "
                                       "1Ti, 1Pi and 1Ei are supported with the memory resource",
                                       divisor));
      return false;
    }
  }
  var.source = model::EnvSource::kResourceFieldRef;
  var.ref_name = std::move(container);
  var.ref_key = std::move(resource);
  var.divisor = std::move(divisor);
  return true;
}

}  // namespace capstan::renderers::kubernetes
