#include "cli/daemon.h"

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "cli/event_metrics.h"
#include "cli/version.h"
#include "metrics/metrics.h"
#include "model/clock.h"
#include "notify/commit_status_reporter.h"
#include "orchestrator/cgroups.h"
#include "orchestrator/cluster_ip_allocator.h"
#include "orchestrator/container/container_driver.h"
#include "orchestrator/container/docker_client.h"
#include "orchestrator/container/engine_exec_checker.h"
#include "orchestrator/curl_health_checker.h"
#include "orchestrator/event_log.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/port_probe.h"
#include "orchestrator/proc_stat.h"
#include "orchestrator/process_driver.h"
#include "orchestrator/process_scan.h"
#include "orchestrator/routing_health_checker.h"
#include "orchestrator/scheduler.h"
#include "orchestrator/service_proxy.h"
#include "reconciler/controller.h"
#include "reconciler/work_queue.h"
#include "server/daemon_api.h"
#include "server/http_server.h"
#include "sources/bootstrap_repository.h"
#include "sources/git_source.h"
#include "sources/webhooks/webhook_receiver.h"
#include "store/sqlite_store.h"
#include "targets/orchestrator_state_store.h"
#include "targets/orchestrator_target.h"

namespace capstan::cli {
namespace fs = std::filesystem;
namespace {

// The node's /etc/hosts: the first lines of every process task's hosts file.
std::string ReadNodeHosts() {
  std::ifstream in("/etc/hosts");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

orchestrator::NodeInfo LocalNode(const DaemonConfig& config) {
  orchestrator::NodeInfo node;
  node.id = 0;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  node.name = host;
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  node.cpu_millis = (cpus > 0 ? cpus : 1) * 1000;
  node.memory_bytes = static_cast<std::int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  node.labels["kubernetes.io/hostname"] = node.name;
  node.labels["capstan.io/node"] = "0";
  node.port_min = config.task_port_min;
  node.port_max = config.task_port_max;
  return node;
}

// This daemon's id on a shared container engine, kept in the state dir so that a restart finds
// its containers again: 8 random hex digits, made on first start.
model::Result<std::string> LoadInstanceId(const std::string& state_dir) {
  const std::string path = (fs::path(state_dir) / "instance-id").string();
  std::ifstream in(path);
  std::string id;
  if (in && std::getline(in, id) && id.size() == 8 &&
      id.find_first_not_of("0123456789abcdef") == std::string::npos) {
    return id;
  }
  std::random_device random;
  id = fmt::format("{:08x}", random());
  std::ofstream out(path, std::ios::trunc);
  out << id << "\n";
  if (!out.flush()) {
    return model::Status::Error(model::ErrorCode::kIoError, "cannot write " + path);
  }
  return id;
}

// The container driver on the engine the config names or the first that answers. With none
// answering, it still points at the first candidate, so container tasks wait for that engine
// ("DriverUnavailable") while process tasks run.
model::Result<std::unique_ptr<orchestrator::container::ContainerDriver>> MakeContainerDriver(
    const ContainerEngineConfig& config, model::Clock& clock, const std::string& task_root,
    const std::string& instance) {
  namespace container = orchestrator::container;
  std::map<std::string, std::string> env;
  for (const char* name : {"DOCKER_HOST", "DOCKER_CONFIG", "HOME", "XDG_RUNTIME_DIR"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  std::string socket;
  auto found = container::DiscoverEngineSocket(config.socket, env);
  if (found.ok()) {
    socket = *found;
    spdlog::info("container engine: {}", socket);
  } else {
    spdlog::warn("container workloads will wait for an engine: {}", found.status().message());
    socket = !config.socket.empty() ? config.socket : "/var/run/docker.sock";
    if (socket.rfind("unix://", 0) == 0) socket = socket.substr(7);
  }
  container::ContainerDriverOptions options;
  options.task_dir_root = task_root;
  options.instance = instance;
  options.pause_image = config.pause_image;
  options.pause_command = config.pause_command;
  options.publish_host_ip = config.publish_address;
  const std::string docker_config =
      config.docker_config.empty() ? container::DefaultDockerConfigPath(env) : config.docker_config;
  auto credentials = container::RegistryCredentials::Load(docker_config);
  if (!credentials.ok()) return credentials.status();
  options.credentials = std::move(*credentials);
  auto client = std::make_shared<container::DockerClient>(socket, std::chrono::seconds(10));
  return std::make_unique<container::ContainerDriver>(clock, std::move(client), std::move(options));
}

// %* in a pattern: the message as the inside of a JSON string (quotes, backslashes and control
// characters escaped), so a message that quotes what it rejects keeps the line valid JSON.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (const char c : msg.payload) {
      if (c == '"' || c == '\\') {
        dest.push_back('\\');
        dest.push_back(c);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        const std::string escaped = fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        dest.append(escaped.data(), escaped.data() + escaped.size());
      } else {
        dest.push_back(c);
      }
    }
  }
  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

void SetUpLogging(const DaemonConfig& config) {
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  if (config.log_format == "json") {
    // One JSON object per line; messages are escaped by the %* flag above.
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","logger":"capstan","message":"%*"})");
    spdlog::set_formatter(std::move(formatter));
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
}

// A plain folder (examples/repo) becomes a Git repository under the state dir on first run.
model::Result<std::string> ResolveRepositoryUrl(const RepositoryConfig& repo,
                                                const std::string& state_dir) {
  const std::string& url = repo.url;
  if (url.find("://") != std::string::npos || url.rfind("git@", 0) == 0) return url;
  if (!fs::is_directory(url)) {
    return model::Status::Error(model::ErrorCode::kNotFound, url + ": no such repository");
  }
  if (sources::IsGitRepository(url)) return url;
  const std::string dest =
      (fs::path(state_dir) / "repos" / (repo.name.empty() ? "default" : repo.name)).string();
  if (!sources::IsGitRepository(dest)) {
    if (auto s = sources::BootstrapRepository(url, dest, "Import " + url); !s.ok()) return s;
    spdlog::info(
        "{} is not a Git repository: imported it as a new repository at {} (commit "
        "there to deploy)",
        url, dest);
  }
  return dest;
}

std::atomic<bool> g_reload{false};

}  // namespace

int RunDaemon(DaemonConfig config, const std::string& config_file) {
  SetUpLogging(config);
  // Signals are taken by one thread with sigwait; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (config.state_dir.empty()) {
    const char* home = getenv("HOME");
    config.state_dir = std::string(home ? home : "/var/lib") + "/.local/state/capstan";
  }
  std::error_code ec;
  fs::create_directories(config.state_dir, ec);
  chmod(config.state_dir.c_str(), 0700);
  if (config.repositories.empty()) {
    spdlog::error("no repository: give --repo or a config file with repositories");
    return 1;
  }

  model::SystemClock clock;
  metrics::Metrics metrics(kVersion);

  auto opened = store::SqliteStore::Open((fs::path(config.state_dir) / "capstan.db").string());
  if (!opened.ok()) {
    spdlog::error("{}", opened.status().ToString());
    return 1;
  }
  std::unique_ptr<store::SqliteStore> store = std::move(*opened);

  // The orchestrator and its collaborators.
  orchestrator::Scheduler scheduler(1);
  scheduler.AddNode(LocalNode(config));
  orchestrator::CgroupManager cgroups = orchestrator::CgroupManager::Detect();
  if (!cgroups.available()) spdlog::warn("resource limits are not enforced: {}", cgroups.reason());
  const std::string task_root = (fs::path(config.state_dir) / "tasks").string();
  orchestrator::ProcessDriver process_driver(task_root, &cgroups);
  auto instance = LoadInstanceId(config.state_dir);
  if (!instance.ok()) {
    spdlog::error("{}", instance.status().ToString());
    return 1;
  }
  auto container_driver = MakeContainerDriver(config.containers, clock, task_root, *instance);
  if (!container_driver.ok()) {
    spdlog::error("{}", container_driver.status().ToString());
    return 1;
  }
  orchestrator::CurlHealthChecker host_checker(clock);
  orchestrator::container::EngineExecChecker engine_checker((*container_driver)->shared_client());
  orchestrator::RoutingHealthChecker checker(host_checker, &engine_checker);
  orchestrator::EventLog events(clock, 4096);
  orchestrator::ServiceProxy proxy;
  if (auto s = proxy.Start(); !s.ok()) {
    spdlog::error("service proxy: {}", s.ToString());
    return 1;
  }
  // Host ports handed to tasks are checked free on this machine (issue 9).
  orchestrator::SocketPortProbe port_probe;
  orchestrator::OrchestratorOptions orchestrator_options;
  orchestrator_options.runner.task_dir_root = task_root;
  orchestrator_options.service_listen = config.service_address;
  if (auto range = orchestrator::ParseIpv4Range(config.service_cidr); !range.ok()) {
    spdlog::error("--service-cidr: {}", range.status().message());
    return 1;
  }
  orchestrator_options.service_cidr = config.service_cidr;
  orchestrator_options.node_hosts = ReadNodeHosts();
  orchestrator::Orchestrator orch(clock, scheduler,
                                  {{model::DriverKind::kProcess, &process_driver},
                                   {model::DriverKind::kContainer, container_driver->get()}},
                                  checker, events, &proxy, orchestrator_options);
  orch.SetPortProbe(&port_probe);

  // Resume: re-adopt what the previous run left, before anything new is applied.
  targets::OrchestratorStateStore state_store(*store, clock);
  auto state = state_store.Load();
  if (!state.ok()) {
    spdlog::error("cannot read the saved state: {}", state.status().ToString());
    return 1;
  }
  std::vector<std::string> unknown;
  for (const auto& t : state->tasks) {
    if (!t.handle) unknown.push_back(t.id);
  }
  // Tasks of removed applications that were still stopping when the last run ended.
  std::vector<std::string> orphan_ids;
  orchestrator::container::ContainerDriver& containers = **container_driver;
  // Container tasks by the labels on their containers (those started just before a crash).
  std::map<std::string, orchestrator::TaskHandle> labelled;
  if (containers.Available().ok()) {
    auto listed = containers.ListManagedTasks();
    if (listed.ok()) labelled = std::move(*listed);
  }
  for (const auto& h : state_store.orphans()) {
    if (h.driver == "container" || labelled.count(h.task_id)) {
      auto it = labelled.find(h.task_id);
      spdlog::info("task {}: its application is gone; removing its containers", h.task_id);
      (void)containers.Cleanup(it != labelled.end() ? it->second : h);
      continue;
    }
    for (const auto& c : h.containers) {
      if (c.pid > 0 && orchestrator::ProcessMatches(c.pid, c.start_time_ticks)) {
        spdlog::info("task {}: its application is gone; stopping process {}", h.task_id, c.pid);
        kill(-c.pid, SIGKILL);
      }
    }
    if (h.containers.empty()) orphan_ids.push_back(h.task_id);
  }
  for (const auto& [id, processes] : orchestrator::FindProcessesByTaskId(orphan_ids)) {
    for (const auto& c : processes) kill(-c.pid, SIGKILL);
  }
  const auto found = orchestrator::FindProcessesByTaskId(unknown);
  for (auto& t : state->tasks) {
    if (t.handle) continue;
    if (t.tmpl.driver == model::DriverKind::kContainer) {
      if (auto it = labelled.find(t.id); it != labelled.end()) {
        t.handle = it->second;
        spdlog::info("task {}: found its containers (started just before the last stop)", t.id);
      }
      continue;
    }
    auto it = found.find(t.id);
    if (it == found.end()) continue;
    if (it->second.size() == 1 && t.tmpl.containers.size() == 1) {
      orchestrator::TaskHandle handle;
      handle.driver = "process";
      handle.task_id = t.id;
      orchestrator::ContainerHandle c = it->second.front();
      c.name = t.tmpl.containers.front().name;
      handle.containers.push_back(c);
      t.handle = handle;
      spdlog::info("task {}: found its process {} (started just before the last stop)", t.id,
                   c.pid);
    } else {
      // Started, but not recognisably: stop it rather than run it twice.
      for (const auto& c : it->second) kill(-c.pid, SIGKILL);
    }
  }
  if (auto s = orch.Import(*state); !s.ok()) spdlog::warn("re-adopting tasks: {}", s.ToString());
  orch.SetJournal(
      [&state_store](const orchestrator::JournalEntry& e) { state_store.OnJournal(e); });
  spdlog::info("resumed {} task(s) and {} workload(s) from {}", state->tasks.size(),
               state->workloads.size(), config.state_dir);

  targets::OrchestratorTarget target(orch);
  reconciler::ControllerOptions controller_options;
  controller_options.render.strict = config.strict;
  controller_options.render.default_driver = config.default_driver;
  controller_options.default_app_options = config.default_app_options;
  controller_options.app_options = config.app_options;
  reconciler::Controller controller(
      clock, target, store.get(), &metrics,
      [&events](const std::string& object, bool warning, const std::string& reason,
                const std::string& message) {
        events.Record(
            object, warning ? orchestrator::EventType::kWarning : orchestrator::EventType::kNormal,
            reason, message);
      },
      controller_options);

  webhooks::ReceiverConfig receiver_config;
  // Commit status reporters by the repository URL the controller knows it by.
  std::map<std::string, std::unique_ptr<notify::CommitStatusReporter>> reporters;
  for (const auto& repo_config : config.repositories) {
    auto url = ResolveRepositoryUrl(repo_config, config.state_dir);
    if (!url.ok()) {
      spdlog::error("repository {}: {}", repo_config.url, url.status().ToString());
      return 1;
    }
    sources::SourceConfig source_config;
    source_config.url = *url;
    source_config.ref = repo_config.ref;
    source_config.path = repo_config.path == "." ? "" : repo_config.path;
    source_config.cache_dir = (fs::path(config.state_dir) / "cache" /
                               fmt::format("{:016x}", std::hash<std::string>{}(*url)))
                                  .string();
    source_config.credentials = repo_config.credentials;
    auto source = sources::GitSource::Create(source_config, clock);
    if (!source.ok()) {
      spdlog::error("repository {}: {}", *url, source.status().ToString());
      return 1;
    }
    if (repo_config.commit_status) {
      const CommitStatusConfig& cs = *repo_config.commit_status;
      notify::StatusTarget target;
      target.provider = cs.provider == "github"   ? notify::StatusTarget::kGitHub
                        : cs.provider == "gitlab" ? notify::StatusTarget::kGitLab
                        : cs.provider == "gitea"  ? notify::StatusTarget::kGitea
                                                  : notify::StatusTarget::kWebhook;
      target.api_url = cs.api_url;
      target.repository = cs.repository;
      if (!cs.token_file.empty()) {
        auto token = ReadSecretFile(cs.token_file);
        if (!token.ok()) {
          spdlog::error("commit status: {}", token.status().ToString());
          return 1;
        }
        target.token = *token;
      }
      reporters[*url] = std::make_unique<notify::CommitStatusReporter>(target, clock);
    }
    reconciler::RepositoryOptions repo_options{repo_config.name, *url, repo_config.interval};
    controller.AddRepository(repo_options, std::move(*source));
    webhooks::TrackedRepository tracked;
    tracked.url = repo_config.url;
    tracked.ref_kind = repo_config.ref.kind == sources::RefKind::kTag ? webhooks::RefKind::kTag
                                                                      : webhooks::RefKind::kBranch;
    tracked.ref = repo_config.ref.name;
    receiver_config.repositories.push_back(tracked);
    // A push that names the imported copy also counts.
    if (*url != repo_config.url) {
      tracked.url = *url;
      receiver_config.repositories.push_back(tracked);
    }
  }
  auto read_secret = [](const std::string& file) -> std::string {
    if (file.empty()) return "";
    auto secret = ReadSecretFile(file);
    if (!secret.ok()) {
      spdlog::error("{}", secret.status().ToString());
      return "";
    }
    return *secret;
  };
  const std::string shared_secret = read_secret(config.webhook_secret_file);
  for (auto [name, provider] : {std::pair{"github", webhooks::Provider::kGitHub},
                                std::pair{"gitlab", webhooks::Provider::kGitLab},
                                std::pair{"gitea", webhooks::Provider::kGitea}}) {
    auto it = config.webhook_secret_files.find(name);
    const std::string secret =
        it != config.webhook_secret_files.end() ? read_secret(it->second) : shared_secret;
    if (!secret.empty()) receiver_config.secrets[provider] = secret;
  }
  if (receiver_config.secrets.empty()) {
    spdlog::info("no webhook secret configured: /hooks/* refuse every request (403)");
  }
  webhooks::WebhookReceiver receiver(receiver_config, clock);

  if (!reporters.empty()) {
    controller.SetCommitStatusSink([&reporters](const std::string& repo, const std::string& app,
                                                const std::string& commit, const std::string& state,
                                                const std::string& description) {
      auto it = reporters.find(repo);
      if (it == reporters.end()) return;
      notify::CommitStatus status;
      status.commit = commit;
      status.state = state == "success"   ? notify::CommitState::kSuccess
                     : state == "failure" ? notify::CommitState::kFailure
                                          : notify::CommitState::kPending;
      status.context = "capstan/" + app;
      status.description = description;
      it->second->Report(std::move(status));
    });
  }
  if (auto s = controller.Restore(); !s.ok()) spdlog::warn("{}", s.ToString());

  reconciler::WorkQueue loop;
  server::DaemonApi api(
      controller, loop, metrics, store.get(), &receiver,
      [&orch, &process_driver, &containers](const std::string& app, const std::string& task_id,
                                            std::size_t max_bytes) -> model::Result<std::string> {
        const orchestrator::Task* task = orch.runner().Find(task_id);
        if (!task || task->app != app || (!task->handle && !task->tmpl)) {
          return model::Status::Error(model::ErrorCode::kNotFound,
                                      fmt::format("no task {} in {}", task_id, app));
        }
        // A task that ended (a finished Job, a container between restarts) has no handle any
        // more; the drivers still serve the logs they kept in the task's folder by task id and
        // container name.
        orchestrator::TaskHandle handle;
        if (task->handle) {
          handle = *task->handle;
        } else {
          handle.driver = task->tmpl->driver == model::DriverKind::kContainer
                              ? containers.Name()
                              : process_driver.Name();
          handle.task_id = task->id;
          for (const auto& c : task->tmpl->containers) {
            handle.containers.push_back(orchestrator::ContainerHandle{c.name, 0, 0, ""});
          }
        }
        std::string out;
        for (const auto& c : handle.containers) {
          orchestrator::Driver& driver = handle.driver == containers.Name()
                                             ? static_cast<orchestrator::Driver&>(containers)
                                             : static_cast<orchestrator::Driver&>(process_driver);
          if (c.name == "POD") continue;  // a pod's network holder has nothing to say
          auto logs = driver.Logs(handle, c.name, max_bytes);
          if (!logs.ok()) return logs.status();
          if (handle.containers.size() > 1) out += fmt::format("==> {} <==\n", c.name);
          out += *logs;
        }
        return out;
      });

  server::ServerOptions server_options;
  server_options.host = config.listen_host;
  server_options.port = config.listen_port;
  if (!config.token_file.empty()) {
    auto token = ReadSecretFile(config.token_file);
    if (!token.ok()) {
      spdlog::error("{}", token.status().ToString());
      return 1;
    }
    server_options.api_token = *token;
  }
  server::HttpServer http(server_options, api);
  if (auto s = http.Start(); !s.ok()) {
    spdlog::error("{}", s.ToString());
    return 1;
  }
  spdlog::info("capstan {} serving on http://{}:{} (state in {})", kVersion, config.listen_host,
               http.port(), config.state_dir);

  std::atomic<bool> stop{false};
  std::thread signal_thread([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGHUP) {
        g_reload = true;
        loop.Post([] {});
        continue;
      }
      spdlog::info("received {}: saving state and leaving workloads running",
                   sig == SIGTERM ? "SIGTERM" : "SIGINT");
      stop = true;
      loop.Post([] {});
      return;
    }
  });

  std::uint64_t event_seq = 0;
  EventMetrics event_metrics(metrics);
  auto flush_events = [&] {
    event_metrics.CountRestarts(orch.runner());
    auto fresh = events.Events("", event_seq);
    if (fresh.empty()) return;
    store::WriteBatch batch;
    for (const auto& e : fresh) {
      event_seq = e.seq;
      event_metrics.OnEvent(e, orch.runner());
      store::EventRecord r;
      r.time =
          std::chrono::duration_cast<std::chrono::milliseconds>(e.time.time_since_epoch()).count();
      r.object = e.object;
      r.type = orchestrator::EventTypeName(e.type);
      r.reason = e.reason;
      r.message = e.message;
      batch.Append(std::move(r));
    }
    if (auto s = store->Write(batch); !s.ok()) spdlog::error("store events: {}", s.ToString());
  };

  while (!stop) {
    loop.RunPending();
    if (g_reload.exchange(false) && !config_file.empty()) {
      DaemonConfig fresh = config;
      if (auto s = LoadConfigFile(config_file, fresh); !s.ok()) {
        spdlog::error("reload: {}", s.ToString());
      } else {
        spdlog::info("reloaded {} (application options; repository changes need a restart)",
                     config_file);
        config.app_options = fresh.app_options;
        config.default_app_options = fresh.default_app_options;
        controller.SetAppOptions(config.default_app_options, config.app_options);
      }
    }
    controller.Tick();
    if (auto s = state_store.Save(orch.Export()); !s.ok()) {
      spdlog::error("saving state: {}", s.ToString());
    }
    flush_events();
    api.Heartbeat();
    if (stop) break;
    loop.WaitFor(config.step_interval);
  }

  http.Stop();
  if (auto s = state_store.Save(orch.Export()); !s.ok()) spdlog::error("{}", s.ToString());
  flush_events();
  for (auto& [url, reporter] : reporters) reporter->Flush(std::chrono::seconds(5));
  signal_thread.join();
  proxy.Stop();
  spdlog::info("stopped; workloads keep running and are re-adopted on the next start");
  return 0;
}

}  // namespace capstan::cli
