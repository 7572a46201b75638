#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "model/clock.h"
#include "orchestrator/container/docker_client.h"
#include "orchestrator/container/registry_auth.h"
#include "orchestrator/driver.h"

namespace capstan::orchestrator::container {

struct ContainerDriverOptions {
  // Per-task directories for emptyDir volumes and configMap/secret files (bind-mounted).
  std::string task_dir_root = "/tmp/capstan-tasks";
  // This daemon's id on an engine other daemons may share: a `capstan.instance` label and a
  // container name prefix; the driver sees and adopts only its own containers. Empty: none.
  std::string instance;
  RegistryCredentials credentials;
  // Where published ports listen; empty = every interface (as `docker run -p PORT:PORT`).
  std::string publish_host_ip;
  // The engine's container list is read at most this often; Inspect() answers from it.
  std::chrono::milliseconds refresh_interval{200};
  std::chrono::milliseconds pull_timeout{std::chrono::minutes(10)};
  // A pod's network namespace holder. Empty: the first essential container that waits on no
  // other holds it and publishes every port; the others join it (`container:<id>`); a pod with
  // no such container gets registry.k8s.io/pause:3.9. Set (an image with a long-running
  // command), each multi-container task gets its own pause container, as in Kubernetes.
  std::string pause_image;
  std::vector<std::string> pause_command;
};

// Runs each task as containers through the Docker Engine API (Docker or Podman): a task is a
// pod of containers sharing one network namespace (the first container's, or a pause
// container's) and the task's volumes.
//
// Start(): pulls images (by the pull policy; in the background so the loop is not held: until
// the pull ends Start() returns kUnavailable "pulling image ..." and the task waits), then creates
// every container, labelled capstan.app / capstan.workload / capstan.task / capstan.revision /
// capstan.container, and starts those whose dependsOn conditions hold. Inspect() starts the rest
// as their conditions come true (START: the dependency started; COMPLETE: it exited; SUCCESS: it
// exited 0; HEALTHY: ReportHealth() said so). A dependency that can no longer be met (SUCCESS
// after a non-zero exit, or a dependency that exited before HEALTHY) ends the task.
// Stop()/Kill() send SIGTERM/SIGKILL without waiting (Stop() holds SIGTERM back from sidecars,
// ContainerLaunch::sidecar, until Inspect() sees the other containers exited); Cleanup() removes
// the containers.
// When the engine does not answer, Available() says so and Inspect() returns nothing (unknown),
// so the orchestrator neither restarts nor fails tasks until it is back.
// Thread-compatible (the loop thread); the background pulls are internal.
class ContainerDriver final : public Driver {
 public:
  ContainerDriver(model::Clock& clock, std::shared_ptr<DockerClient> client,
                  ContainerDriverOptions options);
  ~ContainerDriver() override;
  ContainerDriver(const ContainerDriver&) = delete;
  ContainerDriver& operator=(const ContainerDriver&) = delete;

  std::string Name() const override { return "container"; }
  model::Result<TaskHandle> Start(const LaunchSpec& spec) override;
  std::vector<ContainerStatus> Inspect(const TaskHandle& handle) override;
  model::Status Stop(const TaskHandle& handle) override;
  model::Status Kill(const TaskHandle& handle) override;
  bool Adopt(const TaskHandle& handle) override;
  model::Status Cleanup(const TaskHandle& handle) override;
  model::Result<std::string> Logs(const TaskHandle& handle, const std::string& container,
                                  std::size_t max_bytes) override;
  bool EnforcesLimits() const override { return true; }
  model::Status Available() override;
  void ReportHealth(const TaskHandle& handle, const std::string& container, bool healthy) override;
  // The pod holder's namespace: one engine inspect per pod, then cached.
  std::string NetworkNamespace(const TaskHandle& handle) override;

  // Task ids of every container the engine holds with a capstan.task label (for re-adoption of
  // tasks started but not recorded before a crash), with a handle to each.
  model::Result<std::map<std::string, TaskHandle>> ListManagedTasks();

  DockerClient& client() { return *client_; }
  std::shared_ptr<DockerClient> shared_client() const { return client_; }

 private:
  struct PodState;
  class Puller;

  // Reads the engine's container list unless it is fresher than refresh_interval (or `force`).
  model::Status Refresh(bool force);
  model::Status EnsureImage(const std::string& image, model::ImagePullPolicy policy);
  // Creates, first removing a same-named container an earlier attempt of the task left.
  model::Result<std::string> CreateReplacing(const CreateContainerRequest& request);
  // Removes a container now, or once the engine answers again.
  void RemoveQuietly(const std::string& id);
  // The pod of a handle; rebuilt from the containers' labels after a daemon restart.
  PodState* PodFor(const TaskHandle& handle);
  // The engine's inspect of an exited container, asked once.
  const ContainerInfo* ExitInfo(const std::string& id);
  // Starts waiting containers whose dependsOn conditions now hold; marks those that never can.
  void AdvanceDependencies(PodState& pod, std::map<std::string, ContainerStatus>* statuses);
  model::Status Signal(const TaskHandle& handle, const std::string& signal, bool include_pause);

  model::Clock& clock_;
  std::shared_ptr<DockerClient> client_;
  ContainerDriverOptions options_;
  std::unique_ptr<Puller> puller_;
  std::map<std::string, std::unique_ptr<PodState>> pods_;  // by task id
  // The engine's view, refreshed at most every refresh_interval: container id -> summary.
  std::map<std::string, ContainerSummary> containers_;
  std::map<std::string, ContainerInfo> exited_;  // inspected once after they stop
  std::set<std::string> pending_removal_;
  bool refreshed_ = false;
  model::TimePoint last_refresh_{};
  model::Status engine_status_;
  std::optional<bool> docker_engine_;  // Docker (not Podman): asked once
};

}  // namespace capstan::orchestrator::container
