#include "renderers/kubernetes/handler_fields.h"

#include <fmt/format.h>

#include "renderers/kubernetes/names.h"

namespace capstan::renderers::kubernetes {

std::string PortReference(Fields& handler, const model::ContainerSpec& container) {
  Findings& findings = handler.findings();
  if (!handler.Has("port")) {
    findings.Error(handler.node(), handler.PathOf("port"), "required field is missing");
    return "";
  }
  auto port = handler.IntOrStr("port");
  if (!port) return "";
  YAML::Node at = handler.Get("port");
  if (port->is_int) {
    if (port->int_value < 1 || port->int_value > 65535) {
      findings.Error(at, handler.PathOf("port"),
                     fmt::format("must be between 1 and 65535 (got {})", port->int_value));
    }
    return port->ToString();
  }
  if (std::string why = CheckIanaSvcName(port->str); !why.empty()) {
    findings.Error(at, handler.PathOf("port"), why);
    return port->str;
  }
  bool found = false;
  for (const auto& p : container.ports) found = found || p.name == port->str;
  if (!found) {
    findings.Error(
        at, handler.PathOf("port"),
        fmt::format("no port named \"{}\" in container \"{}\"", port->str, container.name));
  }
  return port->str;
}

HttpGetAction ReadHttpGet(Fields& http, const model::ContainerSpec& container) {
  Findings& findings = http.findings();
  HttpGetAction out;
  out.port = PortReference(http, container);
  out.path = http.String("path").value_or("/");
  out.host = http.String("host").value_or("");
  out.scheme = http.String("scheme").value_or("HTTP");
  if (out.scheme != "HTTP" && out.scheme != "HTTPS") {
    findings.Error(http.Get("scheme"), http.PathOf("scheme"),
                   fmt::format("must be HTTP or HTTPS (got \"{}\")", out.scheme));
  }
  if (auto headers = http.List("httpHeaders")) {
    for (std::size_t i = 0; i < headers->size(); ++i) {
      Fields h(findings, (*headers)[i], IndexPath(http.PathOf("httpHeaders"), i));
      if (!h.is_map()) continue;
      std::string name = RequiredString(h, "name");
      out.headers.emplace_back(name, h.String("value").value_or(""));
      h.ReportUnread();
    }
  }
  http.ReportUnread();
  return out;
}

std::vector<std::string> ReadExecCommand(Fields& exec) {
  auto command = exec.StringList("command").value_or(std::vector<std::string>{});
  if (command.empty()) {
    exec.findings().Error(exec.node(), exec.PathOf("command"), "must not be empty");
  }
  exec.ReportUnread();
  return command;
}

}  // namespace capstan::renderers::kubernetes
