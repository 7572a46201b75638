// v1 Service -> model::ServiceSpec.
#include <fmt/format.h>

#include <set>

#include "renderers/kubernetes/converters.h"
#include "renderers/kubernetes/names.h"

namespace capstan::renderers::kubernetes {

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
  if (auto ip = spec->String("clusterIP")) {
    if (*ip == "None") {
      svc.headless = true;
    } else if (!ip->empty()) {
      f.Unsupported(spec->Get("clusterIP"), spec->PathOf("clusterIP"),
                    fmt::format("a fixed clusterIP ({}) is not supported; Capstan assigns the "
                                "address",
                                *ip));
    }
  }
  svc.selector = spec->StringMap("selector").value_or(std::map<std::string, std::string>{});

  auto ports = spec->List("ports");
  if (ports) {
    std::set<std::string> names;
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
      p.ReportUnread();  // nodePort, appProtocol: reported
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
