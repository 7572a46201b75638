#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model/autoscaler.h"
#include "model/clock.h"
#include "model/config.h"
#include "model/job.h"
#include "model/service.h"
#include "model/status.h"
#include "model/workload.h"
#include "orchestrator/cluster_ip_allocator.h"
#include "orchestrator/deployment_controller.h"
#include "orchestrator/driver.h"
#include "orchestrator/event_log.h"
#include "orchestrator/health_checker.h"
#include "orchestrator/job_controller.h"
#include "orchestrator/scheduler.h"
#include "orchestrator/service_names.h"
#include "orchestrator/service_proxy.h"
#include "orchestrator/task.h"

namespace capstan::orchestrator {

// Everything one application asks the orchestrator to run.
struct AppSpec {
  std::string app;
  std::map<std::string, model::WorkloadSpec> workloads;
  std::map<std::string, model::JobSpec> jobs;
  std::map<std::string, model::ServiceSpec> services;
  std::map<std::string, model::ConfigMapSpec> config_maps;
  std::map<std::string, model::SecretSpec> secrets;
  std::map<std::string, model::AutoscalerSpec> autoscalers;  // carried; not acted on yet
};

// Fills an empty WorkloadSpec::revision / JobSpec::revision with model::ComputeRevision over
// the app's ConfigMaps and Secrets, so a config change is a new revision.
void AssignRevisions(AppSpec& spec);

struct ServicePortStatus {
  std::string name;
  int port = 0;         // as declared
  std::string address;  // the Service's cluster IP, where the proxy listens
  int bound_port = 0;   // where the proxy listens (differs with ephemeral ports)
  int node_port = 0;    // NodePort / LoadBalancer: the port on the node's address; 0 = none
  std::vector<Endpoint> endpoints;
  std::string error;  // why it is not served, if it is not
};

struct ServiceStatus {
  std::string cluster_ip;  // empty for a headless Service
  std::vector<ServicePortStatus> ports;
};

struct AppStatus {
  std::string app;
  std::map<std::string, WorkloadStatus> workloads;
  std::map<std::string, JobStatus> jobs;
  std::map<std::string, ServiceStatus> services;
};

// What the store keeps so that a restarted daemon resumes where it was.
struct OrchestratorState {
  std::vector<TaskRecord> tasks;
  std::vector<WorkloadRecord> workloads;
  // "app/service" -> cluster IP, so that a restarted daemon gives every Service its address back.
  std::map<std::string, std::string> cluster_ips;
};

struct OrchestratorOptions {
  TaskRunnerOptions runner;
  DeploymentOptions deployment;
  // Tests: bind every Service on an ephemeral port instead of its declared one.
  bool ephemeral_service_ports = false;
  std::string service_host = "127.0.0.1";
  // Where the Service proxy listens; empty = service_host. Containers on a bridge network reach
  // the host only through the bridge, so they need it on 0.0.0.0 (or the bridge's address).
  std::string service_listen;
  // The range Services' cluster IPs come from (see ClusterIpAllocator). On loopback, so that no
  // interface needs configuring; processes reach it directly, container pods through listeners
  // the proxy opens inside each pod's network namespace.
  std::string service_cidr = "127.96.0.0/16";
  // The node's own /etc/hosts, the start of every process task's hosts file (then the Service
  // names). Empty: localhost lines only.
  std::string node_hosts;
};

// The built-in orchestrator's face: desired state in (SetDesired), observations out (Status),
// everything else by converging in Step(). Level-triggered: each Step() compares what runs with
// what is asked and acts; calling it more often only converges sooner. Step() never blocks long:
// drivers and health checks are asked, never waited on.
// Collaborators are borrowed and must outlive it; `proxy` may be null (Services not served).
// Thread-compatible: one loop thread calls everything (the daemon posts work to it).
class Orchestrator {
 public:
  Orchestrator(model::Clock& clock, Scheduler& scheduler,
               std::map<model::DriverKind, Driver*> drivers, HealthChecker& checker,
               EventLog& events, ServiceProxy* proxy, OrchestratorOptions options = {});
  ~Orchestrator();
  Orchestrator(const Orchestrator&) = delete;
  Orchestrator& operator=(const Orchestrator&) = delete;

  // Replaces what `spec.app` should run; workloads and jobs missing from it are stopped.
  void SetDesired(AppSpec spec);
  // Prunes everything of that app (its tasks stop over the next Steps).
  void RemoveApp(const std::string& app);
  // One pass: observe tasks and probes, run every controller, start what is due, update the
  // Service endpoints.
  void Step();

  AppStatus Status(const std::string& app) const;
  std::vector<std::string> Apps() const;
  // Manual rollback to any revision in the workload's history.
  model::Status Rollback(const std::string& app, const std::string& workload,
                         const std::string& revision);

  // Drops the hold of manual rollbacks in `app`: its workloads return to their spec's revision.
  void ClearManualRollbacks(const std::string& app);

  // Called before each side effect (start, stop, kill, remove) so intent can be written first.
  void SetJournal(Journal journal);
  // Checks the host ports of the local node (node 0) with `probe`, borrowed; null = no check.
  // See TaskRunner::SetPortProbe.
  void SetPortProbe(PortProbe* probe) { runner_.SetPortProbe(probe); }
  OrchestratorState Export() const;
  // Restores history and re-adopts tasks after a restart. Call before the first SetDesired.
  model::Status Import(const OrchestratorState& state);

  const TaskRunner& runner() const { return runner_; }

 private:
  struct App;
  struct ServiceState;
  struct PodNet;
  model::Result<LaunchSpec> BuildLaunch(const Task& task) const;
  void SyncServices(App& app);
  void ServeService(App& app, const std::string& svc, const model::ServiceSpec& spec);
  void DropPort(const std::string& app, const std::string& svc, const ServicePortStatus& port);
  model::Result<int> ListenOnNode(const std::string& key, const model::ServiceSpec& spec,
                                  const model::ServicePort& port);
  void UpdateEndpoints(App& app);
  // Container pods get the cluster IPs inside their own network namespace.
  void SyncPodListeners();
  void ServeInPod(const std::string& task_id, PodNet& pod);
  model::Status InstallRedirects(const Task* task, const PodNet& pod,
                                 const std::vector<std::string>& redirects);
  void DropPod(PodNet& pod);
  // Rewrites the hosts files of running tasks once Services changed.
  void RefreshHostsFiles();
  std::vector<NamedService> NamedServices() const;
  std::string HostsFileFor(const Task& t) const;
  Driver* DriverOf(const Task& t) const;
  // Whether a Service of the task's app selects it (so it may be a proxy endpoint).
  bool IsEndpoint(const Task& t) const;
  App& GetApp(const std::string& name);

  model::Clock& clock_;
  const Scheduler& scheduler_;  // the nodes, for the downward API
  EventLog& events_;
  ServiceProxy* proxy_;
  OrchestratorOptions options_;
  std::map<model::DriverKind, Driver*> drivers_;
  TaskRunner runner_;
  std::map<std::string, std::unique_ptr<App>> apps_;
  ClusterIpAllocator cluster_ips_;
  std::set<int> node_ports_;  // node ports taken by NodePort Services without a nodePort
  // Bumped whenever a Service's address or ports change: pods and hosts files catch up.
  std::uint64_t services_generation_ = 1;
  std::uint64_t hosts_generation_ = 1;
  std::map<std::string, std::unique_ptr<PodNet>> pods_;  // by task id
};

}  // namespace capstan::orchestrator
