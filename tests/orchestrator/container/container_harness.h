#pragma once

// A real Orchestrator running container tasks for end-to-end scenarios: SystemClock, the
// ContainerDriver on the container_engine fixture's Podman (or on any socket that leads to it, such
// as an EngineForwarder), a RoutingHealthChecker (HTTP/TCP probes by the CurlHealthChecker, exec
// probes inside the containers by the EngineExecChecker) and a running ServiceProxy, driven by
// Step() every ~50 ms. Modelled on RealHarness (tests/orchestrator/real_process_fixture.h).
//
// The harness never leaves containers behind: on destruction it removes every app, steps until
// the tasks are gone, then force-removes, through the real engine socket, every container labelled
// capstan.task whose capstan.app is an app this harness ran, even when the test failed.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "model/clock.h"
#include "orchestrator/container/container_driver.h"
#include "orchestrator/container/docker_client.h"
#include "orchestrator/container/engine_exec_checker.h"
#include "orchestrator/curl_health_checker.h"
#include "orchestrator/event_log.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/routing_health_checker.h"
#include "orchestrator/scheduler.h"
#include "orchestrator/service_proxy.h"
#include "tests/container/engine_env.h"
#include "tests/orchestrator/scenario_steps.h"

namespace capstan::orchestrator::container::e2e {

using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

using scenario::HttpProbe;

inline model::ProbeSpec ExecProbe(std::vector<std::string> command, int failure_threshold = 3) {
  model::ProbeSpec p;
  p.action = model::ProbeAction::kExec;
  p.command = std::move(command);
  p.period_seconds = 1;
  p.timeout_seconds = 2;
  p.failure_threshold = failure_threshold;
  return p;
}

// A shell command for busybox sh as PID 1 that exits on SIGTERM (sh and httpd ignore it
// otherwise): runs `setup` (lines of shell, may end in `&`), then httpd in the background, and
// waits.
inline std::vector<std::string> ServeCommand(const std::string& setup) {
  return {"/bin/sh", "-c", "trap 'exit 0' TERM\n" + setup + "\nhttpd -f -p 8080 -h /www & wait"};
}

// A container workload of `replicas` busybox httpd tasks labelled app=<name>: the command writes
// /www/index.html with "version=<version>" and, when `healthy`, /www/healthz, which the
// readiness probe asks for.
inline model::WorkloadSpec WebWorkload(const testing::EngineEnv& env, const std::string& name,
                                       int replicas, const std::string& version,
                                       bool healthy = true) {
  model::WorkloadSpec w;
  w.replicas = replicas;
  w.selector = {{"app", name}};
  w.task.driver = model::DriverKind::kContainer;
  w.task.labels = {{"app", name}};
  w.task.termination_grace_period_seconds = 2;
  model::ContainerSpec c;
  c.name = "web";
  c.image = env.image;
  c.command = ServeCommand("echo version=" + version + " > /www/index.html" +
                           (healthy ? "; echo ok > /www/healthz" : ""));
  c.ports = {{"http", 8080, 0, "TCP"}};
  c.readiness = HttpProbe("/healthz", 2);
  w.task.containers.push_back(std::move(c));
  return w;
}

inline model::ServiceSpec ServiceFor(const std::string& name) {
  model::ServiceSpec s;
  s.selector = {{"app", name}};
  s.ports = {{"http", 80, "http", "TCP"}};
  return s;
}

// A unix-socket forwarder between the driver and the engine: accepts on `path` and splices each
// connection to `target`. Down() closes the listener (removing the socket file) and every open
// connection, so the engine looks gone; Up() listens again. Thread-safe.
class EngineForwarder {
 public:
  EngineForwarder(std::string path, std::string target)
      : path_(std::move(path)), target_(std::move(target)) {
    Up();
  }
  ~EngineForwarder() { Down(); }
  EngineForwarder(const EngineForwarder&) = delete;
  EngineForwarder& operator=(const EngineForwarder&) = delete;

  const std::string& path() const { return path_; }

  bool Up() {
    std::lock_guard lock(mu_);
    if (listen_fd_ >= 0) return true;
    ::unlink(path_.c_str());
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr = Address(path_);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(fd, 64) != 0) {
      if (fd >= 0) ::close(fd);
      return false;
    }
    listen_fd_ = fd;
    stop_ = false;
    acceptor_ = std::thread([this, fd] { Accept(fd); });
    return true;
  }

  void Down() {
    std::thread acceptor;
    std::vector<std::thread> pipes;
    {
      std::lock_guard lock(mu_);
      if (listen_fd_ < 0) return;
      stop_ = true;
      ::shutdown(listen_fd_, SHUT_RDWR);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
      acceptor = std::move(acceptor_);
      pipes = std::move(pipes_);
    }
    if (acceptor.joinable()) acceptor.join();
    for (auto& t : pipes) t.join();
    std::lock_guard lock(mu_);
    ::close(listen_fd_);
    listen_fd_ = -1;
    ::unlink(path_.c_str());
  }

 private:
  static sockaddr_un Address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    return addr;
  }

  void Accept(int listen_fd) {
    for (;;) {
      pollfd p{listen_fd, POLLIN, 0};
      int n = ::poll(&p, 1, 100);
      {
        std::lock_guard lock(mu_);
        if (stop_) return;
      }
      if (n <= 0) continue;
      int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      int engine = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un addr = Address(target_);
      if (engine < 0 || ::connect(engine, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        if (engine >= 0) ::close(engine);
        ::close(client);
        continue;
      }
      std::lock_guard lock(mu_);
      if (stop_) {
        ::close(client);
        ::close(engine);
        return;
      }
      open_fds_.insert(client);
      open_fds_.insert(engine);
      pipes_.emplace_back([this, client, engine] { Splice(client, engine); });
    }
  }

  // Copies both ways until either side closes (or Down() shuts them down).
  void Splice(int a, int b) {
    char buf[16384];
    for (;;) {
      pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (::poll(p, 2, 100) < 0) break;
      {
        std::lock_guard lock(mu_);
        if (stop_) break;
      }
      bool done = false;
      for (int i = 0; i < 2 && !done; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::read(p[i].fd, buf, sizeof(buf));
        if (n <= 0) {
          done = true;
          break;
        }
        const int to = i == 0 ? b : a;
        for (ssize_t off = 0; off < n;) {
          ssize_t w = ::send(to, buf + off, static_cast<std::size_t>(n - off), MSG_NOSIGNAL);
          if (w <= 0) {
            done = true;
            break;
          }
          off += w;
        }
      }
      if (done) break;
    }
    std::lock_guard lock(mu_);
    open_fds_.erase(a);
    open_fds_.erase(b);
    ::close(a);
    ::close(b);
  }

  const std::string path_;
  const std::string target_;
  std::mutex mu_;  // guards everything below
  int listen_fd_ = -1;
  bool stop_ = false;
  std::set<int> open_fds_;
  std::thread acceptor_;
  std::vector<std::thread> pipes_;
};

// Who holds a multi-container task's network namespace (ContainerDriverOptions::pause_image).
enum class PodNetwork { kFirstContainer, kPauseContainer };

class ContainerHarness : public scenario::StepLoop<ContainerHarness> {
 public:
  // `driver_socket`: where the driver talks to the engine; empty = the engine's own socket.
  explicit ContainerHarness(const testing::EngineEnv& env, const std::string& driver_socket = "",
                            RegistryCredentials credentials = {},
                            PodNetwork pause = PodNetwork::kFirstContainer,
                            const std::string& service_listen = "")
      : env_(env), engine_(std::make_shared<DockerClient>(env.socket, 20s)) {
    dir_ = std::filesystem::temp_directory_path() /
           ("capstan-ctr-" + std::to_string(::getpid()) + "-" + std::to_string(Seq()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto client =
        driver_socket.empty() ? engine_ : std::make_shared<DockerClient>(driver_socket, 20s);
    ContainerDriverOptions options;
    options.task_dir_root = (dir_ / "tasks").string();
    options.credentials = std::move(credentials);
    if (pause == PodNetwork::kPauseContainer) {
      // The fixture's busybox as the pod's network holder (as a Kubernetes pause container).
      options.pause_image = env.image;
      options.pause_command = {"/bin/sh", "-c", "trap 'exit 0' TERM; sleep 86400 & wait"};
    }
    driver_ = std::make_unique<ContainerDriver>(clock_, client, options);
    exec_checker_ = std::make_unique<EngineExecChecker>(engine_, 2);
    checker_ = std::make_unique<RoutingHealthChecker>(curl_checker_, exec_checker_.get());
    // Host ports from a block below the kernel's ephemeral range (32768+).
    NodeInfo node;
    node.name = "local";
    node.cpu_millis = 64000;
    node.memory_bytes = 64ll << 30;
    // 22000-31999; the real-process scenarios take 12000-21999.
    node.port_min = scenario::PickPortWindow(22000, 40, 250);
    node.port_max = node.port_min + 249;
    scheduler_.AddNode(node);
    OrchestratorOptions orch_options;
    orch_options.ephemeral_service_ports = true;
    orch_options.service_listen = service_listen;
    orch_options.runner.task_dir_root = (dir_ / "tasks").string();
    // Crash-loop back-off shortened so a crash-looping revision is seen in seconds.
    orch_options.runner.backoff.initial = 200ms;
    orch_options.runner.backoff.max = 1s;
    orch_options.runner.driver_retry = 500ms;
    (void)proxy_.Start();
    orch_ = std::make_unique<Orchestrator>(
        clock_, scheduler_,
        std::map<model::DriverKind, Driver*>{{model::DriverKind::kContainer, driver_.get()}},
        *checker_, events_, &proxy_, orch_options);
  }

  ~ContainerHarness() {
    for (const auto& app : orch_->Apps()) orch_->RemoveApp(app);
    const auto deadline = Steady::now() + 15s;
    while (!orch_->Apps().empty() && Steady::now() < deadline) {
      Step();
      std::this_thread::sleep_for(50ms);
    }
    Step();
    orch_.reset();
    checker_.reset();
    exec_checker_.reset();
    driver_.reset();
    // Whatever is left (a failed test, an engine that was away): removed through the engine's
    // own socket.
    auto left = engine_->ListContainers("capstan.task");
    if (left.ok()) {
      for (const auto& c : *left) {
        auto app = c.labels.find("capstan.app");
        if (app != c.labels.end() && apps_.count(app->second)) {
          (void)engine_->RemoveContainer(c.id, /*force=*/true);
        }
      }
    }
    proxy_.Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ContainerHarness(const ContainerHarness&) = delete;
  ContainerHarness& operator=(const ContainerHarness&) = delete;

  Orchestrator& orch() { return *orch_; }
  EventLog& events() { return events_; }
  ServiceProxy& proxy() { return proxy_; }
  ContainerDriver& driver() { return *driver_; }
  // A client on the engine's own socket (not through a forwarder).
  DockerClient& engine() { return *engine_; }
  const std::filesystem::path& dir() const { return dir_; }

  // One orchestrator pass; remembers the app of every task it sees (for the cleanup).
  void Step() {
    orch_->Step();
    for (const auto& [id, t] : orch_->runner().tasks()) apps_.insert(t.app);
  }

  const Task* FindTask(const std::string& id) const { return orch_->runner().Find(id); }

  // The engine id of a container of a running task, empty if none.
  std::string ContainerId(const std::string& task_id, const std::string& container) const {
    const Task* t = FindTask(task_id);
    if (!t || !t->handle) return "";
    for (const auto& c : t->handle->containers) {
      if (c.name == container) return c.container_id;
    }
    return "";
  }

  // Containers in the engine labelled with this app (any state).
  std::vector<ContainerSummary> EngineContainers(const std::string& app) {
    std::vector<ContainerSummary> out;
    auto list = engine_->ListContainers("capstan.app=" + app);
    if (list.ok()) out = std::move(*list);
    return out;
  }

 private:
  static int Seq() {
    static int n = 0;
    return n++;
  }

  testing::EngineEnv env_;
  std::shared_ptr<DockerClient> engine_;
  std::filesystem::path dir_;
  model::SystemClock clock_;
  Scheduler scheduler_;
  std::unique_ptr<ContainerDriver> driver_;
  CurlHealthChecker curl_checker_{clock_};
  std::unique_ptr<EngineExecChecker> exec_checker_;
  std::unique_ptr<RoutingHealthChecker> checker_;
  EventLog events_{clock_, 100000};
  ServiceProxy proxy_;
  std::unique_ptr<Orchestrator> orch_;
  std::set<std::string> apps_;
};

using scenario::ReadyOf;

}  // namespace capstan::orchestrator::container::e2e
