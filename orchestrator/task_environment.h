#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.h"
#include "model/status.h"
#include "model/task_template.h"
#include "orchestrator/driver.h"

namespace capstan::orchestrator {

// A Service that exists when a task starts, as the task's environment shows it.
struct ServiceEnv {
  std::string name;  // the Service's name, e.g. "redis-primary"
  std::string host = "127.0.0.1";
  // Its ports in declaration order; the first one is <SVC>_SERVICE_PORT.
  std::vector<std::pair<std::string, int>> ports;  // (port name, bound port)
};

// What a task's environment is resolved against. Pointers are borrowed for the call only and
// may be null (= none exist).
struct EnvironmentInputs {
  const std::map<std::string, model::ConfigMapSpec>* config_maps = nullptr;
  const std::map<std::string, model::SecretSpec>* secrets = nullptr;
  std::vector<ServiceEnv> services;
  // The host ports the scheduler assigned: the fixed ones (ports with host_port set, in
  // declaration order across containers) first, then the dynamic ones (the others, same order).
  std::vector<int> host_ports;
  // The node the task runs on, for the downward API (fieldRef spec.nodeName, status.hostIP,
  // status.podIP; resourceFieldRef limits default to its allocatable).
  std::string node_name;
  std::string node_address = "127.0.0.1";
  std::string pod_address;  // status.podIP; empty = node_address (see README: one address)
  std::int64_t node_cpu_millis = 0;
  std::int64_t node_memory_bytes = 0;
};

// Kubernetes' $(VAR) expansion (third_party/forked/golang/expansion): "$(NAME)" becomes the
// value `lookup` returns, "$$" becomes "$", a reference `lookup` does not know is left as
// written, and so is an unterminated "$(". Pure.
std::string ExpandVars(std::string_view input,
                       const std::function<const std::string*(std::string_view)>& lookup);

// "redis-primary" -> "REDIS_PRIMARY": the environment spelling of a name.
std::string EnvName(std::string_view name);

// Number of host ports a template needs: (fixed, dynamic).
std::pair<std::vector<int>, int> PortDemand(const model::TaskTemplate& task);

// Kubernetes init containers and native sidecars, expressed as ECS dependsOn conditions that both
// drivers honour (https://kubernetes.io/docs/concepts/workloads/pods/init-containers/,
// .../pods/sidecar-containers/): each init container waits for the previous one's SUCCESS;
// a sidecar (restart_always) starts in its place in the order and what follows waits only for
// its START; the main containers wait for the last init container's SUCCESS and every sidecar's
// START. Indexed like LaunchSpec::containers (main containers, then init containers); empty
// when the template has no init containers. Pure.
struct InitOrder {
  std::vector<std::vector<model::ContainerDependency>> depends_on;
};
InitOrder InitContainerDependencies(const model::TaskTemplate& task);

// Builds everything a driver needs to start one task of `task`: env from literals, ConfigMap and
// Secret keys, the downward API (fieldRef, resourceFieldRef: orchestrator/downward_api.h) and
// envFrom (Kubernetes order: envFrom first, then env, later names win), service
// discovery variables, PORT / PORT_<NAME>, $(VAR) expansion in env values, command and args,
// and the files of configMap/secret volumes. LaunchSpec::containers holds the main containers
// in order, then the init containers (InitContainerDependencies orders them at run time; a
// run-to-completion init container is non-essential, a sidecar essential). A missing non-optional
// ConfigMap, Secret or key is an error (Kubernetes' CreateContainerConfigError); the task then
// stays Pending. Pure.
model::Result<LaunchSpec> BuildLaunchSpec(const std::string& task_id, const std::string& app,
                                          const std::string& workload, const std::string& revision,
                                          const model::TaskTemplate& task,
                                          const EnvironmentInputs& inputs);

}  // namespace capstan::orchestrator
