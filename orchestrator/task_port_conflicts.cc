// TaskRunner and host ports another program holds: the check placement asks, and the restart of a
// task whose port was taken between hand-out and bind. Apart from task.cc so that the lifecycle
// engine stays readable; the contract is in task.h.
#include <fmt/format.h>

#include "orchestrator/task.h"
#include "orchestrator/task_ports.h"

namespace capstan::orchestrator {

void TaskRunner::SetPortProbe(PortProbe* probe, int node_id) {
  port_probe_ = probe;
  probe_node_ = node_id;
  port_check_ = nullptr;
  if (probe == nullptr) return;
  // Only the local node can be asked; the others answer from the books alone.
  port_check_ = [probe, node_id](int node, int port, PortProtocol protocol) {
    return node != node_id || probe->Free(port, protocol);
  };
}

// A port taken by someone else between the check at hand-out and the task's bind is not the
// task's fault: it gets other ports and starts again at once, without a crash-loop back-off and
// without counting a failure or a restart (either would fail a rollout; a failure, a Job). ECS
// gets there by replacing the stopped task with a new one, whose ports the agent picks and
// checks afresh (agent/utils/ephemeral_ports.go); Kubernetes has no such path (a hostPort pod
// crash-loops).
// Only runs that failed before Ready: a task that served and then died did not die of its port.
bool TaskRunner::RestartOnNewPorts(Task& t, bool was_ready, const std::string& why) {
  if (was_ready || t.host_ports.empty()) {
    t.port_conflicts = 0;
    return false;
  }
  std::vector<int> held;
  // The task is gone (its handle cleaned up), so whoever holds one of its ports is someone else.
  if (port_probe_ != nullptr && t.placed && t.node_id == probe_node_) {
    held = PortsHeldElsewhere(*port_probe_, t.host_ports, t.request.port_protocols);
  }
  if (held.empty() && !SaysAddressInUse(why)) {
    t.port_conflicts = 0;
    return false;
  }
  if (t.port_conflicts >= kMaxPortConflictRestarts) return false;
  ++t.port_conflicts;
  const std::string ports =
      held.empty()
          ? "one of host ports " + PortList(t.host_ports, t.host_ports, t.request.port_protocols)
          : "host port " + PortList(held, t.host_ports, t.request.port_protocols);
  Release(t);
  t.phase = TaskPhase::kPending;
  t.not_before = clock_.Now();
  t.reason = "PortInUse";
  t.message = fmt::format("{} is in use by another program ({})", ports, why);
  Emit(t, EventType::kWarning, "PortInUse",
       fmt::format("{}; restarting the task on new host ports", t.message));
  return true;
}

}  // namespace capstan::orchestrator
