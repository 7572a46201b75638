#include "orchestrator/task_environment.h"

#include <fmt/format.h>

#include <cctype>

#include "orchestrator/downward_api.h"

namespace capstan::orchestrator {
namespace {

using model::ErrorCode;
using model::Status;

struct EnvBuilder {
  std::vector<std::pair<std::string, std::string>> vars;
  std::map<std::string, std::size_t> index;

  void Set(const std::string& name, std::string value) {
    auto it = index.find(name);
    if (it != index.end()) {
      vars[it->second].second = std::move(value);
      return;
    }
    index[name] = vars.size();
    vars.emplace_back(name, std::move(value));
  }
  const std::string* Get(std::string_view name) const {
    auto it = index.find(std::string(name));
    return it == index.end() ? nullptr : &vars[it->second].second;
  }
};

// Looks a key up in a ConfigMap (data, then binaryData) or Secret.
const std::string* LookupKey(const EnvironmentInputs& in, model::EnvSource source,
                             const std::string& name, const std::string& key, bool* object_found) {
  *object_found = false;
  if (source == model::EnvSource::kConfigMapKey) {
    if (!in.config_maps) return nullptr;
    auto it = in.config_maps->find(name);
    if (it == in.config_maps->end()) return nullptr;
    *object_found = true;
    if (auto k = it->second.data.find(key); k != it->second.data.end()) return &k->second;
    if (auto k = it->second.binary_data.find(key); k != it->second.binary_data.end()) {
      return &k->second;
    }
    return nullptr;
  }
  if (!in.secrets) return nullptr;
  auto it = in.secrets->find(name);
  if (it == in.secrets->end()) return nullptr;
  *object_found = true;
  auto k = it->second.data.find(key);
  return k == it->second.data.end() ? nullptr : &k->second;
}

const char* SourceKind(model::EnvSource s) {
  return s == model::EnvSource::kSecretKey ? "secret" : "configmap";
}

bool IsEnvIdentifier(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      return false;
    }
  }
  return !std::isdigit(static_cast<unsigned char>(s[0]));
}

// The downward API's view of this task (orchestrator/downward_api.h).
DownwardFacts MakeDownwardFacts(const std::string& task_id, const std::string& app,
                                const model::TaskTemplate& task, const EnvironmentInputs& in) {
  DownwardFacts f;
  f.pod_name = task_id;
  f.pod_namespace = app;
  f.pod_uid = TaskUid(task_id);
  f.labels = &task.labels;
  f.annotations = &task.annotations;
  f.node_name = in.node_name;
  f.host_ip = in.node_address;
  f.pod_ip = in.pod_address.empty() ? in.node_address : in.pod_address;
  f.node_cpu_millis = in.node_cpu_millis;
  f.node_memory_bytes = in.node_memory_bytes;
  return f;
}

const model::ContainerSpec* FindContainer(const model::TaskTemplate& task,
                                          const std::string& name) {
  for (const auto* list : {&task.containers, &task.init_containers}) {
    for (const auto& c : *list) {
      if (c.name == name) return &c;
    }
  }
  return nullptr;
}

// The value of one env var that is not a literal: a ConfigMap or Secret key, or the downward API
// (fieldRef, resourceFieldRef). nullopt: an optional reference that is missing (no variable).
// An error is Kubernetes' CreateContainerConfigError. Shared by every container kind (init and
// main) so they resolve the same way.
model::Result<std::optional<std::string>> ResolveEnvVar(const model::EnvVar& e,
                                                        const model::ContainerSpec& c,
                                                        const model::TaskTemplate& task,
                                                        const DownwardFacts& facts,
                                                        const EnvironmentInputs& in) {
  if (e.source == model::EnvSource::kLiteral) return std::optional<std::string>(e.value);
  if (e.source == model::EnvSource::kFieldRef) {
    auto v = ResolveFieldRef(e.ref_key, facts);
    if (!v.ok())
      return v.status().WithContext(fmt::format("env {} of container {}", e.name, c.name));
    return std::optional<std::string>(std::move(v).value());
  }
  if (e.source == model::EnvSource::kResourceFieldRef) {
    const model::ContainerSpec* target = e.ref_name.empty() ? &c : FindContainer(task, e.ref_name);
    if (!target) {
      return Status::Error(ErrorCode::kNotFound,
                           fmt::format("container \"{}\" not found (resourceFieldRef of env {} of "
                                       "container {})",
                                       e.ref_name, e.name, c.name));
    }
    auto v = ResolveResourceFieldRef(e.ref_key, e.divisor, target->resources, facts);
    if (!v.ok())
      return v.status().WithContext(fmt::format("env {} of container {}", e.name, c.name));
    return std::optional<std::string>(std::move(v).value());
  }
  bool found_object = false;
  const std::string* v = LookupKey(in, e.source, e.ref_name, e.ref_key, &found_object);
  if (v) return std::optional<std::string>(*v);
  if (e.optional) return std::optional<std::string>();
  return Status::Error(
      ErrorCode::kNotFound,
      found_object ? fmt::format("key \"{}\" not found in {} \"{}\" (env {} of container {})",
                                 e.ref_key, SourceKind(e.source), e.ref_name, e.name, c.name)
                   : fmt::format("{} \"{}\" not found (env {} of container {})",
                                 SourceKind(e.source), e.ref_name, e.name, c.name));
}

}  // namespace

std::string ExpandVars(std::string_view in,
                       const std::function<const std::string*(std::string_view)>& lookup) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '$' || i + 1 >= in.size()) {
      out.push_back(in[i]);
      continue;
    }
    char next = in[i + 1];
    if (next == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (next != '(') {
      out.push_back('$');
      continue;
    }
    std::size_t close = in.find(')', i + 2);
    if (close == std::string_view::npos) {
      // Unterminated: Kubernetes keeps the text as written.
      out.append(in.substr(i));
      break;
    }
    std::string_view name = in.substr(i + 2, close - i - 2);
    const std::string* value = name.empty() ? nullptr : lookup(name);
    if (value) {
      out.append(*value);
    } else {
      out.append(in.substr(i, close - i + 1));
    }
    i = close;
  }
  return out;
}

std::string EnvName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '-' || c == '.') {
      out.push_back('_');
    } else {
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

std::pair<std::vector<int>, int> PortDemand(const model::TaskTemplate& task) {
  std::vector<int> fixed;
  int dynamic = 0;
  for (const auto& c : task.containers) {
    for (const auto& p : c.ports) {
      if (p.host_port > 0) {
        fixed.push_back(p.host_port);
      } else {
        ++dynamic;
      }
    }
  }
  return {fixed, dynamic};
}

InitOrder InitContainerDependencies(const model::TaskTemplate& task) {
  InitOrder out;
  if (task.init_containers.empty()) return out;
  const std::size_t mains = task.containers.size();
  out.depends_on.resize(mains + task.init_containers.size());
  // What the next container waits for: the last run-to-completion init container's SUCCESS and
  // the START of every sidecar before it (kubelet's computeInitContainerActions starts the next
  // init container once the previous one exited 0, or once a sidecar before it started).
  std::vector<model::ContainerDependency> gate;
  for (std::size_t i = 0; i < task.init_containers.size(); ++i) {
    const model::ContainerSpec& c = task.init_containers[i];
    out.depends_on[mains + i] = gate;
    if (c.restart_always) {
      gate.push_back({c.name, model::DependencyCondition::kStart});
    } else {
      // A completed init container stands for every gate before it (it could only start once
      // they held), so the chain stays one link long; sidecars are kept (they must keep running).
      std::erase_if(gate, [](const model::ContainerDependency& d) {
        return d.condition == model::DependencyCondition::kSuccess;
      });
      gate.push_back({c.name, model::DependencyCondition::kSuccess});
    }
  }
  for (std::size_t i = 0; i < mains; ++i) out.depends_on[i] = gate;
  return out;
}

namespace {

// Service discovery variables, as kubelet's makeEnvironmentVariables builds them.
std::vector<std::pair<std::string, std::string>> ServiceDiscoveryEnv(
    const std::vector<ServiceEnv>& services) {
  std::vector<std::pair<std::string, std::string>> env;
  for (const auto& svc : services) {
    if (svc.ports.empty()) continue;
    std::string prefix = EnvName(svc.name);
    env.emplace_back(prefix + "_SERVICE_HOST", svc.host);
    env.emplace_back(prefix + "_SERVICE_PORT", std::to_string(svc.ports.front().second));
    for (const auto& [pname, port] : svc.ports) {
      if (!pname.empty()) {
        env.emplace_back(prefix + "_SERVICE_PORT_" + EnvName(pname), std::to_string(port));
      }
    }
  }
  return env;
}

// envFrom: every key of the ConfigMap or Secret (with its prefix) that is a valid variable name.
Status AddEnvFrom(const model::ContainerSpec& c, const EnvironmentInputs& in,
                  EnvBuilder* declared) {
  for (const auto& ef : c.env_from) {
    const bool secret = ef.source == model::EnvSource::kSecretKey;
    const std::map<std::string, std::string>* data = nullptr;
    if (secret && in.secrets) {
      if (auto it = in.secrets->find(ef.name); it != in.secrets->end()) data = &it->second.data;
    } else if (!secret && in.config_maps) {
      if (auto it = in.config_maps->find(ef.name); it != in.config_maps->end()) {
        data = &it->second.data;
      }
    }
    if (!data) {
      if (ef.optional) continue;
      return Status::Error(ErrorCode::kNotFound,
                           fmt::format("{} \"{}\" not found (envFrom of container {})",
                                       SourceKind(ef.source), ef.name, c.name));
    }
    for (const auto& [k, v] : *data) {
      std::string name = ef.prefix + k;
      if (!IsEnvIdentifier(name)) continue;  // Kubernetes skips invalid keys
      declared->Set(name, v);
    }
  }
  return Status::Ok();
}

}  // namespace

model::Result<LaunchSpec> BuildLaunchSpec(const std::string& task_id, const std::string& app,
                                          const std::string& workload, const std::string& revision,
                                          const model::TaskTemplate& task,
                                          const EnvironmentInputs& in) {
  LaunchSpec spec;
  spec.task_id = task_id;
  spec.app = app;
  spec.workload = workload;
  spec.revision = revision;
  spec.labels = task.labels;

  // Host ports: fixed first, then dynamic, as the scheduler hands them out.
  auto [fixed, dynamic] = PortDemand(task);
  if (in.host_ports.size() < fixed.size() + static_cast<std::size_t>(dynamic)) {
    return Status::Error(ErrorCode::kInternal,
                         fmt::format("task {} needs {} host ports, {} assigned", task_id,
                                     fixed.size() + dynamic, in.host_ports.size()));
  }
  std::size_t next_fixed = 0;
  std::size_t next_dynamic = fixed.size();
  std::vector<std::vector<PortBinding>> bindings(task.containers.size());
  std::vector<std::pair<std::string, int>> named_ports;
  int first_port = 0;
  // A process listens on its host port; a container listens on its container port (the engine
  // publishes it on the host port), so PORT and PORT_<NAME> give what the workload binds.
  const bool in_container = task.driver == model::DriverKind::kContainer;
  for (std::size_t ci = 0; ci < task.containers.size(); ++ci) {
    for (const auto& p : task.containers[ci].ports) {
      int host = p.host_port > 0 ? in.host_ports[next_fixed++] : in.host_ports[next_dynamic++];
      bindings[ci].push_back(PortBinding{p.name, p.container_port, host, p.protocol});
      const int listen = in_container ? p.container_port : host;
      if (first_port == 0) first_port = listen;
      if (!p.name.empty()) named_ports.emplace_back(p.name, listen);
    }
  }

  const auto service_env = ServiceDiscoveryEnv(in.services);

  const DownwardFacts facts = MakeDownwardFacts(task_id, app, task, in);
  // The main containers first (their indices match task.containers, which probes rely on), then
  // the init containers with the dependsOn chain that orders them (InitContainerDependencies).
  std::vector<const model::ContainerSpec*> all;
  for (const auto& c : task.containers) all.push_back(&c);
  for (const auto& c : task.init_containers) all.push_back(&c);
  bindings.resize(all.size());
  const InitOrder order = InitContainerDependencies(task);
  for (std::size_t ci = 0; ci < all.size(); ++ci) {
    const model::ContainerSpec& c = *all[ci];
    ContainerLaunch launch;
    launch.name = c.name;
    launch.image = c.image;
    launch.working_dir = c.working_dir;
    launch.user = c.user;
    launch.resources = c.resources;
    launch.mounts = c.volume_mounts;
    launch.ports = bindings[ci];
    launch.essential = c.essential;
    launch.image_pull_policy = c.image_pull_policy;
    launch.security = c.security;
    launch.ulimits = c.ulimits;

    // Base variables the manifest may reference and override.
    EnvBuilder base;
    launch.depends_on = c.depends_on;
    if (ci < order.depends_on.size() && !order.depends_on[ci].empty()) {
      launch.depends_on.insert(launch.depends_on.end(), order.depends_on[ci].begin(),
                               order.depends_on[ci].end());
    }
    if (ci >= task.containers.size()) {
      launch.essential = c.restart_always;
      launch.sidecar = c.restart_always;
    }
    int port = bindings[ci].empty() ? first_port
               : in_container       ? bindings[ci].front().container_port
                                    : bindings[ci].front().host_port;
    if (port != 0) base.Set("PORT", std::to_string(port));
    for (const auto& [pname, hport] : named_ports) {
      base.Set("PORT_" + EnvName(pname), std::to_string(hport));
    }
    for (const auto& [k, v] : service_env) base.Set(k, v);

    EnvBuilder declared;
    if (Status s = AddEnvFrom(c, in, &declared); !s.ok()) return s;
    auto lookup = [&](std::string_view name) -> const std::string* {
      if (const std::string* v = declared.Get(name)) return v;
      return base.Get(name);
    };
    for (const auto& e : c.env) {
      if (e.source == model::EnvSource::kLiteral) {
        declared.Set(e.name, ExpandVars(e.value, lookup));
        continue;
      }
      auto value = ResolveEnvVar(e, c, task, facts, in);
      if (!value.ok()) return value.status();
      if (*value) declared.Set(e.name, std::move(**value));
    }
    // Final order: declared variables, then base ones the manifest did not override.
    launch.env = declared.vars;
    for (const auto& [k, v] : base.vars) {
      if (!declared.Get(k)) launch.env.emplace_back(k, v);
    }
    for (const auto& a : c.command) launch.command.push_back(ExpandVars(a, lookup));
    for (const auto& a : c.args) launch.args.push_back(ExpandVars(a, lookup));
    spec.containers.push_back(std::move(launch));
  }

  for (const auto& v : task.volumes) {
    VolumeLaunch vl;
    vl.name = v.name;
    vl.type = v.type;
    if (v.type == model::VolumeType::kHostPath) vl.host_path = v.source;
    if (v.type == model::VolumeType::kConfigMap || v.type == model::VolumeType::kSecret) {
      std::map<std::string, std::string> data;
      bool found = false;
      if (v.type == model::VolumeType::kConfigMap && in.config_maps) {
        if (auto it = in.config_maps->find(v.source); it != in.config_maps->end()) {
          found = true;
          data = it->second.data;
          data.insert(it->second.binary_data.begin(), it->second.binary_data.end());
        }
      } else if (v.type == model::VolumeType::kSecret && in.secrets) {
        if (auto it = in.secrets->find(v.source); it != in.secrets->end()) {
          found = true;
          data = it->second.data;
        }
      }
      if (!found) {
        return Status::Error(
            ErrorCode::kNotFound,
            fmt::format("{} \"{}\" not found (volume {})",
                        v.type == model::VolumeType::kSecret ? "secret" : "configmap", v.source,
                        v.name));
      }
      const int mode = v.type == model::VolumeType::kSecret ? 0400 : 0644;
      if (v.items.empty()) {
        for (const auto& [k, content] : data) vl.files.push_back(VolumeFile{k, content, mode});
      } else {
        for (const auto& item : v.items) {
          auto it = data.find(item.key);
          if (it == data.end()) {
            return Status::Error(
                ErrorCode::kNotFound,
                fmt::format("key \"{}\" not found for volume {}", item.key, v.name));
          }
          vl.files.push_back(
              VolumeFile{item.path.empty() ? item.key : item.path, it->second, mode});
        }
      }
    }
    spec.volumes.push_back(std::move(vl));
  }
  return spec;
}

}  // namespace capstan::orchestrator
