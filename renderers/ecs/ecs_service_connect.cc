#include "renderers/ecs/ecs_service_connect.h"

#include <fmt/format.h>

#include <cctype>
#include <set>

#include "renderers/ecs/ecs_names.h"

namespace capstan::renderers::ecs {
namespace {

using nlohmann::json;

// A client alias dnsName: dot-separated labels of letters, digits and '-'.
bool IsDnsName(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  char previous = '.';
  for (char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    if (!ok || (c == '.' && previous == '.')) return false;
    previous = c;
  }
  return true;
}

bool ReadAliases(EcsDocument& doc, const json& entry, const std::string& at,
                 ServiceConnectService& service) {
  const json* aliases = doc.Array(entry, "clientAliases", at);
  if (aliases == nullptr) return true;
  const std::string field = MemberPath(at, "clientAliases");
  bool ok = true;
  std::set<int> ports;
  for (std::size_t i = 0; i < aliases->size(); ++i) {
    const json& alias = (*aliases)[i];
    const std::string alias_at = ElementPath(field, i);
    if (!alias.is_object()) {
      doc.Error(alias_at, fmt::format("must be an object, not {}", EcsDocument::TypeName(alias)));
      ok = false;
      continue;
    }
    doc.ReportUnhandled(alias, alias_at, {"port", "dnsName"});
    const auto port = doc.Integer(alias, "port", alias_at, 1, 65535);
    const auto dns_name = doc.String(alias, "dnsName", alias_at);
    if (!port) {
      if (!EcsDocument::Has(alias, "port")) doc.Error(MemberPath(alias_at, "port"), "is required");
      ok = false;
      continue;
    }
    if (!ports.insert(static_cast<int>(*port)).second) {
      doc.Error(MemberPath(alias_at, "port"),
                fmt::format("port {} is aliased twice for this service", *port));
      ok = false;
      continue;
    }
    if (dns_name && !IsDnsName(*dns_name)) {
      doc.Error(MemberPath(alias_at, "dnsName"),
                fmt::format("\"{}\" is not a DNS name (letters, digits, '-' and '.')", *dns_name));
      ok = false;
      continue;
    }
    service.client_aliases.push_back({static_cast<int>(*port), dns_name.value_or("")});
  }
  return ok;
}

}  // namespace

bool ReadServiceConnect(EcsDocument& doc, const json& root,
                        std::vector<ServiceConnectService>& out) {
  const std::string at = "serviceConnectConfiguration";
  const json* config = doc.Object(root, "serviceConnectConfiguration", "");
  if (config == nullptr) return true;
  doc.ReportUnhandled(*config, at, {"enabled", "namespace", "services"});
  const auto enabled = doc.Bool(*config, "enabled", at);
  doc.String(*config, "namespace", at);  // type-checked; the application is the namespace
  if (!enabled) {
    if (!EcsDocument::Has(*config, "enabled")) doc.Error(MemberPath(at, "enabled"), "is required");
    return false;
  }
  if (!*enabled) return true;
  const json* services = doc.Array(*config, "services", at);
  if (services == nullptr) return true;  // a client-only service: it only calls others
  const std::string field = MemberPath(at, "services");
  bool ok = true;
  std::set<std::string> names;
  for (std::size_t i = 0; i < services->size(); ++i) {
    const json& entry = (*services)[i];
    const std::string entry_at = ElementPath(field, i);
    if (!entry.is_object()) {
      doc.Error(entry_at, fmt::format("must be an object, not {}", EcsDocument::TypeName(entry)));
      ok = false;
      continue;
    }
    doc.ReportUnhandled(entry, entry_at,
                        {"portName", "discoveryName", "clientAliases", "ingressPortOverride"});
    ServiceConnectService service;
    service.location = doc.Locate(entry_at);
    service.field = entry_at;
    const auto port_name = doc.String(entry, "portName", entry_at);
    const auto discovery = doc.String(entry, "discoveryName", entry_at);
    doc.Integer(entry, "ingressPortOverride", entry_at, 1, 65535);  // no proxy: no effect
    if (!port_name) {
      if (!EcsDocument::Has(entry, "portName")) {
        doc.Error(MemberPath(entry_at, "portName"), "is required");
      }
      ok = false;
      continue;
    }
    service.port_name = *port_name;
    service.discovery_name = discovery.value_or(*port_name);
    const std::string name_field = MemberPath(entry_at, discovery ? "discoveryName" : "portName");
    if (auto problem = CheckEcsName(service.discovery_name)) {
      doc.Error(name_field, "discoveryName " + *problem);
      ok = false;
      continue;
    }
    if (!names.insert(service.discovery_name).second) {
      doc.Error(name_field,
                fmt::format("discoveryName \"{}\" is used twice", service.discovery_name));
      ok = false;
      continue;
    }
    if (!ReadAliases(doc, entry, entry_at, service)) {
      ok = false;
      continue;
    }
    out.push_back(std::move(service));
  }
  return ok;
}

std::optional<model::ServiceSpec> BuildServiceConnectService(
    const ServiceConnectService& entry, const model::TaskTemplate& task, const std::string& family,
    const std::map<std::string, std::string>& selector, model::Diagnostics& diagnostics) {
  const model::PortSpec* target = nullptr;
  for (const auto& container : task.containers) {
    for (const auto& port : container.ports) {
      if (target == nullptr && port.name == entry.port_name) target = &port;
    }
  }
  if (target == nullptr) {
    diagnostics.push_back(model::Diagnostic{
        model::Severity::kError, entry.location, MemberPath(entry.field, "portName"),
        fmt::format("no container of task definition \"{}\" has a portMappings entry named "
                    "\"{}\"",
                    family, entry.port_name)});
    return std::nullopt;
  }
  model::ServiceSpec spec;
  spec.selector = selector;
  const std::string target_port = std::to_string(target->container_port);
  auto add_port = [&](int port, std::string name) {
    spec.ports.push_back(model::ServicePort{std::move(name), port, target_port, target->protocol});
  };
  if (entry.client_aliases.empty()) add_port(target->container_port, entry.port_name);
  for (const auto& alias : entry.client_aliases) {
    add_port(alias.port, entry.client_aliases.size() == 1
                             ? entry.port_name
                             : fmt::format("{}-{}", entry.port_name, alias.port));
    const bool known =
        alias.dns_name.empty() || alias.dns_name == entry.discovery_name ||
        std::find(spec.aliases.begin(), spec.aliases.end(), alias.dns_name) != spec.aliases.end();
    if (!known) spec.aliases.push_back(alias.dns_name);
  }
  return spec;
}

}  // namespace capstan::renderers::ecs
