#pragma once

#include <string>
#include <vector>

namespace capstan::orchestrator {

// A Service as name resolution sees it.
struct NamedService {
  std::string app;      // the application: the Service's namespace
  std::string name;     // the Service's name
  std::string address;  // its cluster IP
  // More names (ECS Service Connect discoveryName / clientAliases[].dnsName), resolvable from
  // every application, as a Cloud Map namespace is shared by the services that use it.
  std::vector<std::string> aliases;
};

// The Service lines of a hosts file for a task of `app`, as Kubernetes' cluster DNS answers a
// pod in namespace `app` (its resolv.conf searches <app>.svc.cluster.local, svc.cluster.local,
// cluster.local): a Service of the same application by its short name `svc`; every Service as
// `svc.<app>`, `svc.<app>.svc` and `svc.<app>.svc.<domain>`; and the aliases. When two Services
// claim the same alias the first in (app, name) order keeps it, as a hosts file would. Pure.
std::string ServiceHostsLines(const std::vector<NamedService>& services, const std::string& app,
                              const std::string& domain = "cluster.local");

// A whole hosts file: `base` (the node's own /etc/hosts for processes, the localhost lines for
// containers) followed by the Service lines. Pure.
std::string HostsFile(const std::string& base, const std::vector<NamedService>& services,
                      const std::string& app, const std::string& domain = "cluster.local");

// The localhost lines every hosts file starts with when there is no node file to copy.
std::string LocalhostLines(const std::string& hostname);

}  // namespace capstan::orchestrator
