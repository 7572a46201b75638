#include "orchestrator/orchestrator.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/desired_state.h"
#include "model/revision.h"
#include "orchestrator/task_environment.h"

namespace capstan::orchestrator {

struct Orchestrator::App {
  AppSpec spec;
  bool removing = false;
  std::map<std::string, std::unique_ptr<DeploymentController>> workloads;
  std::map<std::string, std::unique_ptr<JobController>> jobs;
  // Service name -> its ports as served now.
  std::map<std::string, std::vector<ServicePortStatus>> services;
};

namespace {

std::string PortKey(const std::string& app, const std::string& service,
                    const model::ServicePort& p) {
  return fmt::format("{}/{}/{}", app, service, p.name.empty() ? std::to_string(p.port) : p.name);
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
      runner_(clock, scheduler, std::move(drivers), checker, events, options_.runner) {
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
  for (auto& [name, app] : apps_) {
    for (auto& [svc, ports] : app->services) {
      for (const auto& p : ports)
        proxy_->RemoveListener(fmt::format("{}/{}/{}", name, svc, p.name));
    }
  }
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

void Orchestrator::SyncServices(App& app) {
  const std::string name = app.spec.app;
  // Drop services (or ports) no longer declared.
  for (auto it = app.services.begin(); it != app.services.end();) {
    auto decl = app.spec.services.find(it->first);
    std::vector<ServicePortStatus> kept;
    for (auto& p : it->second) {
      bool still = false;
      if (decl != app.spec.services.end()) {
        for (const auto& sp : decl->second.ports) {
          if ((sp.name.empty() ? std::to_string(sp.port) : sp.name) == p.name &&
              sp.port == p.port) {
            still = true;
          }
        }
      }
      if (still) {
        kept.push_back(p);
      } else if (proxy_) {
        proxy_->RemoveListener(fmt::format("{}/{}/{}", name, it->first, p.name));
      }
    }
    if (kept.empty()) {
      it = app.services.erase(it);
    } else {
      it->second = std::move(kept);
      ++it;
    }
  }
  for (const auto& [svc, spec] : app.spec.services) {
    auto& ports = app.services[svc];
    for (const auto& sp : spec.ports) {
      const std::string pname = sp.name.empty() ? std::to_string(sp.port) : sp.name;
      auto have = std::find_if(ports.begin(), ports.end(),
                               [&](const ServicePortStatus& p) { return p.name == pname; });
      if (have != ports.end() && have->bound_port != 0) continue;
      ServicePortStatus st;
      st.name = pname;
      st.port = sp.port;
      if (proxy_ && !spec.headless) {
        model::Result<int> bound = proxy_->AddListener(
            PortKey(name, svc, sp), options_.ephemeral_service_ports ? 0 : sp.port,
            options_.service_listen.empty() ? options_.service_host : options_.service_listen);
        if (bound.ok()) {
          st.bound_port = *bound;
        } else {
          st.error = bound.status().message();
          events_.Record(name + "/Service/" + svc, EventType::kWarning, "ListenFailed", st.error);
        }
      }
      if (have != ports.end()) {
        *have = st;
      } else {
        ports.push_back(st);
      }
    }
  }
}

void Orchestrator::UpdateEndpoints(App& app) {
  const std::string& name = app.spec.app;
  for (auto& [svc, ports] : app.services) {
    auto decl = app.spec.services.find(svc);
    if (decl == app.spec.services.end()) continue;
    for (const auto& sp : decl->second.ports) {
      const std::string pname = sp.name.empty() ? std::to_string(sp.port) : sp.name;
      auto st = std::find_if(ports.begin(), ports.end(),
                             [&](const ServicePortStatus& p) { return p.name == pname; });
      if (st == ports.end()) continue;
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
      if (endpoints != st->endpoints) {
        st->endpoints = endpoints;
        if (proxy_) proxy_->SetEndpoints(PortKey(name, svc, sp), endpoints);
      }
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
  if (it != apps_.end()) {
    const App& app = *it->second;
    in.config_maps = &app.spec.config_maps;
    in.secrets = &app.spec.secrets;
    // Only the Services that exist now, as Kubernetes: later ones need a restart to show up.
    for (const auto& [svc, ports] : app.services) {
      ServiceEnv env;
      env.name = svc;
      env.host = t.tmpl && t.tmpl->driver == model::DriverKind::kContainer
                     ? options_.container_service_host
                     : options_.service_host;
      for (const auto& p : ports) {
        env.ports.emplace_back(p.name, p.bound_port != 0 ? p.bound_port : p.port);
      }
      in.services.push_back(std::move(env));
    }
  }
  return BuildLaunchSpec(t.id, t.app, t.owner, t.revision, *t.tmpl, in);
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
  for (const auto& [svc, ports] : it->second->services) s.services[svc].ports = ports;
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
  return s;
}

model::Status Orchestrator::Import(const OrchestratorState& state) {
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
