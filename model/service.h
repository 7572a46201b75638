#pragma once

#include <map>
#include <string>
#include <vector>

namespace capstan::model {

struct ServicePort {
  std::string name;
  int port = 0;             // the stable port clients connect to
  std::string target_port;  // a number or the name of a container port; empty = same as port
  std::string protocol = "TCP";
  int node_port = 0;  // NodePort / LoadBalancer: the port on the node's address; 0 = assigned
  friend bool operator==(const ServicePort&, const ServicePort&) = default;
};

// A stable address in front of the Ready tasks a selector picks (Kubernetes Service; ECS
// loadBalancers[] become one of these targeting the service's own tasks).
struct ServiceSpec {
  std::map<std::string, std::string> selector;
  std::vector<ServicePort> ports;
  std::string type = "ClusterIP";  // ClusterIP, NodePort, LoadBalancer: all served on the node
  bool headless = false;           // clusterIP: None
  // A clusterIP written in the manifest; empty = assigned by the orchestrator from its range.
  std::string cluster_ip;
  // More names the Service answers to besides its own (ECS Service Connect clientAliases[].dnsName
  // and discoveryName). Short names, resolved like the Service's name.
  std::vector<std::string> aliases;
  friend bool operator==(const ServiceSpec&, const ServiceSpec&) = default;
};

}  // namespace capstan::model
