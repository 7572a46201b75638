#include "targets/orchestrator_target.h"

#include <variant>

namespace capstan::targets {
namespace {

TaskObservation ToTask(const orchestrator::TaskSummary& t) {
  return {t.id,         t.revision, orchestrator::TaskPhaseName(t.phase),
          t.reason,     t.message,  t.node_id,
          t.host_ports, t.restarts};
}

// Spec alternatives go to the AppSpec map of their kind.
struct AddToSpec {
  orchestrator::AppSpec& spec;
  const std::string& name;
  void operator()(const model::ConfigMapSpec& s) { spec.config_maps[name] = s; }
  void operator()(const model::SecretSpec& s) { spec.secrets[name] = s; }
  void operator()(const model::WorkloadSpec& s) { spec.workloads[name] = s; }
  void operator()(const model::JobSpec& s) { spec.jobs[name] = s; }
  void operator()(const model::AutoscalerSpec& s) { spec.autoscalers[name] = s; }
  void operator()(const model::ServiceSpec& s) { spec.services[name] = s; }
};

}  // namespace

orchestrator::AppSpec ToAppSpec(const model::Application& app) {
  orchestrator::AppSpec spec;
  spec.app = app.name;
  for (const auto& [id, resource] : app.resources) {
    std::visit(AddToSpec{spec, id.name}, resource.spec);
  }
  // Revisions come from the renderer; fill any that a hand-built Application left empty.
  orchestrator::AssignRevisions(spec);
  return spec;
}

AppObservation ToObservation(const orchestrator::AppStatus& status) {
  AppObservation out;
  out.app = status.app;
  for (const auto& [name, w] : status.workloads) {
    WorkloadObservation o;
    o.name = name;
    o.desired = w.desired;
    o.updated = w.updated;
    o.ready = w.ready;
    o.available = w.available;
    o.revision = w.current_revision;
    o.target_revision = w.target_revision;
    o.desired_revision = w.desired_revision;
    o.rollout_phase = orchestrator::RolloutPhaseName(w.phase);
    o.message = w.message;
    o.failed_revisions = w.failed_revisions;
    o.history = w.history;
    for (const auto& t : w.tasks) {
      o.restarts += t.restarts;
      o.tasks.push_back(ToTask(t));
    }
    out.workloads.push_back(std::move(o));
  }
  for (const auto& [name, j] : status.jobs) {
    JobObservation o;
    o.name = name;
    o.phase = orchestrator::JobPhaseName(j.phase);
    o.reason = j.reason;
    o.revision = j.revision;
    o.active = j.active;
    o.succeeded = j.succeeded;
    o.failed = j.failed;
    for (const auto& t : j.tasks) o.tasks.push_back(ToTask(t));
    out.jobs.push_back(std::move(o));
  }
  for (const auto& [name, s] : status.services) {
    ServiceObservation o;
    o.name = name;
    o.cluster_ip = s.cluster_ip;
    for (const auto& p : s.ports) {
      o.ports.push_back({p.name, p.port, p.bound_port, static_cast<int>(p.endpoints.size()),
                         p.error, p.node_port});
    }
    out.services.push_back(std::move(o));
  }
  return out;
}

model::Status OrchestratorTarget::Apply(const model::Application& app) {
  orchestrator_.SetDesired(ToAppSpec(app));
  return model::Status::Ok();
}

model::Status OrchestratorTarget::Remove(const std::string& app) {
  orchestrator_.RemoveApp(app);
  return model::Status::Ok();
}

AppObservation OrchestratorTarget::Observe(const std::string& app) const {
  return ToObservation(orchestrator_.Status(app));
}

model::Status OrchestratorTarget::Rollback(const std::string& app, const std::string& workload,
                                           const std::string& revision) {
  return orchestrator_.Rollback(app, workload, revision);
}

}  // namespace capstan::targets
