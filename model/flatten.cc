#include "model/flatten.h"

#include <fmt/format.h>

namespace capstan::model {
namespace {

class Flattener {
 public:
  void Add(const std::string& path, const std::string& value, bool sensitive = false) {
    fields_.push_back({path, value, sensitive});
  }
  void Add(const std::string& path, std::int64_t value) { Add(path, std::to_string(value)); }
  void AddIf(const std::string& path, const std::string& value) {
    if (!value.empty()) Add(path, value);
  }
  void AddIf(const std::string& path, std::int64_t value) {
    if (value != 0) Add(path, value);
  }
  void AddBool(const std::string& path, bool value) { Add(path, value ? "true" : "false"); }
  void AddMap(const std::string& path, const std::map<std::string, std::string>& m,
              bool sensitive = false) {
    for (const auto& [k, v] : m) Add(fmt::format("{}[{}]", path, k), v, sensitive);
  }
  void AddList(const std::string& path, const std::vector<std::string>& list) {
    if (!list.empty()) Add(path, fmt::format("[{}]", fmt::join(Quoted(list), ", ")));
  }

  void Probe(const std::string& p, const std::optional<ProbeSpec>& probe) {
    if (!probe) return;
    static const char* kActions[] = {"httpGet", "tcpSocket", "exec", "grpc"};
    Add(p + ".action", kActions[static_cast<int>(probe->action)]);
    if (probe->action == ProbeAction::kExec) {
      AddList(p + ".command", probe->command);
    } else if (probe->action == ProbeAction::kGrpc) {
      Add(p + ".port", probe->port);
      AddIf(p + ".service", probe->grpc_service);
    } else {
      Add(p + ".port", probe->port);
      AddIf(p + ".host", probe->host);
    }
    if (probe->action == ProbeAction::kHttpGet) {
      Add(p + ".path", probe->path);
      Add(p + ".scheme", probe->scheme);
      for (const auto& [k, v] : probe->http_headers)
        Add(fmt::format("{}.httpHeaders[{}]", p, k), v);
    }
    Add(p + ".initialDelaySeconds", probe->initial_delay_seconds);
    Add(p + ".periodSeconds", probe->period_seconds);
    Add(p + ".timeoutSeconds", probe->timeout_seconds);
    Add(p + ".successThreshold", probe->success_threshold);
    Add(p + ".failureThreshold", probe->failure_threshold);
  }

  void Hook(const std::string& p, const std::optional<LifecycleHandler>& hook) {
    if (!hook) return;
    switch (hook->action) {
      case HookAction::kExec:
        AddList(p + ".exec.command", hook->command);
        break;
      case HookAction::kHttpGet:
        Add(p + ".httpGet",
            fmt::format("{}://{}:{}{}", hook->scheme, hook->host.empty() ? "<task>" : hook->host,
                        hook->port, hook->path));
        for (const auto& [k, v] : hook->http_headers) {
          Add(fmt::format("{}.httpGet.httpHeaders[{}]", p, k), v);
        }
        break;
      case HookAction::kSleep:
        Add(p + ".sleep.seconds", hook->sleep_seconds);
        break;
    }
  }

  void Security(const std::string& p, const SecurityContext& s) {
    auto add_int = [&](const char* field, const std::optional<std::int64_t>& v) {
      if (v) Add(p + field, *v);
    };
    auto add_bool = [&](const char* field, const std::optional<bool>& v) {
      if (v) AddBool(p + field, *v);
    };
    add_int(".runAsUser", s.run_as_user);
    add_int(".runAsGroup", s.run_as_group);
    add_bool(".runAsNonRoot", s.run_as_non_root);
    add_bool(".readOnlyRootFilesystem", s.read_only_root_filesystem);
    add_bool(".allowPrivilegeEscalation", s.allow_privilege_escalation);
    add_bool(".privileged", s.privileged);
    AddList(p + ".capabilities.add", s.capabilities_add);
    AddList(p + ".capabilities.drop", s.capabilities_drop);
  }

  void Container(const std::string& prefix, const ContainerSpec& c,
                 const char* list = "containers") {
    const std::string p = fmt::format("{}.{}[{}]", prefix, list, c.name);
    Add(p + ".image", c.image);
    AddList(p + ".command", c.command);
    AddList(p + ".args", c.args);
    AddIf(p + ".workingDir", c.working_dir);
    AddIf(p + ".user", c.user);
    for (const auto& e : c.env) {
      const std::string ep = fmt::format("{}.env[{}]", p, e.name);
      switch (e.source) {
        case EnvSource::kLiteral:
          Add(ep, e.value);
          break;
        case EnvSource::kConfigMapKey:
          Add(ep, fmt::format("configMapKeyRef({}/{})", e.ref_name, e.ref_key));
          break;
        case EnvSource::kSecretKey:
          Add(ep, fmt::format("secretKeyRef({}/{})", e.ref_name, e.ref_key));
          break;
        case EnvSource::kFieldRef:
          Add(ep, fmt::format("fieldRef({})", e.ref_key));
          break;
        case EnvSource::kResourceFieldRef:
          Add(ep,
              fmt::format("resourceFieldRef({}{}{})", e.ref_name.empty() ? "" : e.ref_name + "/",
                          e.ref_key, e.divisor.empty() ? "" : " divisor=" + e.divisor));
          break;
      }
    }
    for (const auto& e : c.env_from) {
      Add(fmt::format("{}.envFrom[{}]", p, e.name),
          fmt::format("{}{}", e.source == EnvSource::kSecretKey ? "secret" : "configMap",
                      e.prefix.empty() ? "" : " prefix=" + e.prefix));
    }
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
      const auto& port = c.ports[i];
      const std::string key = port.name.empty() ? std::to_string(port.container_port) : port.name;
      Add(fmt::format("{}.ports[{}]", p, key),
          fmt::format("{}/{}{}", port.container_port, port.protocol,
                      port.host_port ? fmt::format(" host {}", port.host_port) : ""));
    }
    const auto& r = c.resources;
    AddIf(p + ".resources.requests.cpu", r.cpu_request_millis);
    AddIf(p + ".resources.requests.memory", r.memory_request_bytes);
    AddIf(p + ".resources.limits.cpu", r.cpu_limit_millis);
    AddIf(p + ".resources.limits.memory", r.memory_limit_bytes);
    Probe(p + ".livenessProbe", c.liveness);
    Probe(p + ".readinessProbe", c.readiness);
    Probe(p + ".startupProbe", c.startup);
    for (const auto& m : c.volume_mounts) {
      Add(fmt::format("{}.volumeMounts[{}]", p, m.mount_path),
          fmt::format("{}{}{}", m.name, m.sub_path.empty() ? "" : " subPath=" + m.sub_path,
                      m.read_only ? " ro" : ""));
    }
    if (c.image_pull_policy != ImagePullPolicy::kDefault) {
      static const char* kPolicies[] = {"", "Always", "IfNotPresent", "Never"};
      Add(p + ".imagePullPolicy", kPolicies[static_cast<int>(c.image_pull_policy)]);
    }
    if (!c.essential) AddBool(p + ".essential", false);
    static const char* kConditions[] = {"START", "COMPLETE", "SUCCESS", "HEALTHY"};
    for (const auto& d : c.depends_on) {
      Add(fmt::format("{}.dependsOn[{}]", p, d.container),
          kConditions[static_cast<int>(d.condition)]);
    }
    AddIf(p + ".stopTimeout", c.stop_timeout_seconds);
    Hook(p + ".lifecycle.postStart", c.post_start);
    Hook(p + ".lifecycle.preStop", c.pre_stop);
    Security(p + ".securityContext", c.security);
    for (const auto& u : c.ulimits) {
      Add(fmt::format("{}.ulimits[{}]", p, u.name), fmt::format("{}/{}", u.soft, u.hard));
    }
    if (c.restart_always) Add(p + ".restartPolicy", "Always");
  }

  void Task(const std::string& p, const TaskTemplate& t) {
    Add(p + ".driver", t.driver == DriverKind::kProcess ? "process" : "container");
    AddMap(p + ".labels", t.labels);
    AddMap(p + ".annotations", t.annotations);
    for (const auto& c : t.init_containers) Container(p, c, "initContainers");
    for (const auto& c : t.containers) Container(p, c);
    if (t.dns_policy == DnsPolicy::kDefault) Add(p + ".dnsPolicy", "Default");
    static const char* kVolumeTypes[] = {"emptyDir", "configMap", "secret", "hostPath"};
    for (const auto& v : t.volumes) {
      std::string desc = kVolumeTypes[static_cast<int>(v.type)];
      if (!v.source.empty()) desc += "(" + v.source + ")";
      for (const auto& item : v.items) desc += fmt::format(" {}->{}", item.key, item.path);
      Add(fmt::format("{}.volumes[{}]", p, v.name), desc);
    }
    Add(p + ".terminationGracePeriodSeconds", t.termination_grace_period_seconds);
    static const char* kRestart[] = {"Always", "OnFailure", "Never"};
    Add(p + ".restartPolicy", kRestart[static_cast<int>(t.restart_policy)]);
    AddMap(p + ".nodeSelector", t.node_selector);
    static const char* kConstraint[] = {"distinctInstance", "memberOf"};
    for (std::size_t i = 0; i < t.placement_constraints.size(); ++i) {
      const auto& c = t.placement_constraints[i];
      Add(fmt::format("{}.placementConstraints[{}]", p, i),
          fmt::format("{} {}", kConstraint[static_cast<int>(c.type)], c.expression));
    }
    static const char* kStrategy[] = {"binpack", "spread", "random"};
    for (std::size_t i = 0; i < t.placement_strategy.size(); ++i) {
      const auto& s = t.placement_strategy[i];
      Add(fmt::format("{}.placementStrategy[{}]", p, i),
          fmt::format("{} {}", kStrategy[static_cast<int>(s.type)], s.field));
    }
    AddIf(p + ".cpu", t.cpu_millis);
    AddIf(p + ".memory", t.memory_bytes);
  }

  void operator()(const ConfigMapSpec& s) {
    AddMap("data", s.data);
    AddMap("binaryData", s.binary_data);
  }
  void operator()(const SecretSpec& s) {
    Add("type", s.type);
    AddMap("data", s.data, /*sensitive=*/true);
  }
  void operator()(const WorkloadSpec& s) {
    Add("spec.replicas", s.replicas);
    AddMap("spec.selector", s.selector);
    if (s.ecs) {
      Add("spec.deployment.minimumHealthyPercent", s.ecs->minimum_healthy_percent);
      Add("spec.deployment.maximumPercent", s.ecs->maximum_percent);
      AddBool("spec.deployment.circuitBreaker.enable", s.ecs->circuit_breaker_enable);
      AddBool("spec.deployment.circuitBreaker.rollback", s.ecs->circuit_breaker_rollback);
      AddIf("spec.healthCheckGracePeriodSeconds", s.health_check_grace_period_seconds);
    } else {
      Add("spec.strategy.type",
          s.strategy == RolloutStrategy::kRollingUpdate ? "RollingUpdate" : "Recreate");
      if (s.strategy == RolloutStrategy::kRollingUpdate) {
        Add("spec.strategy.maxSurge", s.max_surge.ToString());
        Add("spec.strategy.maxUnavailable", s.max_unavailable.ToString());
      }
    }
    Add("spec.minReadySeconds", s.min_ready_seconds);
    Add("spec.progressDeadlineSeconds", s.progress_deadline_seconds);
    Add("spec.revisionHistoryLimit", s.revision_history_limit);
    if (s.paused) AddBool("spec.paused", true);
    Task("spec.template", s.task);
  }
  void operator()(const JobSpec& s) {
    Add("spec.completions", s.completions);
    Add("spec.parallelism", s.parallelism);
    Add("spec.backoffLimit", s.backoff_limit);
    AddIf("spec.activeDeadlineSeconds", s.active_deadline_seconds);
    Task("spec.template", s.task);
  }
  void operator()(const AutoscalerSpec& s) {
    Add("spec.scaleTargetRef", s.target_kind + "/" + s.target_name);
    Add("spec.minReplicas", s.min_replicas);
    Add("spec.maxReplicas", s.max_replicas);
    for (const auto& m : s.metrics) {
      Add(fmt::format("spec.metrics[{}].averageUtilization", m.resource), m.average_utilization);
    }
  }
  void operator()(const ServiceSpec& s) {
    Add("spec.type", s.type);
    if (s.headless) AddBool("spec.headless", true);
    AddIf("spec.clusterIP", s.cluster_ip);
    for (const auto& alias : s.aliases) Add(fmt::format("spec.aliases[{}]", alias), alias);
    AddMap("spec.selector", s.selector);
    for (const auto& port : s.ports) {
      const std::string key = port.name.empty() ? std::to_string(port.port) : port.name;
      Add(fmt::format("spec.ports[{}]", key),
          fmt::format("{}->{}/{}{}", port.port,
                      port.target_port.empty() ? std::to_string(port.port) : port.target_port,
                      port.protocol,
                      port.node_port ? fmt::format(" nodePort {}", port.node_port) : ""));
    }
  }

  std::vector<FlatField> Take() { return std::move(fields_); }

 private:
  static std::vector<std::string> Quoted(const std::vector<std::string>& list) {
    std::vector<std::string> out;
    out.reserve(list.size());
    for (const auto& s : list) out.push_back(fmt::format("\"{}\"", s));
    return out;
  }

  std::vector<FlatField> fields_;
};

}  // namespace

std::vector<FlatField> Flatten(const ResourceSpec& spec) {
  Flattener f;
  std::visit(f, spec);
  return f.Take();
}

std::vector<FlatField> FlattenTaskTemplate(const TaskTemplate& task, const std::string& prefix) {
  Flattener f;
  f.Task(prefix, task);
  return f.Take();
}

}  // namespace capstan::model
