#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/container.h"
#include "renderers/kubernetes/fields.h"

namespace capstan::renderers::kubernetes {

// The pieces probes (livenessProbe, ...) and lifecycle hooks (postStart, preStop) share.
// Problems are reported to the Fields' findings, at the offending value with its path.

// A handler's `port`: a number in 1..65535, or the IANA name of one of `container`'s ports
// (Kubernetes resolves the name against the container it belongs to). Required: reports a missing
// port at the handler. Returns the port as written ("8080", "http"), "" when missing.
// REQUIRES: container.ports is already filled.
std::string PortReference(Fields& handler, const model::ContainerSpec& container);

// An `httpGet` action (core/v1 HTTPGetAction): port (see PortReference), path ("/" by default),
// host (empty = the task's address), scheme (HTTP or HTTPS), httpHeaders [{name, value}].
struct HttpGetAction {
  std::string port;
  std::string path = "/";
  std::string host;
  std::string scheme = "HTTP";
  std::vector<std::pair<std::string, std::string>> headers;
};
HttpGetAction ReadHttpGet(Fields& http, const model::ContainerSpec& container);

// An `exec` action: a non-empty `command` list, run without a shell.
std::vector<std::string> ReadExecCommand(Fields& exec);

}  // namespace capstan::renderers::kubernetes
