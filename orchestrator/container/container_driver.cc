#include "orchestrator/container/container_driver.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>

#include "orchestrator/dependency_gate.h"
#include "orchestrator/security_context.h"
#include "orchestrator/task_files.h"

namespace capstan::orchestrator::container {

using model::ErrorCode;
using model::Result;
using model::Status;

namespace {

constexpr char kLabelApp[] = "capstan.app";
constexpr char kLabelWorkload[] = "capstan.workload";
constexpr char kLabelTask[] = "capstan.task";
constexpr char kLabelRevision[] = "capstan.revision";
constexpr char kLabelContainer[] = "capstan.container";
constexpr char kLabelEssential[] = "capstan.essential";
constexpr char kLabelDependsOn[] = "capstan.depends-on";
constexpr char kLabelInstance[] = "capstan.instance";
// The member name of a pod's infra (pause) container; never a valid container name of a
// manifest (upper case), so it cannot clash.
constexpr char kPauseMember[] = "POD";
// A pod's network holder when its containers all wait on others or may exit, and no pause image
// is configured: Kubernetes' pause image (pulled when absent).
constexpr char kDefaultPauseImage[] = "registry.k8s.io/pause:3.9";
// How long a finished pull is reused by other tasks of the same image before pulling again.
constexpr auto kPullReuse = std::chrono::seconds(30);

// "<instance>-<task>.<member>": unique per daemon on a shared engine.
std::string EngineName(const std::string& instance, const std::string& task_id,
                       const std::string& member) {
  return (instance.empty() ? "" : instance + "-") + task_id + "." + member;
}

const char* ConditionName(model::DependencyCondition c) {
  switch (c) {
    case model::DependencyCondition::kStart:
      return "START";
    case model::DependencyCondition::kComplete:
      return "COMPLETE";
    case model::DependencyCondition::kSuccess:
      return "SUCCESS";
    case model::DependencyCondition::kHealthy:
      return "HEALTHY";
  }
  return "START";
}

// "db:HEALTHY,init:SUCCESS": kept on the container so a restarted daemon knows what it waits for.
std::string EncodeDependencies(const std::vector<model::ContainerDependency>& deps) {
  std::string out;
  for (const auto& d : deps) {
    if (!out.empty()) out += ",";
    out += d.container + ":" + ConditionName(d.condition);
  }
  return out;
}

std::vector<model::ContainerDependency> DecodeDependencies(const std::string& text) {
  std::vector<model::ContainerDependency> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    pos = end + 1;
    std::size_t colon = item.rfind(':');
    if (colon == std::string::npos) continue;
    model::ContainerDependency d;
    d.container = item.substr(0, colon);
    std::string cond = item.substr(colon + 1);
    d.condition = cond == "COMPLETE"  ? model::DependencyCondition::kComplete
                  : cond == "SUCCESS" ? model::DependencyCondition::kSuccess
                  : cond == "HEALTHY" ? model::DependencyCondition::kHealthy
                                      : model::DependencyCondition::kStart;
    out.push_back(std::move(d));
  }
  return out;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool IsRunningState(const std::string& state) { return state == "running" || state == "paused"; }
bool IsCreatedState(const std::string& state) {
  return state == "created" || state == "configured" || state == "initialized";
}

// Config.User from securityContext (runAsUser[:runAsGroup]), else the container's `user` (ECS),
// else, when only runAsGroup is set, the image's user with that group. `image_user` is asked
// only when needed (it inspects the image).
Result<std::string> EngineUser(const ContainerLaunch& c,
                               const std::function<Result<std::string>()>& image_user) {
  const model::SecurityContext& sc = c.security;
  const std::string group = sc.run_as_group ? ":" + std::to_string(*sc.run_as_group) : "";
  if (sc.run_as_user) return std::to_string(*sc.run_as_user) + group;
  if (!c.user.empty()) {
    return c.user.find(':') == std::string::npos ? c.user + group : c.user;
  }
  if (group.empty()) return std::string();
  auto image = image_user();
  if (!image.ok()) return image.status();
  std::string base = image->substr(0, image->find(':'));
  return (base.empty() ? "0" : base) + group;
}

// securityContext and ulimits onto the create request, as the CRI runtimes map them for
// Docker/Podman (Kubernetes' dockershim security_context.go did the same): privileged,
// readOnlyRootFilesystem, capabilities add/drop, allowPrivilegeEscalation: false ->
// no-new-privileges, runAs* -> Config.User. runAsNonRoot is checked here, before anything is
// created, as kubelet's verifyRunAsNonRoot: the effective user is runAsUser, else `user`, else
// the image's Config.User (empty = root).
Status ApplySecurity(const ContainerLaunch& c,
                     const std::function<Result<std::string>()>& image_user,
                     CreateContainerRequest* req) {
  auto user = EngineUser(c, image_user);
  if (!user.ok()) return user.status();
  req->user = *user;
  const model::SecurityContext& sc = c.security;
  if (sc.run_as_non_root.value_or(false)) {
    std::string effective = *user;
    if (!sc.run_as_user && effective.empty()) {
      auto image = image_user();
      if (!image.ok()) return image.status();
      effective = *image;
    }
    UserSpec parsed = ParseUserSpec(effective);
    if (effective.empty()) parsed.uid = 0;
    if (Status s = VerifyRunAsNonRoot(sc, parsed.uid, parsed.user_name, c.name); !s.ok()) {
      return s;
    }
  }
  req->privileged = sc.privileged.value_or(false);
  req->read_only_rootfs = sc.read_only_root_filesystem.value_or(false);
  req->cap_add = sc.capabilities_add;
  req->cap_drop = sc.capabilities_drop;
  if (!sc.allow_privilege_escalation.value_or(true)) {
    req->security_opt.push_back("no-new-privileges");
  }
  for (const model::Ulimit& u : c.ulimits) {
    req->ulimits.push_back(UlimitSetting{u.name, u.soft, u.hard});
  }
  return Status::Ok();
}

}  // namespace

// One task's containers as the driver tracks them.
struct ContainerDriver::PodState {
  struct Member {
    std::string name;
    std::string id;
    bool pause = false;
    bool essential = true;
    bool sidecar = false;  // SIGTERM once the others have exited (not known after a restart)
    std::vector<model::ContainerDependency> depends_on;
    bool started = false;
    bool healthy = false;
    std::string blocked;  // why it can never start (a dependency that cannot hold any more)
  };
  std::string task_id;
  std::string task_dir;
  std::size_t max_log_bytes = 10 << 20;
  bool stopping = false;
  bool sidecars_to_stop = false;  // Stop() held SIGTERM back from the sidecars
  std::vector<Member> members;    // the pause container first, when there is one
  std::string netns;              // the holder's network namespace, once known

  Member* Find(const std::string& name) {
    for (auto& m : members) {
      if (m.name == name) return &m;
    }
    return nullptr;
  }
};

// Pulls images on one background thread so that a slow registry never holds the loop. The loop
// asks with Request(); a finished pull is stamped with the loop's clock when first seen. The
// thread shares its state and is detached at destruction: a pull can take minutes and the
// daemon must not wait for it to exit.
class ContainerDriver::Puller {
 public:
  Puller(std::shared_ptr<DockerClient> client, std::chrono::milliseconds timeout)
      : state_(std::make_shared<State>()) {
    state_->client = std::move(client);
    state_->timeout = timeout;
    std::thread([state = state_] { Run(*state); }).detach();
  }
  ~Puller() {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->stopping = true;
    }
    state_->cv.notify_all();
  }

  // nullopt while the pull is queued or running; then its outcome, reused for kPullReuse.
  std::optional<Status> Request(const std::string& image, const std::optional<RegistryAuth>& auth,
                                model::TimePoint now) {
    State& st = *state_;
    std::lock_guard<std::mutex> lock(st.mu);
    auto it = st.pulls.find(image);
    if (it != st.pulls.end()) {
      Pull& p = it->second;
      if (!p.done) return std::nullopt;
      if (!p.seen) {
        p.seen = true;
        p.finished_at = now;
      }
      if (now - p.finished_at < kPullReuse) return p.status;
      st.pulls.erase(it);
    }
    st.pulls[image] = Pull{};
    st.queue.push_back({image, auth});
    st.cv.notify_one();
    return std::nullopt;
  }

 private:
  struct Pull {
    bool done = false;
    bool seen = false;
    Status status;
    model::TimePoint finished_at{};
  };
  struct State {
    std::shared_ptr<DockerClient> client;
    std::chrono::milliseconds timeout{0};
    std::mutex mu;
    std::condition_variable cv;
    bool stopping = false;
    std::deque<std::pair<std::string, std::optional<RegistryAuth>>> queue;
    std::map<std::string, Pull> pulls;
  };

  static void Run(State& st) {
    for (;;) {
      std::pair<std::string, std::optional<RegistryAuth>> job;
      {
        std::unique_lock<std::mutex> lock(st.mu);
        st.cv.wait(lock, [&st] { return st.stopping || !st.queue.empty(); });
        if (st.stopping) return;
        job = std::move(st.queue.front());
        st.queue.pop_front();
      }
      spdlog::info("container driver: pulling image {}", job.first);
      Status s = st.client->PullImage(job.first, job.second, st.timeout);
      if (!s.ok()) spdlog::warn("container driver: pull {}: {}", job.first, s.message());
      std::lock_guard<std::mutex> lock(st.mu);
      Pull& p = st.pulls[job.first];
      p.done = true;
      p.status = s;
    }
  }

  std::shared_ptr<State> state_;
};

ContainerDriver::ContainerDriver(model::Clock& clock, std::shared_ptr<DockerClient> client,
                                 ContainerDriverOptions options)
    : clock_(clock),
      client_(std::move(client)),
      options_(std::move(options)),
      puller_(std::make_unique<Puller>(client_, options_.pull_timeout)) {}

ContainerDriver::~ContainerDriver() = default;

Status ContainerDriver::Refresh(bool force) {
  const model::TimePoint now = clock_.Now();
  if (!force && refreshed_ && now - last_refresh_ < options_.refresh_interval) {
    return engine_status_;
  }
  refreshed_ = true;
  last_refresh_ = now;
  // Only this daemon's containers: another daemon on the same engine may run the same apps.
  auto list = client_->ListContainers(options_.instance.empty()
                                          ? std::string(kLabelTask)
                                          : std::string(kLabelInstance) + "=" + options_.instance);
  if (!list.ok()) {
    if (engine_status_.ok()) spdlog::warn("container engine: {}", list.status().message());
    engine_status_ = Status::Error(ErrorCode::kUnavailable,
                                   fmt::format("container engine at {} does not answer: {}; "
                                               "start Docker or Podman there, point "
                                               "--container-engine at the engine's socket, or run "
                                               "the workload as a process (capstan.io/driver: "
                                               "process, or --default-driver process)",
                                               client_->socket_path(), list.status().message()));
    return engine_status_;
  }
  if (!engine_status_.ok()) spdlog::info("container engine at {} is back", client_->socket_path());
  engine_status_ = Status::Ok();
  containers_.clear();
  for (auto& c : *list) containers_[c.id] = std::move(c);
  // Removals that failed while the engine was away.
  for (auto it = pending_removal_.begin(); it != pending_removal_.end();) {
    if (client_->RemoveContainer(*it, /*force=*/true).ok()) {
      it = pending_removal_.erase(it);
    } else {
      ++it;
    }
  }
  return engine_status_;
}

Status ContainerDriver::Available() { return Refresh(false); }

Status ContainerDriver::EnsureImage(const std::string& image, model::ImagePullPolicy policy) {
  auto ref = ParseImageReference(image);
  if (!ref.ok()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         fmt::format("image \"{}\": {}", image, ref.status().message()));
  }
  if (policy == model::ImagePullPolicy::kDefault) {
    policy = DefaultPullAlways(*ref) ? model::ImagePullPolicy::kAlways
                                     : model::ImagePullPolicy::kIfNotPresent;
  }
  if (policy != model::ImagePullPolicy::kAlways) {
    auto exists = client_->ImageExists(image);
    if (!exists.ok()) return exists.status();
    if (*exists) return Status::Ok();
    if (policy == model::ImagePullPolicy::kNever) {
      return Status::Error(ErrorCode::kNotFound,
                           fmt::format("image {} is not present and imagePullPolicy is Never "
                                       "(ErrImageNeverPull)",
                                       image));
    }
  }
  std::optional<Status> pulled =
      puller_->Request(image, options_.credentials.For(ref->registry), clock_.Now());
  if (!pulled) {
    return Status::Error(ErrorCode::kUnavailable, fmt::format("pulling image {}", image));
  }
  if (pulled->ok()) return Status::Ok();
  // A registry that does not answer is a failed pull (ErrImagePull), not an engine outage.
  ErrorCode code = pulled->code();
  if (code == ErrorCode::kUnavailable && client_->Ping().ok()) code = ErrorCode::kIoError;
  return Status::Error(code, fmt::format("ErrImagePull: {}", pulled->message()));
}

void ContainerDriver::RemoveQuietly(const std::string& id) {
  if (!client_->RemoveContainer(id, /*force=*/true).ok()) pending_removal_.insert(id);
  containers_.erase(id);
  exited_.erase(id);
}

Result<std::string> ContainerDriver::CreateReplacing(const CreateContainerRequest& request) {
  auto id = client_->CreateContainer(request);
  if (!id.ok() && id.status().code() == ErrorCode::kAlreadyExists) {
    // Left by an earlier attempt of the same task (a daemon that died mid-start).
    (void)client_->RemoveContainer(request.name, /*force=*/true);
    id = client_->CreateContainer(request);
  }
  return id;
}

namespace {

// Kubernetes: command replaces ENTRYPOINT and drops CMD; args replace CMD. The environment in
// order, with CAPSTAN_TASK_ID (re-adoption finds containers by it) unless the task set it.
void SetImageCommandAndEnv(const ContainerLaunch& c, const std::string& task_id,
                           CreateContainerRequest* req) {
  req->image = c.image;
  if (!c.command.empty()) req->entrypoint = c.command;
  if (!c.args.empty()) {
    req->cmd = c.args;
  } else if (!c.command.empty()) {
    req->cmd = std::vector<std::string>{};
  }
  bool has_task_id = false;
  for (const auto& [k, v] : c.env) {
    req->env.push_back(k + "=" + v);
    has_task_id = has_task_id || k == "CAPSTAN_TASK_ID";
  }
  if (!has_task_id) req->env.push_back("CAPSTAN_TASK_ID=" + task_id);
  req->working_dir = c.working_dir;
}

// The bind mounts of one container: its volumes (configMap and secret read-only) and, when the
// task has one, its hosts file as /etc/hosts (Service names, rewritten in place).
Result<std::vector<BindMount>> BindsFor(const ContainerLaunch& c,
                                        const std::map<std::string, std::string>& volume_dirs,
                                        const std::map<std::string, model::VolumeType>& types,
                                        const std::string& hosts_file) {
  std::vector<BindMount> binds;
  for (const auto& mount : c.mounts) {
    auto dir = volume_dirs.find(mount.name);
    if (dir == volume_dirs.end()) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("container {} mounts volume \"{}\", which the task does "
                                       "not declare",
                                       c.name, mount.name));
    }
    if (!mount.sub_path.empty() && !ContainedRelative(mount.sub_path)) {
      return Status::Error(ErrorCode::kInvalidArgument,
                           fmt::format("container {}: bad subPath '{}'", c.name, mount.sub_path));
    }
    BindMount bind;
    bind.host_path = dir->second + (mount.sub_path.empty() ? "" : "/" + mount.sub_path);
    bind.container_path = mount.mount_path.empty() || mount.mount_path[0] != '/'
                              ? "/" + mount.mount_path
                              : mount.mount_path;
    auto type = types.find(mount.name);
    const bool config = type != types.end() && (type->second == model::VolumeType::kConfigMap ||
                                                type->second == model::VolumeType::kSecret);
    bind.read_only = mount.read_only || config;
    binds.push_back(std::move(bind));
  }
  if (!hosts_file.empty()) binds.push_back(BindMount{hosts_file, "/etc/hosts", true});
  return binds;
}

}  // namespace

Result<TaskHandle> ContainerDriver::Start(const LaunchSpec& spec) {
  if (spec.containers.empty()) {
    return Status::Error(ErrorCode::kInvalidArgument,
                         "task " + spec.task_id + " has no containers");
  }
  if (!ContainedRelative(spec.task_id) || spec.task_id.find('/') != std::string::npos) {
    return Status::Error(ErrorCode::kInvalidArgument, "bad task id '" + spec.task_id + "'");
  }
  if (Status s = Refresh(false); !s.ok()) return s;
  // Who holds the pod's network namespace: a pause container when one is configured, else the
  // first essential container that waits on nothing (it runs as long as the task does). A pod
  // whose containers all wait or may exit needs a pause container; Kubernetes' own by default.
  std::size_t holder_index = spec.containers.size();
  for (std::size_t i = 0; i < spec.containers.size(); ++i) {
    const ContainerLaunch& c = spec.containers[i];
    if (c.essential && c.depends_on.empty()) {
      holder_index = i;
      break;
    }
  }
  const bool multi = spec.containers.size() > 1;
  const bool use_pause =
      multi && (!options_.pause_image.empty() || holder_index == spec.containers.size());
  const std::string pause_image =
      options_.pause_image.empty() ? std::string(kDefaultPauseImage) : options_.pause_image;
  if (!multi) holder_index = 0;
  for (const auto& c : spec.containers) {
    if (Status s = EnsureImage(c.image, c.image_pull_policy); !s.ok()) {
      return s.WithContext("container " + c.name);
    }
  }
  if (use_pause) {
    if (Status s = EnsureImage(pause_image, model::ImagePullPolicy::kIfNotPresent); !s.ok()) {
      return s.WithContext("pause container");
    }
  }

  auto pod = std::make_unique<PodState>();
  pod->task_id = spec.task_id;
  pod->task_dir =
      spec.task_dir.empty() ? options_.task_dir_root + "/" + spec.task_id : spec.task_dir;
  pod->max_log_bytes = spec.max_log_bytes;
  if (Status s = MakeDirs(pod->task_dir + "/logs"); !s.ok()) return s;
  std::map<std::string, std::string> volume_dirs;
  if (Status s = PrepareTaskVolumes(spec, pod->task_dir, /*private_secrets=*/false, &volume_dirs);
      !s.ok()) {
    return s.WithContext("task " + spec.task_id);
  }
  if (!spec.hosts_file.empty()) {
    if (Status s = WriteHostsFile(pod->task_dir, spec.hosts_file); !s.ok()) return s;
  }
  std::map<std::string, model::VolumeType> volume_types;
  for (const auto& v : spec.volumes) volume_types[v.name] = v.type;

  std::map<std::string, std::string> base_labels = spec.labels;
  base_labels[kLabelApp] = spec.app;
  base_labels[kLabelWorkload] = spec.workload;
  base_labels[kLabelTask] = spec.task_id;
  base_labels[kLabelRevision] = spec.revision;
  if (!options_.instance.empty()) base_labels[kLabelInstance] = options_.instance;

  // Every port of the pod is published by the network namespace's holder.
  std::vector<PortPublish> ports;
  for (const auto& c : spec.containers) {
    for (const auto& b : c.ports) {
      ports.push_back(
          PortPublish{b.container_port, b.host_port, Lower(b.protocol), options_.publish_host_ip});
    }
  }
  auto fail = [&](Status s) -> Status {
    for (const auto& m : pod->members) RemoveQuietly(m.id);
    return s;
  };

  // Services are reached at host.containers.internal (the engine's bridge gateway): Podman
  // writes that name into every container's hosts file, Docker only when asked.
  if (!docker_engine_) {
    auto version = client_->Version();
    if (version.ok()) docker_engine_ = version->rfind("Docker", 0) == 0;
  }
  std::vector<std::string> extra_hosts;
  if (docker_engine_.value_or(false)) {
    extra_hosts.push_back("host.containers.internal:host-gateway");
  }

  std::string holder;  // the container whose network namespace the pod shares
  if (use_pause) {
    CreateContainerRequest req;
    req.name = EngineName(options_.instance, spec.task_id, kPauseMember);
    req.image = pause_image;
    if (!options_.pause_image.empty() && !options_.pause_command.empty()) {
      req.entrypoint = options_.pause_command;
      req.cmd = std::vector<std::string>{};
    }
    req.labels = base_labels;
    req.labels[kLabelContainer] = kPauseMember;
    req.ports = ports;
    req.extra_hosts = extra_hosts;
    auto id = CreateReplacing(req);
    if (!id.ok()) return fail(id.status().WithContext("create pause container"));
    holder = *id;
    PodState::Member m;
    m.name = kPauseMember;
    m.id = *id;
    m.pause = true;
    pod->members.push_back(std::move(m));
  }
  // The holder is created first: the others join its namespace.
  std::vector<std::size_t> order;
  if (!use_pause) order.push_back(holder_index);
  for (std::size_t i = 0; i < spec.containers.size(); ++i) {
    if (use_pause || i != holder_index) order.push_back(i);
  }
  for (std::size_t index : order) {
    const ContainerLaunch& c = spec.containers[index];
    CreateContainerRequest req;
    req.name = EngineName(options_.instance, spec.task_id, c.name);
    SetImageCommandAndEnv(c, spec.task_id, &req);
    auto image_user = [&]() -> Result<std::string> { return client_->ImageUser(c.image); };
    if (Status s = ApplySecurity(c, image_user, &req); !s.ok()) return fail(s);
    if (holder.empty()) {
      req.ports = ports;
      req.extra_hosts = extra_hosts;  // a joining container shares the holder's hosts file
    } else {
      req.network_mode = "container:" + holder;
    }
    auto binds = BindsFor(c, volume_dirs, volume_types,
                          spec.hosts_file.empty() ? "" : pod->task_dir + "/hosts");
    if (!binds.ok()) return fail(binds.status());
    req.binds = std::move(*binds);
    req.memory_bytes = c.resources.memory_limit_bytes;
    req.nano_cpus = c.resources.cpu_limit_millis * 1'000'000;
    req.labels = base_labels;
    req.labels[kLabelContainer] = c.name;
    req.labels[kLabelEssential] = c.essential ? "true" : "false";
    if (!c.depends_on.empty()) req.labels[kLabelDependsOn] = EncodeDependencies(c.depends_on);
    auto id = CreateReplacing(req);
    if (!id.ok()) return fail(id.status().WithContext("create container " + c.name));
    if (holder.empty()) holder = *id;
    PodState::Member m;
    m.name = c.name;
    m.id = *id;
    m.essential = c.essential;
    m.sidecar = c.sidecar;
    m.depends_on = c.depends_on;
    pod->members.push_back(std::move(m));
  }
  // The holder first (pause, or the first essential container waiting on nothing), then
  // whatever waits on nothing.
  for (auto& m : pod->members) {
    if (!m.depends_on.empty() && m.id != holder) continue;
    if (Status s = client_->StartContainer(m.id); !s.ok()) {
      return fail(s.WithContext(fmt::format("start container {}", m.name)));
    }
    m.started = true;
  }
  refreshed_ = false;  // the next Inspect() must see the new containers

  TaskHandle handle;
  handle.driver = Name();
  handle.task_id = spec.task_id;
  for (const auto& m : pod->members)
    handle.containers.push_back(ContainerHandle{m.name, 0, 0, m.id});
  pods_[spec.task_id] = std::move(pod);
  return handle;
}

ContainerDriver::PodState* ContainerDriver::PodFor(const TaskHandle& handle) {
  auto it = pods_.find(handle.task_id);
  if (it != pods_.end()) return it->second.get();
  // A task of a previous daemon run: what it waits for is on its containers' labels.
  auto pod = std::make_unique<PodState>();
  pod->task_id = handle.task_id;
  pod->task_dir = options_.task_dir_root + "/" + handle.task_id;
  for (const auto& c : handle.containers) {
    PodState::Member m;
    m.name = c.name;
    m.id = c.container_id;
    m.pause = c.name == kPauseMember;
    auto summary = containers_.find(c.container_id);
    if (summary != containers_.end()) {
      const auto& labels = summary->second.labels;
      if (auto e = labels.find(kLabelEssential); e != labels.end())
        m.essential = e->second != "false";
      if (auto d = labels.find(kLabelDependsOn); d != labels.end()) {
        m.depends_on = DecodeDependencies(d->second);
      }
      m.started = !IsCreatedState(summary->second.state);
    }
    pod->members.push_back(std::move(m));
  }
  PodState* out = pod.get();
  pods_[handle.task_id] = std::move(pod);
  return out;
}

const ContainerInfo* ContainerDriver::ExitInfo(const std::string& id) {
  auto it = exited_.find(id);
  if (it != exited_.end()) return &it->second;
  auto info = client_->InspectContainer(id);
  if (!info.ok()) return nullptr;
  return &(exited_[id] = std::move(*info));
}

std::vector<ContainerStatus> ContainerDriver::Inspect(const TaskHandle& handle) {
  if (!Refresh(false).ok()) return {};
  PodState* pod = PodFor(handle);
  std::vector<ContainerStatus> out;
  std::map<std::string, ContainerStatus> by_name;
  for (auto& m : pod->members) {
    ContainerStatus st;
    st.name = m.name;
    auto it = containers_.find(m.id);
    if (it == containers_.end()) {
      st.state = ContainerState::kUnknown;
      st.message = "container was removed";
    } else if (IsRunningState(it->second.state)) {
      st.state = ContainerState::kRunning;
      m.started = true;
    } else if (IsCreatedState(it->second.state)) {
      st.state = m.started ? ContainerState::kRunning : ContainerState::kWaiting;
    } else {
      st.state = ContainerState::kExited;
      m.started = true;
      if (const ContainerInfo* info = ExitInfo(m.id)) {
        st.exit_code = info->exit_code;
        if (info->oom_killed) {
          st.message = "OOMKilled";
        } else if (!info->error.empty()) {
          st.message = info->error;
        }
      } else {
        st.exit_code = -1;
        st.message = "exit code unknown";
      }
    }
    if (!m.blocked.empty()) {
      st.state = ContainerState::kExited;
      st.exit_code = -1;
      st.message = m.blocked;
    }
    if (pod->stopping && st.state == ContainerState::kWaiting) {
      st.state = ContainerState::kExited;
      st.message = "never started";
    }
    by_name[m.name] = st;
  }
  if (!pod->stopping) AdvanceDependencies(*pod, &by_name);
  if (pod->sidecars_to_stop) {
    // Kubernetes 1.29+: sidecars get SIGTERM once every other container has exited.
    bool others_running = false;
    for (const auto& m : pod->members) {
      if (!m.pause && !m.sidecar && by_name[m.name].state == ContainerState::kRunning) {
        others_running = true;
      }
    }
    if (!others_running) {
      pod->sidecars_to_stop = false;
      for (const auto& m : pod->members) {
        if (m.sidecar) (void)client_->KillContainer(m.id, "SIGTERM");
      }
    }
  }
  for (const auto& m : pod->members) {
    ContainerStatus& st = by_name[m.name];
    if (m.pause) {
      // The pod's network goes with it: while the task runs, its end ends the task.
      if (pod->stopping || st.state == ContainerState::kRunning) continue;
      st.message = "pod infrastructure container ended" +
                   (st.message.empty() ? std::string() : ": " + st.message);
    }
    out.push_back(st);
  }
  return out;
}

void ContainerDriver::AdvanceDependencies(PodState& pod,
                                          std::map<std::string, ContainerStatus>* statuses) {
  // What every member looks like as a dependency, for the shared gate.
  std::map<std::string, DependencyState> states;
  for (const auto& m : pod.members) {
    auto st = statuses->find(m.name);
    if (st == statuses->end()) continue;
    const ContainerStatus& s = st->second;
    DependencyState d;
    d.started = m.started;
    d.exited = s.state == ContainerState::kExited || s.state == ContainerState::kUnknown;
    d.succeeded = s.state == ContainerState::kExited && s.exit_code == 0 && s.message.empty();
    d.healthy = m.healthy;
    d.exit_code = s.exit_code;
    states[m.name] = d;
  }
  auto lookup = [&](const std::string& name) -> const DependencyState* {
    auto it = states.find(name);
    return it == states.end() ? nullptr : &it->second;
  };
  for (auto& m : pod.members) {
    if (m.started || !m.blocked.empty() || m.pause) continue;
    const GateVerdict verdict = EvaluateDependsOn(m.depends_on, lookup);
    if (verdict.gate == Gate::kNever) m.blocked = verdict.why;
    const bool ready = verdict.gate == Gate::kStart;
    ContainerStatus& mine = (*statuses)[m.name];
    if (ready) {
      if (Status s = client_->StartContainer(m.id); !s.ok()) {
        m.blocked = "start failed: " + s.message();
      }
    }
    // Later members of this pass see what just happened (a START dependency is met at once).
    if (!m.blocked.empty()) {
      mine.state = ContainerState::kExited;
      mine.exit_code = -1;
      mine.message = m.blocked;
      states[m.name] = DependencyState{true, true, false, false, -1};
      continue;
    }
    if (!ready) continue;
    spdlog::debug("task {}: started container {} (dependencies met)", pod.task_id, m.name);
    m.started = true;
    mine.state = ContainerState::kRunning;
    states[m.name].started = true;
    refreshed_ = false;
  }
}

Status ContainerDriver::Signal(const TaskHandle& handle, const std::string& signal,
                               bool include_pause) {
  PodState* pod = PodFor(handle);
  Status first;
  // Stop (without the pause container) holds sidecars back until the others have exited
  // (Inspect() signals them then); Kill takes everything.
  const bool hold_sidecars =
      !include_pause && std::any_of(pod->members.begin(), pod->members.end(),
                                    [](const PodState::Member& m) { return m.sidecar; });
  pod->sidecars_to_stop = hold_sidecars;
  for (const auto& m : pod->members) {
    if (m.pause && !include_pause) continue;
    if (m.sidecar && hold_sidecars) continue;
    auto it = containers_.find(m.id);
    if (it != containers_.end() && !IsRunningState(it->second.state)) continue;
    Status s = client_->KillContainer(m.id, signal);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

Status ContainerDriver::Stop(const TaskHandle& handle) {
  PodFor(handle)->stopping = true;
  return Signal(handle, "SIGTERM", /*include_pause=*/false);
}

Status ContainerDriver::Kill(const TaskHandle& handle) {
  PodFor(handle)->stopping = true;
  return Signal(handle, "SIGKILL", /*include_pause=*/true);
}

bool ContainerDriver::Adopt(const TaskHandle& handle) {
  if (!Refresh(true).ok()) return false;
  bool alive = false;
  bool ours = true;
  for (const auto& c : handle.containers) {
    auto it = containers_.find(c.container_id);
    if (it == containers_.end()) continue;
    auto label = it->second.labels.find(kLabelTask);
    if (label == it->second.labels.end() || label->second != handle.task_id) {
      ours = false;
      continue;
    }
    if (c.name != kPauseMember && IsRunningState(it->second.state)) alive = true;
  }
  if (alive && ours) {
    PodFor(handle);
    return true;
  }
  // Dead remains of the task: removed now, the task starts afresh.
  for (const auto& c : handle.containers) {
    auto it = containers_.find(c.container_id);
    if (it != containers_.end() && it->second.labels[kLabelTask] == handle.task_id) {
      RemoveQuietly(c.container_id);
    }
  }
  pods_.erase(handle.task_id);
  return false;
}

Status ContainerDriver::Cleanup(const TaskHandle& handle) {
  PodState* pod = PodFor(handle);
  for (const auto& m : pod->members) {
    if (m.pause || m.id.empty()) continue;
    // Keep the last logs beside the task: the container and its logs go away below.
    auto logs = client_->Logs(m.id, -1, pod->max_log_bytes);
    if (logs.ok() && !logs->empty()) {
      std::ofstream out(pod->task_dir + "/logs/" + m.name + ".log",
                        std::ios::binary | std::ios::trunc);
      out << *logs;
    }
  }
  for (const auto& m : pod->members) {
    if (!m.id.empty()) RemoveQuietly(m.id);
  }
  pods_.erase(handle.task_id);
  return Status::Ok();
}

Result<std::string> ContainerDriver::Logs(const TaskHandle& handle, const std::string& container,
                                          std::size_t max_bytes) {
  if (!ContainedRelative(container) || container.find('/') != std::string::npos) {
    return Status::Error(ErrorCode::kInvalidArgument, "bad container name '" + container + "'");
  }
  std::string id;
  for (const auto& c : handle.containers) {
    if (c.name == container) id = c.container_id;
  }
  if (!id.empty()) {
    auto logs = client_->Logs(id, -1, max_bytes);
    if (logs.ok() || logs.status().code() != ErrorCode::kNotFound) return logs;
  }
  auto it = pods_.find(handle.task_id);
  const std::string dir =
      it != pods_.end() ? it->second->task_dir : options_.task_dir_root + "/" + handle.task_id;
  return ReadTail(dir + "/logs/" + container + ".log", max_bytes);
}

void ContainerDriver::ReportHealth(const TaskHandle& handle, const std::string& container,
                                   bool healthy) {
  auto it = pods_.find(handle.task_id);
  if (it == pods_.end()) return;
  if (PodState::Member* m = it->second->Find(container)) m->healthy = healthy;
}

Result<std::map<std::string, TaskHandle>> ContainerDriver::ListManagedTasks() {
  if (Status s = Refresh(true); !s.ok()) return s;
  std::map<std::string, TaskHandle> out;
  for (const auto& [id, c] : containers_) {
    auto task = c.labels.find(kLabelTask);
    auto member = c.labels.find(kLabelContainer);
    if (task == c.labels.end() || member == c.labels.end()) continue;
    TaskHandle& h = out[task->second];
    h.driver = Name();
    h.task_id = task->second;
    ContainerHandle ch{member->second, 0, 0, id};
    if (member->second == kPauseMember) {
      h.containers.insert(h.containers.begin(), ch);
    } else {
      h.containers.push_back(ch);
    }
  }
  return out;
}

std::string ContainerDriver::NetworkNamespace(const TaskHandle& handle) {
  PodState* pod = PodFor(handle);
  if (pod == nullptr || pod->members.empty()) return "";
  if (pod->netns.empty()) {
    // The first member holds the namespace (pause, or the holder container): see Start().
    auto info = client_->InspectContainer(pod->members.front().id);
    if (info.ok() && info->running && info->pid > 0) {
      pod->netns = fmt::format("/proc/{}/ns/net", info->pid);
    }
  }
  return pod->netns;
}

}  // namespace capstan::orchestrator::container
