#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/diagnostic.h"
#include "model/service.h"
#include "model/task_template.h"
#include "renderers/ecs/ecs_document.h"

namespace capstan::renderers::ecs {

// ECS Service Connect on a create-service input:
//   serviceConnectConfiguration {enabled, namespace,
//     services[] {portName, discoveryName, clientAliases[] {port, dnsName}, ingressPortOverride}}
// Each services[] entry becomes a model Service named discoveryName (default: portName) that
// selects the ECS service's own tasks, as loadBalancers do. Its ports: one per clientAlias, port =
// the alias port, target = the container port whose portMappings[].name is portName (without
// clientAliases: the container port itself). Its aliases: the clientAliases' dnsNames.
// `namespace` is accepted without effect (the application is the namespace) and so is
// ingressPortOverride (there is no Service Connect proxy in the task to listen on it);
// tls, timeout and logConfiguration are reported as unsupported by path. enabled: false renders
// nothing.
struct ServiceConnectAlias {
  int port = 0;
  std::string dns_name;
};

struct ServiceConnectService {
  std::string port_name;
  std::string discovery_name;
  std::vector<ServiceConnectAlias> client_aliases;
  model::SourceLocation location;  // of the services[] entry
  std::string field;               // "serviceConnectConfiguration.services[0]"
};

// Reads serviceConnectConfiguration from a create-service input. Returns false after reporting
// an error in it.
bool ReadServiceConnect(EcsDocument& doc, const nlohmann::json& root,
                        std::vector<ServiceConnectService>& out);

// Builds the Service of one entry for tasks built from `task`, selected by `selector`. Reports
// (into `diagnostics`) a portName that no container's portMappings[].name carries, naming
// `family`, and returns nullopt then.
std::optional<model::ServiceSpec> BuildServiceConnectService(
    const ServiceConnectService& entry, const model::TaskTemplate& task, const std::string& family,
    const std::map<std::string, std::string>& selector, model::Diagnostics& diagnostics);

}  // namespace capstan::renderers::ecs
