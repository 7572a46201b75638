#include "orchestrator/service_names.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace capstan::orchestrator {

std::string ServiceHostsLines(const std::vector<NamedService>& services, const std::string& app,
                              const std::string& domain) {
  std::vector<const NamedService*> sorted;
  sorted.reserve(services.size());
  for (const auto& s : services) {
    if (!s.address.empty()) sorted.push_back(&s);
  }
  std::sort(sorted.begin(), sorted.end(), [](const NamedService* a, const NamedService* b) {
    return std::tie(a->app, a->name) < std::tie(b->app, b->name);
  });
  std::set<std::string> taken;
  std::string out = "# Capstan Services (cluster IPs); rewritten when Services change\n";
  // Short names of the task's own application first: they beat another application's alias.
  for (const NamedService* s : sorted) {
    if (s->app == app) taken.insert(s->name);
  }
  for (const NamedService* s : sorted) {
    std::vector<std::string> names;
    auto claim = [&](const std::string& name) {
      if (!name.empty() && taken.insert(name).second) names.push_back(name);
    };
    if (s->app == app) names.push_back(s->name);
    claim(fmt::format("{}.{}", s->name, s->app));
    claim(fmt::format("{}.{}.svc", s->name, s->app));
    claim(fmt::format("{}.{}.svc.{}", s->name, s->app, domain));
    for (const auto& alias : s->aliases) claim(alias);
    if (!names.empty()) out += fmt::format("{}\t{}\n", s->address, fmt::join(names, " "));
  }
  return out;
}

std::string HostsFile(const std::string& base, const std::vector<NamedService>& services,
                      const std::string& app, const std::string& domain) {
  std::string out = base;
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + ServiceHostsLines(services, app, domain);
}

std::string LocalhostLines(const std::string& hostname) {
  return fmt::format(
      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{}\n", hostname);
}

}  // namespace capstan::orchestrator
