// v1 Service -> model::ServiceSpec.
#include <fmt/format.h>

#include <optional>
#include <set>

#include "renderers/kubernetes/converters.h"
#include "renderers/kubernetes/names.h"

namespace capstan::renderers::kubernetes {

namespace {

// clusterIP / clusterIPs: "None" is a headless Service, ""/absent lets Capstan assign the
// address, an IPv4 address is kept (ServiceSpec::cluster_ip) for the orchestrator to honour when
// it lies in its range. IPv6 (and the second address of a dual-stack pair) is not supported.
void ConvertClusterIp(Fields& spec, model::ServiceSpec& svc) {
  Findings& f = spec.findings();
  auto ip = spec.String("clusterIP");
  std::optional<std::string> first;
  YAML::Node first_at;
  std::string first_field;
  if (auto ips = spec.List("clusterIPs")) {
    for (std::size_t i = 0; i < ips->size(); ++i) {
      std::string field = IndexPath(spec.PathOf("clusterIPs"), i);
      auto value = ReadString(f, (*ips)[i], field);
      if (!value) continue;
      if (i == 0) {
        first = value;
        first_at = (*ips)[i];
        first_field = field;
      } else {
        f.Unsupported(
            (*ips)[i], field,
            fmt::format("a second (dual-stack) cluster IP ({}) is not supported", *value));
      }
    }
  }
  YAML::Node at = spec.Get("clusterIP");
  std::string field = spec.PathOf("clusterIP");
  if (ip && first && *first != *ip) {
    // ValidateService: "must match `clusterIP` when specified".
    f.Error(first_at, first_field,
            fmt::format("must be the same as clusterIP (\"{}\"), got \"{}\"", *ip, *first));
    return;
  }
  if (!ip && first) {
    ip = first;
    at = first_at;
    field = first_field;
  }
  if (!ip || ip->empty()) return;
  if (*ip == "None") {
    svc.headless = true;
    if (svc.type == "NodePort" || svc.type == "LoadBalancer") {
      f.Error(at, field, fmt::format("may not be None for {} Services", svc.type));
    }
    return;
  }
  if (ip->find(':') != std::string::npos) {
    f.Unsupported(at, field,
                  fmt::format("IPv6 cluster IP {} is not supported; Capstan assigns an IPv4 "
                              "address",
                              *ip));
    return;
  }
  if (std::string why = CheckIpv4(*ip); !why.empty()) {
    f.Error(at, field, why);
    return;
  }
  svc.cluster_ip = *ip;
}

// ports[].nodePort: in Kubernetes' default --service-node-port-range 30000-32767, only for
// NodePort and LoadBalancer Services, and unique within the Service (ValidateService).
void ConvertNodePort(Fields& p, const std::string& type, std::set<int>& seen,
                     model::ServicePort& port) {
  if (!p.Has("nodePort")) return;
  Findings& f = p.findings();
  auto node_port =
      IntInRange(p, "nodePort", 30000, 32767, "must be in the node port range 30000-32767");
  if (!node_port) return;
  if (type != "NodePort" && type != "LoadBalancer") {
    f.Error(p.Get("nodePort"), p.PathOf("nodePort"),
            fmt::format("may not be used when type is {}", type));
    return;
  }
  if (!seen.insert(*node_port).second) {
    f.Error(p.Get("nodePort"), p.PathOf("nodePort"),
            fmt::format("duplicate nodePort {}", *node_port));
    return;
  }
  port.node_port = *node_port;
}

}  // namespace

void ConvertService(Fields& doc, const DocumentInfo& /*info*/, Rendered& out) {
  Findings& f = doc.findings();
  model::ServiceSpec svc;
  auto spec = doc.Map("spec");
  if (!spec) {
    if (!doc.Has("spec")) f.Error(doc.node(), "spec", "required field is missing");
    out.resource.spec = std::move(svc);
    return;
  }
  if (auto type = spec->String("type")) {
    if (*type == "ClusterIP" || *type == "NodePort" || *type == "LoadBalancer") {
      svc.type = *type;
    } else if (*type == "ExternalName") {
      f.Unsupported(spec->Get("type"), spec->PathOf("type"),
                    "Services of type ExternalName are not supported; this Service is ignored");
      out.drop = true;
    } else {
      f.Error(spec->Get("type"), spec->PathOf("type"),
              fmt::format("must be ClusterIP, NodePort or LoadBalancer (got \"{}\")", *type));
    }
  }
  ConvertClusterIp(*spec, svc);
  svc.selector = spec->StringMap("selector").value_or(std::map<std::string, std::string>{});

  auto ports = spec->List("ports");
  if (ports) {
    std::set<std::string> names;
    std::set<int> node_ports;
    for (std::size_t i = 0; i < ports->size(); ++i) {
      Fields p(f, (*ports)[i], IndexPath(spec->PathOf("ports"), i));
      if (!p.is_map()) continue;
      model::ServicePort port;
      port.name = p.String("name").value_or("");
      if (!port.name.empty()) {
        if (std::string why = CheckDns1123Label(port.name); !why.empty()) {
          f.Error(p.Get("name"), p.PathOf("name"), why);
        } else if (!names.insert(port.name).second) {
          f.Error(p.Get("name"), p.PathOf("name"),
                  fmt::format("duplicate port name \"{}\"", port.name));
        }
      } else if (ports->size() > 1) {
        f.Error(p.node(), p.PathOf("name"), "required when a Service has more than one port");
      }
      if (!p.Has("port")) f.Error(p.node(), p.PathOf("port"), "required field is missing");
      port.port = IntInRange(p, "port", 1, 65535, "must be between 1 and 65535").value_or(0);
      if (auto target = p.IntOrStr("targetPort")) {
        YAML::Node at = p.Get("targetPort");
        if (target->is_int) {
          if (target->int_value < 1 || target->int_value > 65535) {
            f.Error(at, p.PathOf("targetPort"),
                    fmt::format("must be between 1 and 65535 (got {})", target->int_value));
          }
        } else if (std::string why = CheckIanaSvcName(target->str); !why.empty()) {
          f.Error(at, p.PathOf("targetPort"), why);
        } else {
          out.named_target_ports.push_back({target->str, f.Where(at), p.PathOf("targetPort")});
        }
        port.target_port = target->ToString();
      }
      if (auto protocol = p.String("protocol")) {
        if (*protocol == "TCP" || *protocol == "UDP" || *protocol == "SCTP") {
          port.protocol = *protocol;
        } else {
          f.Error(p.Get("protocol"), p.PathOf("protocol"),
                  fmt::format("must be TCP, UDP or SCTP (got \"{}\")", *protocol));
        }
      }
      ConvertNodePort(p, svc.type, node_ports, port);
      p.ReportUnread();  // appProtocol: reported
      svc.ports.push_back(std::move(port));
    }
  }
  if (svc.ports.empty() && !svc.headless && !out.drop && (!ports || ports->empty())) {
    f.Error(spec->node(), spec->PathOf("ports"), "at least one port is required");
  }
  spec->ReportUnread();
  out.resource.spec = std::move(svc);
}

}  // namespace capstan::renderers::kubernetes
