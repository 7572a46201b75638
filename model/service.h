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
  friend bool operator==(const ServicePort&, const ServicePort&) = default;
};

// A stable address in front of the Ready tasks a selector picks (Kubernetes Service; ECS
// loadBalancers[] become one of these targeting the service's own tasks).
struct ServiceSpec {
  std::map<std::string, std::string> selector;
  std::vector<ServicePort> ports;
  std::string type = "ClusterIP";  // ClusterIP, NodePort, LoadBalancer: all served on the node
  bool headless = false;            // clusterIP: None
  friend bool operator==(const ServiceSpec&, const ServiceSpec&) = default;
};

}  // namespace capstan::model
