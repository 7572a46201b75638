#include "orchestrator/orchestrator.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <functional>

#include "model/desired_state.h"
#include "model/revision.h"
#include "orchestrator/listen_socket.h"
#include "orchestrator/task_environment.h"
#include "orchestrator/task_files.h"

namespace capstan::orchestrator {

struct Orchestrator::ServiceState {
  std::string cluster_ip;  // empty: headless, or no address could be had
  std::vector<ServicePortStatus> ports;
};

struct Orchestrator::App {
  AppSpec spec;
  bool removing = false;
  std::map<std::string, std::unique_ptr<DeploymentController>> workloads;
  std::map<std::string, std::unique_ptr<JobController>> jobs;
  std::map<std::string, ServiceState> services;  // as served now
};

// The Service listeners made for one container pod, inside its network namespace.
struct Orchestrator::PodNet {
  std::string netns;
  std::string holder;  // the first container's id: a restarted pod has a new namespace
  std::set<std::string> keys;
  std::map<std::string, int> listen_ports;  // key -> the port its listener got
  std::vector<std::string> redirects;       // the netfilter rules installed, as written
  std::uint64_t generation = 0;             // services_generation_ these keys were made for
};

namespace {

constexpr int kNodePortMin = 30000;  // Kubernetes' default --service-node-port-range
constexpr int kNodePortMax = 32767;

std::string PortName(const model::ServicePort& p) {
  return p.name.empty() ? std::to_string(p.port) : p.name;
}

std::string PortKey(const std::string& app, const std::string& service,
                    const std::string& port_name) {
  return fmt::format("{}/{}/{}", app, service, port_name);
}

std::string NodeKey(const std::string& port_key) { return port_key + "@node"; }

std::string PodKey(const std::string& task_id, const std::string& port_key) {
  return fmt::format("pod/{}/{}", task_id, port_key);
}

bool OnNode(const model::ServiceSpec& spec) {
  return spec.type == "NodePort" || spec.type == "LoadBalancer";
}

bool Selects(const std::map<std::string, std::string>& selector,
             const std::map<std::string, std::string>& labels) {
  if (selector.empty()) return false;
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

Ipv4Range ServiceRange(const std::string& cidr) {
  auto range = ParseIpv4Range(cidr);
  // The daemon validates the flag; a bad value here is a programming error, not input.
  return range.ok() ? *range : *ParseIpv4Range("127.96.0.0/16");
}

}  // namespace

void AssignRevisions(AppSpec& spec) {
  model::Application app;
  app.name = spec.app;
  for (const auto& [name, cm] : spec.config_maps) {
    model::ResourceId id{spec.app, model::ResourceKind::kConfigMap, name};
    app.resources[id] = model::Resource{id, model::Dialect::kKubernetes, "ConfigMap", {}, {}, cm};
  }
  for (const auto& [name, s] : spec.secrets) {
    model::ResourceId id{spec.app, model::ResourceKind::kSecret, name};
    app.resources[id] = model::Resource{id, model::Dialect::kKubernetes, "Secret", {}, {}, s};
  }
  for (auto& [name, w] : spec.workloads) {
    if (w.revision.empty()) w.revision = model::ComputeRevision(w.task, app);
  }
  for (auto& [name, j] : spec.jobs) {
    if (j.revision.empty()) j.revision = model::ComputeRevision(j.task, app);
  }
}

Orchestrator::Orchestrator(model::Clock& clock, Scheduler& scheduler,
                           std::map<model::DriverKind, Driver*> drivers, HealthChecker& checker,
                           EventLog& events, ServiceProxy* proxy, OrchestratorOptions options)
    : clock_(clock),
      scheduler_(scheduler),
      events_(events),
      proxy_(proxy),
      options_(std::move(options)),
      drivers_(drivers),
      runner_(clock, scheduler, std::move(drivers), checker, events, options_.runner),
      cluster_ips_(ServiceRange(options_.service_cidr)) {
  runner_.SetLaunchBuilder([this](const Task& t) { return BuildLaunch(t); });
  // A task that is a Service endpoint leaves the proxy's endpoints (end of this Step) before it
  // gets SIGTERM (next Step), so the proxy never hands a new connection to a dying process.
  runner_.SetStopDeferral([this](const Task& t) { return proxy_ != nullptr && IsEndpoint(t); });
}

bool Orchestrator::IsEndpoint(const Task& t) const {
  auto it = apps_.find(t.app);
  if (it == apps_.end() || !t.tmpl) return false;
  for (const auto& [svc, spec] : it->second->spec.services) {
    if (!spec.headless && Selects(spec.selector, t.tmpl->labels)) return true;
  }
  return false;
}

Orchestrator::~Orchestrator() {
  if (!proxy_) return;
  for (auto& [task, pod] : pods_) DropPod(*pod);
  for (auto& [name, app] : apps_) {
    for (auto& [svc, state] : app->services) {
      for (const auto& p : state.ports) DropPort(name, svc, p);
    }
  }
}

Driver* Orchestrator::DriverOf(const Task& t) const {
  if (!t.tmpl) return nullptr;
  auto it = drivers_.find(t.tmpl->driver);
  return it == drivers_.end() ? nullptr : it->second;
}

Orchestrator::App& Orchestrator::GetApp(const std::string& name) {
  auto& slot = apps_[name];
  if (!slot) slot = std::make_unique<App>();
  return *slot;
}

void Orchestrator::SetDesired(AppSpec spec) {
  AssignRevisions(spec);
  App& app = GetApp(spec.app);
  app.removing = false;
  for (const auto& [name, w] : spec.workloads) {
    auto& c = app.workloads[name];
    if (!c) {
      c = std::make_unique<DeploymentController>(spec.app, name, runner_, events_, clock_,
                                                 options_.deployment);
    }
    c->SetSpec(w);
  }
  for (auto& [name, c] : app.workloads) {
    if (!spec.workloads.count(name)) c->Delete();
  }
  for (const auto& [name, j] : spec.jobs) {
    auto& c = app.jobs[name];
    if (!c) c = std::make_unique<JobController>(spec.app, name, runner_, events_, clock_);
    c->SetSpec(j);
  }
  for (auto& [name, c] : app.jobs) {
    if (!spec.jobs.count(name)) c->Delete();
  }
  app.spec = std::move(spec);
  SyncServices(app);
}

void Orchestrator::RemoveApp(const std::string& name) {
  auto it = apps_.find(name);
  if (it == apps_.end()) return;
  App& app = *it->second;
  app.removing = true;
  for (auto& [n, c] : app.workloads) c->Delete();
  for (auto& [n, c] : app.jobs) c->Delete();
  app.spec.services.clear();
  SyncServices(app);
  events_.Record(name, EventType::kNormal, "Pruning", "application removed; stopping its tasks");
}

void Orchestrator::DropPort(const std::string& app, const std::string& svc,
                            const ServicePortStatus& port) {
  if (!proxy_) return;
  const std::string key = PortKey(app, svc, port.name);
  proxy_->RemoveListener(key);
  proxy_->RemoveListener(NodeKey(key));
  if (port.node_port != 0) node_ports_.erase(port.node_port);
}

void Orchestrator::SyncServices(App& app) {
  const std::string name = app.spec.app;
  // Drop Services, and ports of Services, that are gone or changed; ServeService re-adds them.
  for (auto it = app.services.begin(); it != app.services.end();) {
    auto decl = app.spec.services.find(it->first);
    const bool gone = decl == app.spec.services.end();
    std::erase_if(it->second.ports, [&](const ServicePortStatus& p) {
      bool keep = false;
      if (!gone && !decl->second.headless) {
        for (const auto& sp : decl->second.ports) {
          keep = keep || (PortName(sp) == p.name && sp.port == p.port &&
                          OnNode(decl->second) == (p.node_port != 0 || !p.error.empty()));
        }
      }
      if (!keep) {
        DropPort(name, it->first, p);
        ++services_generation_;
      }
      return !keep;
    });
    if (gone || decl->second.headless) {
      cluster_ips_.Release(name + "/" + it->first);
      ++services_generation_;
      it = app.services.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [svc, spec] : app.spec.services) ServeService(app, svc, spec);
}

void Orchestrator::ServeService(App& app, const std::string& svc, const model::ServiceSpec& spec) {
  const std::string& name = app.spec.app;
  const std::string object = name + "/Service/" + svc;
  ServiceState& state = app.services[svc];
  if (spec.headless) {
    // No address and no proxy: Kubernetes resolves a headless Service to its endpoints.
    state.ports.clear();
    for (const auto& sp : spec.ports) state.ports.push_back({PortName(sp), sp.port});
    return;
  }
  auto assigned = cluster_ips_.Allocate(name + "/" + svc, spec.cluster_ip);
  if (!assigned.ok()) {
    state.ports.clear();
    for (const auto& sp : spec.ports) {
      state.ports.push_back({PortName(sp), sp.port, "", 0, 0, {}, assigned.status().message()});
    }
    events_.Record(object, EventType::kWarning, "ClusterIPNotAllocated",
                   assigned.status().message());
    return;
  }
  if (assigned->address != state.cluster_ip) {
    for (const auto& p : state.ports) DropPort(name, svc, p);
    state.ports.clear();
    state.cluster_ip = assigned->address;
    ++services_generation_;
    if (!assigned->note.empty()) {
      events_.Record(object, EventType::kWarning, "ClusterIPNotAvailable", assigned->note);
    }
  }
  for (const auto& sp : spec.ports) {
    const std::string pname = PortName(sp);
    auto have = std::find_if(state.ports.begin(), state.ports.end(),
                             [&](const ServicePortStatus& p) { return p.name == pname; });
    if (have != state.ports.end() && (have->bound_port != 0 || !proxy_)) continue;
    ServicePortStatus st;
    st.name = pname;
    st.port = sp.port;
    st.address = state.cluster_ip;
    if (proxy_) {
      const std::string key = PortKey(name, svc, pname);
      model::Result<int> bound =
          proxy_->AddListener(key, options_.ephemeral_service_ports ? 0 : sp.port, st.address);
      if (bound.ok() && OnNode(spec)) {
        model::Result<int> node = ListenOnNode(key, spec, sp);
        if (node.ok()) {
          st.node_port = *node;
        } else {
          proxy_->RemoveListener(key);
          bound = node.status();
        }
      }
      if (bound.ok()) {
        st.bound_port = *bound;
      } else {
        st.error = bound.status().message();
        events_.Record(object, EventType::kWarning, "ListenFailed", st.error);
      }
    }
    ++services_generation_;
    if (have != state.ports.end()) {
      *have = st;
    } else {
      state.ports.push_back(st);
    }
  }
}

// NodePort: the declared nodePort, else one from 30000-32767 picked by the port's key (stable
// for a given set of Services). LoadBalancer: the Service's own port on the node address, as
// k3s' ServiceLB and Docker Desktop expose one on a single machine.
model::Result<int> Orchestrator::ListenOnNode(const std::string& key,
                                              const model::ServiceSpec& spec,
                                              const model::ServicePort& port) {
  const std::string host =
      options_.service_listen.empty() ? options_.service_host : options_.service_listen;
  int wanted = spec.type == "LoadBalancer" ? port.port : port.node_port;
  if (options_.ephemeral_service_ports) wanted = 0;
  if (wanted == 0 && spec.type == "NodePort" && !options_.ephemeral_service_ports) {
    const int span = kNodePortMax - kNodePortMin + 1;
    const int first = static_cast<int>(std::hash<std::string>{}(key) % span);
    for (int i = 0; i < span && wanted == 0; ++i) {
      const int candidate = kNodePortMin + (first + i) % span;
      if (!node_ports_.count(candidate)) wanted = candidate;
    }
  }
  model::Result<int> bound = proxy_->AddListener(NodeKey(key), wanted, host);
  if (bound.ok()) node_ports_.insert(*bound);
  return bound;
}

void Orchestrator::UpdateEndpoints(App& app) {
  const std::string& name = app.spec.app;
  for (auto& [svc, state] : app.services) {
    auto decl = app.spec.services.find(svc);
    if (decl == app.spec.services.end() || decl->second.headless) continue;
    for (const auto& sp : decl->second.ports) {
      const std::string pname = PortName(sp);
      auto st = std::find_if(state.ports.begin(), state.ports.end(),
                             [&](const ServicePortStatus& p) { return p.name == pname; });
      if (st == state.ports.end()) continue;
      const std::string target = sp.target_port.empty() ? std::to_string(sp.port) : sp.target_port;
      std::vector<Endpoint> endpoints;
      for (const auto& [id, t] : runner_.tasks()) {
        if (t.app != name || t.phase != TaskPhase::kReady) continue;
        if (!Selects(decl->second.selector, t.tmpl->labels)) continue;
        int port = 0;
        for (const auto& c : t.launch.containers) {
          for (const auto& b : c.ports) {
            if (port == 0 && ((!b.name.empty() && b.name == target) ||
                              std::to_string(b.container_port) == target)) {
              port = b.host_port;
            }
          }
        }
        if (port == 0) port = std::atoi(target.c_str());  // not declared: the number as is
        if (port <= 0) continue;
        endpoints.push_back(Endpoint{options_.service_host, port});
      }
      if (endpoints == st->endpoints) continue;
      st->endpoints = endpoints;
      if (!proxy_) continue;
      const std::string key = PortKey(name, svc, pname);
      proxy_->SetEndpoints(key, endpoints);
      if (st->node_port != 0) proxy_->SetEndpoints(NodeKey(key), endpoints);
      for (auto& [task, pod] : pods_) {
        if (pod->keys.count(PodKey(task, key))) proxy_->SetEndpoints(PodKey(task, key), endpoints);
      }
    }
  }
}

void Orchestrator::SyncPodListeners() {
  if (!proxy_) return;
  std::set<std::string> live;
  for (const auto& [id, t] : runner_.tasks()) {
    if (!t.active() || !t.handle || t.handle->containers.empty()) continue;
    Driver* driver = DriverOf(t);
    if (driver == nullptr) continue;
    const std::string& holder = t.handle->containers.front().container_id;
    auto it = pods_.find(id);
    if (it != pods_.end() && it->second->holder != holder) {
      DropPod(*it->second);  // restarted: a new namespace
      pods_.erase(it);
      it = pods_.end();
    }
    if (it == pods_.end()) {
      // Processes (the node's own namespace) and pods not running yet answer "": no entry.
      std::string netns = driver->NetworkNamespace(*t.handle);
      if (netns.empty()) continue;
      auto pod = std::make_unique<PodNet>();
      pod->netns = std::move(netns);
      pod->holder = holder;
      it = pods_.emplace(id, std::move(pod)).first;
    }
    live.insert(id);
    if (it->second->generation != services_generation_) ServeInPod(id, *it->second);
  }
  for (auto it = pods_.begin(); it != pods_.end();) {
    if (live.count(it->first)) {
      ++it;
      continue;
    }
    if (it->second) DropPod(*it->second);
    it = pods_.erase(it);
  }
}

void Orchestrator::ServeInPod(const std::string& task_id, PodNet& pod) {
  // A listener on <cluster IP>:<port> inside the pod would take that port from the pod's own
  // containers (a server binding 0.0.0.0:<port> fails). For those Services the listener takes a
  // free port and a netfilter DNAT rule in the pod's namespace sends <cluster IP>:<port> there,
  // as kube-proxy sends cluster IPs to endpoints.
  std::set<int> own_ports;
  const Task* task = runner_.Find(task_id);
  if (task != nullptr) {
    for (const auto& c : task->launch.containers) {
      for (const auto& b : c.ports) own_ports.insert(b.container_port);
    }
  }
  std::set<std::string> wanted;
  std::vector<std::string> redirects;
  std::string failure;
  for (const auto& [name, app] : apps_) {
    for (const auto& [svc, state] : app->services) {
      if (state.cluster_ip.empty()) continue;
      for (const auto& p : state.ports) {
        const std::string key = PodKey(task_id, PortKey(name, svc, p.name));
        const bool taken = own_ports.count(p.port) > 0;
        wanted.insert(key);
        if (!pod.keys.count(key)) {
          auto bound = proxy_->AddListener(key, taken ? 0 : p.port, state.cluster_ip, pod.netns);
          if (!bound.ok()) {
            if (failure.empty()) failure = bound.status().message();
            continue;
          }
          pod.keys.insert(key);
          pod.listen_ports[key] = *bound;
          proxy_->SetEndpoints(key, p.endpoints);
        }
        if (taken) {
          redirects.push_back(fmt::format(
              "-A OUTPUT -d {0}/32 -p tcp -m tcp --dport {1} -j DNAT --to-destination {0}:{2}",
              state.cluster_ip, p.port, pod.listen_ports[key]));
        }
      }
    }
  }
  for (auto it = pod.keys.begin(); it != pod.keys.end();) {
    if (wanted.count(*it)) {
      ++it;
      continue;
    }
    proxy_->RemoveListener(*it);
    pod.listen_ports.erase(*it);
    it = pod.keys.erase(it);
  }
  if (redirects != pod.redirects) {
    if (auto s = InstallRedirects(task, pod, redirects); s.ok()) {
      pod.redirects = std::move(redirects);
    } else if (failure.empty()) {
      failure = s.message();
    }
  }
  if (!failure.empty()) {
    const Task* t = task;
    events_.Record(t ? t->app + "/Task/" + task_id : task_id, EventType::kWarning,
                   "ServiceUnreachable",
                   "the task's containers cannot reach Services by cluster IP: " + failure);
  }
  pod.generation = services_generation_;
}

// Replaces the pod namespace's nat table (its own: the engine's rules live in the node's) with
// the redirects, through iptables-restore run inside the namespace.
model::Status Orchestrator::InstallRedirects(const Task* task, const PodNet& pod,
                                             const std::vector<std::string>& redirects) {
  if (task == nullptr || task->launch.task_dir.empty()) {
    return model::Status::Error(model::ErrorCode::kFailedPrecondition, "no task folder");
  }
  std::string rules =
      "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
      ":POSTROUTING ACCEPT [0:0]\n";
  for (const auto& line : redirects) rules += line + "\n";
  rules += "COMMIT\n";
  const std::string path = task->launch.task_dir + "/netfilter.rules";
  if (auto s = WriteVolumeFile(path, rules, 0600); !s.ok()) return s;
  auto s = RunInNetworkNamespace(pod.netns, {"iptables-restore", path});
  if (!s.ok()) {
    return model::Status::Error(
        s.code(), fmt::format("Services on a port the pod's own containers use need netfilter "
                              "redirects in the pod (iptables-restore): {}",
                              s.message()));
  }
  return model::Status::Ok();
}

void Orchestrator::DropPod(PodNet& pod) {
  for (const auto& key : pod.keys) proxy_->RemoveListener(key);
  pod.keys.clear();
  pod.listen_ports.clear();
}

std::vector<NamedService> Orchestrator::NamedServices() const {
  std::vector<NamedService> out;
  for (const auto& [name, app] : apps_) {
    for (const auto& [svc, state] : app->services) {
      if (state.cluster_ip.empty()) continue;
      NamedService n{name, svc, state.cluster_ip, {}};
      if (auto spec = app->spec.services.find(svc); spec != app->spec.services.end()) {
        n.aliases = spec->second.aliases;
      }
      out.push_back(std::move(n));
    }
  }
  return out;
}

std::string Orchestrator::HostsFileFor(const Task& t) const {
  if (!t.tmpl || t.tmpl->dns_policy != model::DnsPolicy::kClusterFirst) return "";
  // A process shares the node's names; a container has its own localhost and hostname.
  const std::string base =
      t.tmpl->driver == model::DriverKind::kProcess && !options_.node_hosts.empty()
          ? options_.node_hosts
          : LocalhostLines(t.id);
  return HostsFile(base, NamedServices(), t.app);
}

void Orchestrator::RefreshHostsFiles() {
  if (hosts_generation_ == services_generation_) return;
  hosts_generation_ = services_generation_;
  for (const auto& [id, t] : runner_.tasks()) {
    if (!t.active() || t.launch.task_dir.empty() || t.launch.hosts_file.empty()) continue;
    // Only where the driver wrote one (the process driver does as root only).
    if (::access((t.launch.task_dir + "/hosts").c_str(), F_OK) != 0) continue;
    if (auto s = WriteHostsFile(t.launch.task_dir, HostsFileFor(t)); !s.ok()) {
      events_.Record(t.app + "/Task/" + id, EventType::kWarning, "HostsFileNotUpdated",
                     s.message());
    }
  }
}

model::Result<LaunchSpec> Orchestrator::BuildLaunch(const Task& t) const {
  auto it = apps_.find(t.app);
  EnvironmentInputs in;
  in.host_ports = t.host_ports;
  // The downward API's node facts. Pod address: a process listens on the node's address; a
  // container's ports are published there too, and probes reach both there.
  if (const NodeInfo* node = scheduler_.Node(t.node_id)) {
    in.node_name = node->name;
    in.node_address = node->address;
    in.node_cpu_millis = node->cpu_millis;
    in.node_memory_bytes = node->memory_bytes;
  }
  const bool in_pod = t.tmpl && t.tmpl->driver == model::DriverKind::kContainer;
  if (it != apps_.end()) {
    const App& app = *it->second;
    in.config_maps = &app.spec.config_maps;
    in.secrets = &app.spec.secrets;
    // Only the Services that exist now, as Kubernetes: later ones need a restart to show up.
    for (const auto& [svc, state] : app.services) {
      if (state.cluster_ip.empty()) continue;  // headless: no variables, as Kubernetes
      ServiceEnv env;
      env.name = svc;
      env.host = state.cluster_ip;
      for (const auto& p : state.ports) {
        // Inside a pod the proxy listens on the declared port; on the node it may be ephemeral.
        env.ports.emplace_back(p.name, in_pod || p.bound_port == 0 ? p.port : p.bound_port);
      }
      in.services.push_back(std::move(env));
    }
  }
  auto launch = BuildLaunchSpec(t.id, t.app, t.owner, t.revision, *t.tmpl, in);
  if (launch.ok()) launch->hosts_file = HostsFileFor(t);
  return launch;
}

void Orchestrator::Step() {
  runner_.Observe();
  for (auto& [name, app] : apps_) {
    for (auto& [n, c] : app->workloads) c->Step();
    for (auto& [n, c] : app->jobs) c->Step();
    // Forget controllers whose deletion finished.
    std::erase_if(app->workloads, [&](auto& e) {
      return !app->spec.workloads.count(e.first) || app->removing ? e.second->Gone() : false;
    });
    std::erase_if(app->jobs, [&](auto& e) {
      return !app->spec.jobs.count(e.first) || app->removing ? e.second->Gone() : false;
    });
  }
  runner_.Act();
  for (auto& [name, app] : apps_) UpdateEndpoints(*app);
  SyncPodListeners();
  RefreshHostsFiles();
  std::erase_if(apps_, [](auto& e) {
    return e.second->removing && e.second->workloads.empty() && e.second->jobs.empty();
  });
}

AppStatus Orchestrator::Status(const std::string& name) const {
  AppStatus s;
  s.app = name;
  auto it = apps_.find(name);
  if (it == apps_.end()) return s;
  for (const auto& [n, c] : it->second->workloads) s.workloads[n] = c->Status();
  for (const auto& [n, c] : it->second->jobs) s.jobs[n] = c->Status();
  for (const auto& [svc, state] : it->second->services) {
    s.services[svc] = ServiceStatus{state.cluster_ip, state.ports};
  }
  return s;
}

std::vector<std::string> Orchestrator::Apps() const {
  std::vector<std::string> out;
  for (const auto& [name, app] : apps_) out.push_back(name);
  return out;
}

model::Status Orchestrator::Rollback(const std::string& app, const std::string& workload,
                                     const std::string& revision) {
  auto it = apps_.find(app);
  if (it == apps_.end()) {
    return model::Status::Error(model::ErrorCode::kNotFound, "no application " + app);
  }
  auto w = it->second->workloads.find(workload);
  if (w == it->second->workloads.end()) {
    return model::Status::Error(model::ErrorCode::kNotFound,
                                fmt::format("no workload {} in {}", workload, app));
  }
  return w->second->Rollback(revision);
}

void Orchestrator::SetJournal(Journal journal) { runner_.SetJournal(std::move(journal)); }

OrchestratorState Orchestrator::Export() const {
  OrchestratorState s;
  s.tasks = runner_.Export();
  for (const auto& [name, app] : apps_) {
    for (const auto& [n, c] : app->workloads) s.workloads.push_back(c->Export());
  }
  for (const auto& [key, address] : cluster_ips_.assigned()) {
    s.cluster_ips[key] = FormatIpv4(address);
  }
  return s;
}

model::Status Orchestrator::Import(const OrchestratorState& state) {
  for (const auto& [key, address] : state.cluster_ips) cluster_ips_.Restore(key, address);
  for (const auto& w : state.workloads) {
    App& app = GetApp(w.app);
    app.spec.app = w.app;
    auto& c = app.workloads[w.name];
    if (!c) {
      c = std::make_unique<DeploymentController>(w.app, w.name, runner_, events_, clock_,
                                                 options_.deployment);
    }
    c->Import(w);
  }
  std::vector<std::string> failed;
  for (const auto& t : state.tasks) {
    GetApp(t.app).spec.app = t.app;
    if (!runner_.Adopt(t)) failed.push_back(t.id);
  }
  if (!failed.empty()) {
    return model::Status::Error(
        model::ErrorCode::kFailedPrecondition,
        fmt::format("could not reserve the placement of {} re-adopted task(s), first {}",
                    failed.size(), failed.front()));
  }
  return model::Status::Ok();
}

void Orchestrator::ClearManualRollbacks(const std::string& app) {
  auto it = apps_.find(app);
  if (it == apps_.end()) return;
  for (auto& [name, controller] : it->second->workloads) controller->ClearManualRollback();
}

}  // namespace capstan::orchestrator
