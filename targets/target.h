#pragma once

#include <string>
#include <vector>

#include "model/desired_state.h"
#include "model/status.h"

namespace capstan::targets {

struct TaskObservation {
  std::string id;
  std::string revision;
  std::string phase;  // Pending | Starting | Running | Ready | Stopping | Succeeded | Failed
  std::string reason;
  std::string message;
  int node = -1;
  std::vector<int> host_ports;
  int restarts = 0;
};

struct WorkloadObservation {
  std::string name;
  int desired = 0;
  int updated = 0;  // tasks of the revision being rolled out
  int ready = 0;
  int available = 0;             // ready for at least minReadySeconds
  std::string revision;          // the revision that is fully available (what serves)
  std::string target_revision;   // what the rollout converges on
  std::string desired_revision;  // what the desired state asks for (may be a failed one)
  // Progressing | Complete | Failed | RolledBack | Paused | Degraded
  std::string rollout_phase;
  std::string message;
  std::vector<std::string> failed_revisions;
  std::vector<std::string> history;  // oldest first
  int restarts = 0;
  std::vector<TaskObservation> tasks;
};

struct JobObservation {
  std::string name;
  std::string phase;  // Running | Complete | Failed
  std::string reason;
  std::string revision;
  int active = 0;
  int succeeded = 0;
  int failed = 0;
  std::vector<TaskObservation> tasks;
};

struct ServiceObservation {
  std::string name;
  std::string cluster_ip;  // empty: headless
  struct Port {
    std::string name;
    int port = 0;
    int bound_port = 0;
    int endpoints = 0;
    std::string error;
    int node_port = 0;  // NodePort / LoadBalancer: the port on the node address
  };
  std::vector<Port> ports;
};

enum class Health { kHealthy, kProgressing, kDegraded };
const char* HealthName(Health health);

// What runs for one application, as the reconciler sees it.
struct AppObservation {
  std::string app;
  std::vector<WorkloadObservation> workloads;
  std::vector<JobObservation> jobs;
  std::vector<ServiceObservation> services;

  // Degraded if any workload failed, rolled back or is degraded, or a job failed; Progressing if
  // any rollout or job is still under way; Healthy otherwise.
  Health OverallHealth() const;
  // Whether every workload converged on its desired revision and replica count.
  bool Converged() const;
  // Whether a desired revision was declared failed (and not retried).
  bool DesiredRevisionFailed() const;
};

// Where desired state is applied: the built-in orchestrator today; a real Kubernetes API later.
// Apply() is level-triggered and idempotent: applying the same application twice changes nothing.
// Thread-compatible: the reconciler's loop thread only.
class Target {
 public:
  virtual ~Target() = default;

  virtual model::Status Apply(const model::Application& app) = 0;
  // Stops and forgets everything the application owns.
  virtual model::Status Remove(const std::string& app) = 0;
  virtual AppObservation Observe(const std::string& app) const = 0;
  // Rolls a workload out to a revision from its history.
  virtual model::Status Rollback(const std::string& app, const std::string& workload,
                                 const std::string& revision) = 0;
  // Forgets manual rollbacks of `app`, so the applied desired state rolls out again.
  virtual void ClearManualRollbacks(const std::string& app) = 0;
  // Advances whatever the target drives (controllers, probes). Never blocks long.
  virtual void Step() = 0;
};

}  // namespace capstan::targets
