// End-to-end scenarios of the orchestrator with container tasks: the ContainerDriver on the
// container_engine fixture's Podman, exec probes in the containers, HTTP probes and the
// ServiceProxy on the published host ports, all on the SystemClock. Workloads are busybox httpd
// (tests/container/engine_env.h). Probe periods are 1 s and grace periods 1-2 s, so each test
// takes a few seconds; every wait is a poll with a generous deadline (a loaded 2-core machine).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <tuple>

#include "tests/orchestrator/container/container_harness.h"

namespace capstan::orchestrator::container::e2e {
namespace {

using scenario::Deploy;
using scenario::Describe;
using scenario::EventsText;
using scenario::ExpectNoLostRequestDuringRollout;
using scenario::RollAndWatch;
using scenario::Settled;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool Contains(const std::string& text, const std::string& what) {
  return Lower(text).find(Lower(what)) != std::string::npos;
}

// Waits until the engine holds no container of `app` with a revision other than `revision`.
bool OnlyRevisionInEngine(ContainerHarness& h, const std::string& app, const std::string& revision,
                          std::string* left) {
  return h.RunUntil(
      [&] {
        left->clear();
        for (const auto& c : h.EngineContainers(app)) {
          auto r = c.labels.find("capstan.revision");
          if (r == c.labels.end() || r->second != revision) *left += c.name + " ";
        }
        return left->empty();
      },
      30s, {}, 200ms);
}

// GET / on a host port; the "version=..." of the body, or "" when it did not answer.
std::string VersionAt(int port) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(2);
  cli.set_read_timeout(2);
  auto res = cli.Get("/");
  if (!res || res->status != 200) return "";
  auto at = res->body.find("version=");
  if (at == std::string::npos) return "?";
  std::string v = res->body.substr(at + 8);
  v.erase(std::find_if(v.begin(), v.end(), [](char c) { return std::isspace(c); }), v.end());
  return v;
}

// An engine timestamp ("2024-05-01T10:11:12.123456789Z"), comparable: (date, time, nanos).
std::tuple<int, int, int, int, int, int, long> EngineTime(const std::string& text) {
  int y = 0, mo = 0, d = 0, hh = 0, mm = 0, ss = 0;
  std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &hh, &mm, &ss);
  long nanos = 0;
  auto dot = text.find('.');
  if (dot != std::string::npos) {
    std::string digits;
    for (std::size_t i = dot + 1; i < text.size() && std::isdigit(text[i]); ++i) digits += text[i];
    digits.resize(9, '0');
    nanos = std::stol(digits);
  }
  return {y, mo, d, hh, mm, ss, nanos};
}

// ---------------------------------------------------------------------------------------------
// 1. Rolling update of container tasks keeps every replica Ready; old containers go away.

TEST(ContainerRollingUpdate, ThreeReplicasSurgeOneNeverBelowThreeReady) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env);
  AppSpec app;
  app.app = "roll";
  app.workloads["web"] = WebWorkload(env, "web", 3, "v1");
  app.workloads["web"].max_surge = model::IntOrPercent::Count(1);
  app.workloads["web"].max_unavailable = model::IntOrPercent::Count(0);
  const std::string v1 = Deploy(h, app, "web", 3);
  ASSERT_FALSE(v1.empty());
  for (const auto& t : h.Workload("roll", "web").tasks) {
    ASSERT_EQ(t.host_ports.size(), 1u);
    EXPECT_EQ(VersionAt(t.host_ports[0]), "v1") << t.id;
  }

  app.workloads["web"] = WebWorkload(env, "web", 3, "v2");
  app.workloads["web"].max_surge = model::IntOrPercent::Count(1);
  app.workloads["web"].max_unavailable = model::IntOrPercent::Count(0);
  WorkloadStatus w = RollAndWatch(h, app, "web", 3, /*min_ready=*/3, /*max_total=*/4);
  EXPECT_NE(w.current_revision, v1);
  for (const auto& t : w.tasks) {
    if (t.phase != TaskPhase::kReady) continue;
    EXPECT_EQ(VersionAt(t.host_ports.at(0)), "v2") << t.id;
  }
  std::string left;
  EXPECT_TRUE(OnlyRevisionInEngine(h, "roll", w.current_revision, &left))
      << "old containers still in the engine: " << left;
  EXPECT_EQ(h.EngineContainers("roll").size(), 3u);
}

// ---------------------------------------------------------------------------------------------
// 2. Automatic rollback of a bad container revision; v1 keeps serving throughout.

// `app` differs per test: tests run in parallel on one engine and task ids (container names)
// derive from the app, workload and revision.
void RollBackFrom(ContainerHarness& h, const testing::EngineEnv& env, const std::string& app_name,
                  const model::WorkloadSpec& v2_spec, const std::string& expect_in_message) {
  AppSpec app;
  app.app = app_name;
  auto v1_spec = WebWorkload(env, "web", 2, "v1");
  v1_spec.max_surge = model::IntOrPercent::Count(1);
  v1_spec.max_unavailable = model::IntOrPercent::Count(0);
  app.workloads["web"] = v1_spec;
  const std::string v1 = Deploy(h, app, "web", 2);
  ASSERT_FALSE(v1.empty());
  std::vector<int> v1_ports;
  for (const auto& t : h.Workload(app_name, "web").tasks) v1_ports.push_back(t.host_ports.at(0));

  app.workloads["web"] = v2_spec;
  app.workloads["web"].max_surge = model::IntOrPercent::Count(1);
  app.workloads["web"].max_unavailable = model::IntOrPercent::Count(0);
  h.orch().SetDesired(app);
  const std::string v2 = h.Workload(app_name, "web").desired_revision;
  EXPECT_NE(v2, v1);
  int lowest_v1_ready = 2, v1_misses = 0, v1_answers = 0;
  bool saw_v2_task = false;
  WorkloadStatus w;
  auto last_probe = Steady::now();
  bool rolled_back = h.RunUntil(
      [&] { return w.phase == RolloutPhase::kRolledBack && w.total == 2 && ReadyOf(w, v1) == 2; },
      90s,
      [&] {
        w = h.Workload(app_name, "web");
        lowest_v1_ready = std::min(lowest_v1_ready, ReadyOf(w, v1));
        for (const auto& t : w.tasks) saw_v2_task |= t.revision == v2;
        if (Steady::now() - last_probe >= 300ms) {  // v1 keeps answering
          last_probe = Steady::now();
          for (int port : v1_ports) {
            if (VersionAt(port) == "v1") {
              ++v1_answers;
            } else {
              ++v1_misses;
            }
          }
        }
      });
  EXPECT_TRUE(rolled_back) << Describe(w) << EventsText(h.events());
  EXPECT_TRUE(saw_v2_task) << "v2 was never tried";
  EXPECT_EQ(lowest_v1_ready, 2) << EventsText(h.events());
  EXPECT_EQ(v1_misses, 0) << "of " << v1_misses + v1_answers;
  EXPECT_GT(v1_answers, 0);
  EXPECT_EQ(w.current_revision, v1);
  EXPECT_EQ(w.failed_revisions, std::vector<std::string>{v2});
  EXPECT_TRUE(Contains(w.message, expect_in_message)) << w.message;
  std::string left;
  EXPECT_TRUE(OnlyRevisionInEngine(h, app_name, v1, &left)) << "v2 containers left: " << left;
}

TEST(ContainerRollback, RevisionNeverReadyIsRolledBack) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env);
  // v2 never writes /www/healthz: its readiness fails twice and the revision is failed.
  RollBackFrom(h, env, "rb-ready", WebWorkload(env, "web", 2, "v2", /*healthy=*/false),
               "readiness");
}

TEST(ContainerRollback, RevisionExitingAtOnceIsRolledBack) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env);
  auto v2 = WebWorkload(env, "web", 2, "v2");
  v2.task.containers[0].command = {"/bin/sh", "-c", "exit 3"};
  RollBackFrom(h, env, "rb-exit", v2, "crash-looping");
}

// ---------------------------------------------------------------------------------------------
// 3. Zero lost requests through the ServiceProxy during a rolling update of container tasks.

TEST(ContainerServiceProxy, RollingUpdateUnderLoadLosesNoRequest) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env);
  AppSpec app;
  app.app = "shop";
  app.workloads["web"] = WebWorkload(env, "web", 3, "v1");
  app.workloads["web"].max_surge = model::IntOrPercent::Count(1);
  app.workloads["web"].max_unavailable = model::IntOrPercent::Count(0);
  app.services["web"] = ServiceFor("web");
  Deploy(h, app, "web", 3);
  ExpectNoLostRequestDuringRollout(h, app, [&](AppSpec& a) {
    a.workloads["web"] = WebWorkload(env, "web", 3, "v2");
    a.workloads["web"].max_surge = model::IntOrPercent::Count(1);
    a.workloads["web"].max_unavailable = model::IntOrPercent::Count(0);
  });
}

// A container reaches Services as a Kubernetes pod does: by name (`web`,
// `web.svcenv.svc.cluster.local`, through the task's hosts file) and through the discovery
// variables, at the Service's cluster IP and declared port — served inside the pod's own network
// namespace by listeners the proxy opens there (the container's 127.0.0.0/8 is its own). Two
// Services of one app on the same port do not collide.
TEST(ContainerServiceProxy, ContainersReachServicesByNameAndClusterIp) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  if (::geteuid() != 0) GTEST_SKIP() << "listeners inside a pod's network namespace need root";
  ContainerHarness h(env);
  AppSpec app;
  app.app = "svcenv";
  app.workloads["web"] = WebWorkload(env, "web", 1, "v1");
  app.services["web"] = ServiceFor("web");
  app.workloads["api"] = WebWorkload(env, "api", 1, "v7");
  app.services["api"] = ServiceFor("api");  // the same port 80: its own address
  Deploy(h, app, "web", 1);
  Deploy(h, app, "api", 1);
  // Added once the Services exist: discovery variables name the Services of the task's start.
  model::WorkloadSpec client;
  client.replicas = 1;
  client.selector = {{"app", "client"}};
  client.task.driver = model::DriverKind::kContainer;
  client.task.labels = {{"app", "client"}};
  client.task.termination_grace_period_seconds = 1;
  model::ContainerSpec c;
  c.name = "client";
  c.image = env.image;
  c.command = {"/bin/sh", "-c", "trap 'exit 0' TERM; sleep 86400 & wait"};
  c.readiness =
      ExecProbe({"/bin/sh", "-c",
                 "wget -q -O- http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT/ | grep -q v1 && "
                 "wget -q -O- http://web/ | grep -q v1 && "
                 "wget -q -O- http://api.svcenv.svc.cluster.local:80/ | grep -q v7"});
  client.task.containers.push_back(c);
  app.workloads["client"] = client;
  Deploy(h, app, "client", 1);
  const WorkloadStatus w = h.Workload("svcenv", "client");
  ASSERT_EQ(w.tasks.size(), 1u);
  const Task* t = h.FindTask(w.tasks[0].id);
  ASSERT_NE(t, nullptr);
  std::string host;
  for (const auto& [k, v] : t->launch.containers.at(0).env) {
    if (k == "WEB_SERVICE_HOST") host = v;
  }
  const auto services = h.orch().Status("svcenv").services;
  EXPECT_EQ(host, services.at("web").cluster_ip);
  EXPECT_NE(services.at("web").cluster_ip, services.at("api").cluster_ip);
  EXPECT_EQ(host.rfind("127.96.", 0), 0u) << host;
}

// Two daemons on one engine (each its own instance id) run a task of the same id side by side:
// neither sees, adopts nor removes the other's container.
TEST(ContainerDriverInstances, TwoDaemonsOnOneEngineKeepToTheirOwnContainers) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  model::SystemClock clock;
  auto client = std::make_shared<DockerClient>(env.socket, 20s);
  const auto dir =
      std::filesystem::temp_directory_path() / ("capstan-instances-" + std::to_string(::getpid()));
  ContainerDriverOptions a_options, b_options;
  a_options.instance = "aaaa0001";
  a_options.task_dir_root = (dir / "a").string();
  b_options.instance = "bbbb0002";
  b_options.task_dir_root = (dir / "b").string();
  ContainerDriver a(clock, client, a_options);
  ContainerDriver b(clock, client, b_options);
  LaunchSpec spec;
  spec.task_id = "same-web-0123abcd-0";
  spec.app = "same";
  spec.workload = "web";
  spec.revision = "0123abcd";
  ContainerLaunch c;
  c.name = "web";
  c.image = env.image;
  c.command = {"/bin/sh", "-c", "trap 'exit 0' TERM; sleep 86400 & wait"};
  c.image_pull_policy = model::ImagePullPolicy::kIfNotPresent;
  spec.containers.push_back(c);
  auto ha = a.Start(spec);
  ASSERT_TRUE(ha.ok()) << ha.status().ToString();
  auto hb = b.Start(spec);
  ASSERT_TRUE(hb.ok()) << hb.status().ToString();
  const std::string a_id = ha->containers.at(0).container_id;
  const std::string b_id = hb->containers.at(0).container_id;
  EXPECT_NE(a_id, b_id);
  auto a_view = a.ListManagedTasks();
  ASSERT_TRUE(a_view.ok());
  ASSERT_EQ(a_view->size(), 1u);
  EXPECT_EQ(a_view->at(spec.task_id).containers.at(0).container_id, a_id);
  auto b_view = b.ListManagedTasks();
  ASSERT_TRUE(b_view.ok());
  ASSERT_EQ(b_view->size(), 1u);
  EXPECT_EQ(b_view->at(spec.task_id).containers.at(0).container_id, b_id);
  (void)a.Kill(*ha);
  (void)a.Cleanup(*ha);
  auto b_info = client->InspectContainer(b_id);
  ASSERT_TRUE(b_info.ok()) << b_info.status().ToString();
  EXPECT_TRUE(b_info->running);
  EXPECT_EQ(client->InspectContainer(a_id).status().code(), model::ErrorCode::kNotFound);
  (void)b.Kill(*hb);
  (void)b.Cleanup(*hb);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// ---------------------------------------------------------------------------------------------
// 4. A two-container pod: one network namespace (localhost), a configMap volume served by httpd,
// an emptyDir shared by both containers.

TEST(ContainerPod, SidecarReachesMainOnLocalhostAndSharesVolumes) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env);
  AppSpec app;
  app.app = "pod";
  app.config_maps["site"].data["app.txt"] = "hello from a configmap\n";
  model::WorkloadSpec w;
  w.replicas = 1;
  w.selector = {{"app", "pod"}};
  w.task.driver = model::DriverKind::kContainer;
  w.task.labels = {{"app", "pod"}};
  w.task.termination_grace_period_seconds = 1;
  w.task.volumes = {{"conf", model::VolumeType::kConfigMap, "site", {}},
                    {"shared", model::VolumeType::kEmptyDir, "", {}}};
  model::ContainerSpec a;
  a.name = "web";
  a.image = env.image;
  // Serves only after 2 s, so the sidecar's probe fails first.
  a.command = ServeCommand("echo from-web > /shared/note; sleep 2");
  a.ports = {{"http", 8080, 0, "TCP"}};
  a.volume_mounts = {{"conf", "/www/conf", "", true}, {"shared", "/shared", "", false}};
  model::ContainerSpec b;
  b.name = "sidecar";
  b.image = env.image;
  b.command = {"/bin/sh", "-c", "trap 'exit 0' TERM; sleep 86400 & wait"};
  b.volume_mounts = {{"shared", "/data", "", false}};
  b.readiness = ExecProbe({"wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"});
  w.task.containers = {a, b};
  app.workloads["pod"] = w;
  h.orch().SetDesired(app);

  WorkloadStatus st;
  ASSERT_TRUE(h.RunUntil(
      [&] {
        st = h.Workload("pod", "pod");
        return st.ready == 1;
      },
      60s))
      << Describe(st) << EventsText(h.events());
  const TaskSummary task = st.tasks.at(0);
  // Ready only once the sidecar reached the web container, which serves after 2 s.
  const auto events = h.events().Events(task.id);
  model::WallTime started{}, ready{};
  for (const auto& e : events) {
    if (e.reason == "Started") started = e.time;
    if (e.reason == "Ready") ready = e.time;
  }
  EXPECT_GE(ready - started, 1500ms) << EventsText(h.events(), task.id);

  // The configMap, read-only, served by httpd.
  httplib::Client cli("127.0.0.1", task.host_ports.at(0));
  cli.set_read_timeout(3);
  auto res = cli.Get("/conf/app.txt");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello from a configmap\n");
  const std::string web_id = h.ContainerId(task.id, "web");
  const std::string side_id = h.ContainerId(task.id, "sidecar");
  ASSERT_FALSE(web_id.empty());
  ASSERT_FALSE(side_id.empty());
  auto write = h.engine().Exec(web_id, {"touch", "/www/conf/new"}, {}, "", 10s);
  ASSERT_TRUE(write.ok()) << write.status().message();
  EXPECT_NE(write->exit_code, 0) << "the configMap volume is writable: " << write->output;

  // The emptyDir: what the web container wrote, the sidecar reads.
  auto read = h.engine().Exec(side_id, {"cat", "/data/note"}, {}, "", 10s);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->exit_code, 0);
  EXPECT_EQ(read->output, "from-web\n");
  // And the sidecar sees the web server on its own localhost.
  auto local = h.engine().Exec(side_id, {"wget", "-q", "-O-", "http://127.0.0.1:8080/conf/app.txt"},
                               {}, "", 10s);
  ASSERT_TRUE(local.ok()) << local.status().message();
  EXPECT_EQ(local->output, "hello from a configmap\n");
}

// ---------------------------------------------------------------------------------------------
// 5. ECS-style dependsOn: init (non-essential) -> app (SUCCESS) -> side (HEALTHY).

model::WorkloadSpec DependsOnWorkload(const testing::EngineEnv& env, int init_exit_code) {
  model::WorkloadSpec w;
  w.replicas = 1;
  w.selector = {{"app", "ecs"}};
  w.task.driver = model::DriverKind::kContainer;
  w.task.labels = {{"app", "ecs"}};
  w.task.termination_grace_period_seconds = 1;
  w.task.volumes = {{"shared", model::VolumeType::kEmptyDir, "", {}}};
  model::ContainerSpec init;
  init.name = "init";
  init.image = env.image;
  init.essential = false;
  init.command = {
      "/bin/sh", "-c",
      "echo initialised > /shared/init.txt; sleep 1; exit " + std::to_string(init_exit_code)};
  init.volume_mounts = {{"shared", "/shared", "", false}};
  model::ContainerSpec app;
  app.name = "app";
  app.image = env.image;
  app.depends_on = {{"init", model::DependencyCondition::kSuccess}};
  // Healthy a second after it starts, and only if init's file is there.
  app.command = ServeCommand("cp /shared/init.txt /www/init.txt; (sleep 1; touch /tmp/ok) &");
  app.ports = {{"http", 8080, 0, "TCP"}};
  app.volume_mounts = {{"shared", "/shared", "", false}};
  app.readiness = ExecProbe({"test", "-f", "/tmp/ok"});
  model::ContainerSpec side;
  side.name = "side";
  side.image = env.image;
  side.depends_on = {{"app", model::DependencyCondition::kHealthy}};
  side.command = {"/bin/sh", "-c", "trap 'exit 0' TERM; sleep 86400 & wait"};
  w.task.containers = {init, app, side};
  return w;
}

TEST(ContainerDependsOn, StartsInOrderAndBecomesReady) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env, "", {}, PodNetwork::kPauseContainer);
  AppSpec spec;
  spec.app = "ecs";
  spec.workloads["svc"] = DependsOnWorkload(env, 0);
  h.orch().SetDesired(spec);
  WorkloadStatus st;
  ASSERT_TRUE(h.RunUntil(
      [&] {
        st = h.Workload("ecs", "svc");
        return st.ready == 1;
      },
      60s))
      << Describe(st) << EventsText(h.events());
  const TaskSummary task = st.tasks.at(0);
  std::map<std::string, ContainerInfo> info;
  for (const char* name : {"init", "app", "side"}) {
    const std::string id = h.ContainerId(task.id, name);
    ASSERT_FALSE(id.empty()) << name;
    auto i = h.engine().InspectContainer(id);
    ASSERT_TRUE(i.ok()) << i.status().message();
    info[name] = *i;
  }
  EXPECT_FALSE(info["init"].running);
  EXPECT_EQ(info["init"].exit_code, 0);
  EXPECT_TRUE(info["app"].running);
  EXPECT_TRUE(info["side"].running);
  // init ran to its end before app started; side started after app (once app was healthy).
  EXPECT_LE(EngineTime(info["init"].finished_at), EngineTime(info["app"].started_at))
      << info["init"].finished_at << " vs " << info["app"].started_at;
  EXPECT_LT(EngineTime(info["app"].started_at), EngineTime(info["side"].started_at))
      << info["app"].started_at << " vs " << info["side"].started_at;
  // app read what init wrote.
  httplib::Client cli("127.0.0.1", task.host_ports.at(0));
  cli.set_read_timeout(3);
  auto res = cli.Get("/init.txt");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "initialised\n");
  // The task stays Ready with its non-essential init exited.
  h.RunFor(1500ms);
  EXPECT_EQ(h.Workload("ecs", "svc").ready, 1)
      << Describe(h.Workload("ecs", "svc")) << EventsText(h.events());
  EXPECT_EQ(h.Workload("ecs", "svc").tasks.at(0).restarts, 0);
}

TEST(ContainerDependsOn, FailedDependencyFailsTheTaskNamingIt) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env, "", {}, PodNetwork::kPauseContainer);
  AppSpec spec;
  spec.app = "ecsfail";
  model::JobSpec job;
  job.task = DependsOnWorkload(env, 1).task;
  job.task.restart_policy = model::RestartPolicy::kNever;
  job.backoff_limit = 0;
  spec.jobs["once"] = job;
  h.orch().SetDesired(spec);
  JobStatus j;
  ASSERT_TRUE(h.RunUntil(
      [&] {
        j = h.orch().Status("ecsfail").jobs["once"];
        return j.phase != JobPhase::kRunning && j.active == 0;
      },
      60s))
      << EventsText(h.events());
  EXPECT_EQ(j.phase, JobPhase::kFailed);
  const std::string events = EventsText(h.events(), "ecsfail-once-");
  EXPECT_TRUE(Contains(events, "dependency init did not succeed")) << events;
  EXPECT_TRUE(Contains(events, "SUCCESS")) << events;
  // Neither app nor side ever ran.
  EXPECT_FALSE(Contains(events, "Ready")) << events;
}

// 5b. Kubernetes init containers, a native sidecar and a postStart hook, in containers.

TEST(ContainerInitContainers, InitContainersPrepareAFileThePostStartedMainContainerServes) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env, "", {}, PodNetwork::kPauseContainer);
  model::WorkloadSpec w = WebWorkload(env, "k8s", 1, "v1", /*healthy=*/false);
  w.task.volumes = {{"shared", model::VolumeType::kEmptyDir, "", {}}};
  auto shell = [&](const std::string& name, const std::string& script) {
    model::ContainerSpec c;
    c.name = name;
    c.image = env.image;
    c.command = {"/bin/sh", "-c", script};
    c.volume_mounts = {{"shared", "/shared", "", false}};
    return c;
  };
  // Ordered: run at once, "two" would come first (the second one does not wait for the file).
  model::ContainerSpec sidecar = shell("logger", "trap 'exit 0' TERM; sleep 86400 & wait");
  sidecar.restart_always = true;
  w.task.init_containers = {shell("first", "sleep 1; echo one > /shared/page.txt"),
                            shell("second", "echo two >> /shared/page.txt"), sidecar};
  model::ContainerSpec& web = w.task.containers[0];
  web.volume_mounts = {{"shared", "/shared", "", false}};
  web.command = ServeCommand("cp /shared/page.txt /www/");
  // Readiness asks /healthz, which only the postStart hook (run in the container) writes.
  model::LifecycleHandler post;
  post.action = model::HookAction::kExec;
  post.command = {"/bin/sh", "-c", "echo ok > /www/healthz"};
  web.post_start = post;
  AppSpec spec;
  spec.app = "k8s";
  spec.workloads["web"] = w;
  h.orch().SetDesired(spec);
  WorkloadStatus st;
  ASSERT_TRUE(h.RunUntil(
      [&] {
        st = h.Workload("k8s", "web");
        return st.ready == 1;
      },
      90s))
      << Describe(st) << EventsText(h.events());
  const TaskSummary task = st.tasks.at(0);
  httplib::Client cli("127.0.0.1", task.host_ports.at(0));
  cli.set_read_timeout(3);
  auto page = cli.Get("/page.txt");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->body, "one\ntwo\n");
  auto first = h.engine().InspectContainer(h.ContainerId(task.id, "first"));
  auto logger = h.engine().InspectContainer(h.ContainerId(task.id, "logger"));
  auto main = h.engine().InspectContainer(h.ContainerId(task.id, "web"));
  ASSERT_TRUE(first.ok() && logger.ok() && main.ok());
  EXPECT_FALSE(first->running);
  EXPECT_EQ(first->exit_code, 0);
  EXPECT_TRUE(logger->running);  // the sidecar runs beside the main container
  // ... which started once the sidecar had (a START dependency: not once its script ran).
  EXPECT_LE(EngineTime(first->finished_at), EngineTime(logger->started_at));
  EXPECT_LE(EngineTime(logger->started_at), EngineTime(main->started_at))
      << logger->started_at << " vs " << main->started_at;
  h.RunFor(1500ms);
  EXPECT_EQ(h.Workload("k8s", "web").ready, 1) << EventsText(h.events());
  EXPECT_EQ(h.Workload("k8s", "web").tasks.at(0).restarts, 0);
}

TEST(ContainerPreStop, AnExecHookRunsInTheContainerBeforeSigtermThenTheSidecarStops) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env, "", {}, PodNetwork::kPauseContainer);
  model::WorkloadSpec w = WebWorkload(env, "drain", 1, "v1");
  w.task.termination_grace_period_seconds = 10;
  w.task.volumes = {{"shared", model::VolumeType::kEmptyDir, "", {}}};
  model::ContainerSpec& web = w.task.containers[0];
  web.volume_mounts = {{"shared", "/shared", "", false}};
  // On SIGTERM the main container records it (after a pause, so a sidecar stopped at the same
  // time would come first); the preStop hook records itself before.
  web.command = {"/bin/sh", "-c",
                 "trap 'sleep 0.5; echo term >> /shared/log; exit 0' TERM\n"
                 "echo version=v1 > /www/index.html; echo ok > /www/healthz\n"
                 "httpd -f -p 8080 -h /www & wait"};
  model::LifecycleHandler drain;
  drain.action = model::HookAction::kExec;
  drain.command = {"/bin/sh", "-c", "echo prestop >> /shared/log"};
  web.pre_stop = drain;
  model::ContainerSpec side;
  side.name = "shipper";
  side.image = env.image;
  side.restart_always = true;
  side.command = {"/bin/sh", "-c",
                  "trap 'echo sidecar >> /shared/log; exit 0' TERM; sleep 86400 & wait"};
  side.volume_mounts = {{"shared", "/shared", "", false}};
  w.task.init_containers = {side};
  AppSpec spec;
  spec.app = "drain";
  spec.workloads["web"] = w;
  h.orch().SetDesired(spec);
  ASSERT_TRUE(h.RunUntil([&] { return h.Workload("drain", "web").ready == 1; }, 90s))
      << Describe(h.Workload("drain", "web")) << EventsText(h.events());
  const std::string task_id = h.Workload("drain", "web").tasks.at(0).id;
  h.orch().RemoveApp("drain");
  ASSERT_TRUE(h.RunUntil([&] { return h.orch().Apps().empty(); }, 60s)) << EventsText(h.events());
  std::ifstream in(h.dir() / "tasks" / task_id / "volumes" / "shared" / "log");
  std::stringstream log;
  log << in.rdbuf();
  EXPECT_EQ(log.str(), "prestop\nterm\nsidecar\n") << EventsText(h.events());
}

// ---------------------------------------------------------------------------------------------
// 6. Image pulls: the local registries, credentials, and the failures people must understand.

model::JobSpec ImageJob(const std::string& image, model::ImagePullPolicy policy) {
  model::JobSpec j;
  j.task.driver = model::DriverKind::kContainer;
  j.task.restart_policy = model::RestartPolicy::kNever;
  j.task.termination_grace_period_seconds = 1;
  j.backoff_limit = 0;
  model::ContainerSpec c;
  c.name = "main";
  c.image = image;
  c.image_pull_policy = policy;
  c.command = {"/bin/sh", "-c", "test -f /www/index.html"};
  j.task.containers.push_back(std::move(c));
  return j;
}

// Runs one job to its end; returns its status and (in *events) what its tasks recorded.
JobStatus RunJob(ContainerHarness& h, const std::string& app, const model::JobSpec& job,
                 std::string* events) {
  AppSpec spec;
  spec.app = app;
  spec.jobs["pull"] = job;
  h.orch().SetDesired(spec);
  JobStatus j;
  bool ended = h.RunUntil(
      [&] {
        j = h.orch().Status(app).jobs["pull"];
        return j.phase != JobPhase::kRunning && j.active == 0;
      },
      90s);
  *events = EventsText(h.events(), app + "-pull-");
  EXPECT_TRUE(ended) << *events;
  return j;
}

TEST(ContainerImages, AnonymousRegistryImageWithPullAlwaysRuns) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env);
  std::string events;
  JobStatus j =
      RunJob(h, "anon", ImageJob(env.registry_image(), model::ImagePullPolicy::kAlways), &events);
  EXPECT_EQ(j.phase, JobPhase::kComplete) << events;
  EXPECT_TRUE(Contains(events, "pulling image")) << events;
}

TEST(ContainerImages, AuthRegistryWithCredentialsRuns) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  const std::string config = R"({"auths": {")" + env.auth_registry + R"(": {"username": ")" +
                             env.user + R"(", "password": ")" + env.password + R"("}}})";
  auto creds = RegistryCredentials::Parse(config, "test config.json");
  ASSERT_TRUE(creds.ok()) << creds.status().message();
  ContainerHarness h(env, "", *creds);
  std::string events;
  JobStatus j = RunJob(
      h, "auth", ImageJob(env.auth_registry_image(), model::ImagePullPolicy::kAlways), &events);
  EXPECT_EQ(j.phase, JobPhase::kComplete) << events;
}

TEST(ContainerImages, AuthRegistryWithoutCredentialsFailsUnauthorized) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env);
  std::string events;
  JobStatus j = RunJob(
      h, "noauth", ImageJob(env.auth_registry_image(), model::ImagePullPolicy::kAlways), &events);
  EXPECT_EQ(j.phase, JobPhase::kFailed) << events;
  EXPECT_TRUE(Contains(events, "ErrImagePull")) << events;
  EXPECT_TRUE(Contains(events, "unauthorized") || Contains(events, "authentication")) << events;
}

TEST(ContainerImages, MissingImageFailsWithNotFound) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env);
  std::string events;
  JobStatus j = RunJob(
      h, "missing",
      ImageJob(env.registry + "/capstan/no-such-image:test", model::ImagePullPolicy::kIfNotPresent),
      &events);
  EXPECT_EQ(j.phase, JobPhase::kFailed) << events;
  EXPECT_TRUE(Contains(events, "capstan/no-such-image")) << events;
  EXPECT_TRUE(Contains(events, "not found") || Contains(events, "manifest unknown")) << events;
}

TEST(ContainerImages, DeploymentToMissingImageRollsBack) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  ContainerHarness h(env);
  auto v2 = WebWorkload(env, "web", 2, "v2");
  v2.task.containers[0].image = env.registry + "/capstan/no-such-image:test";
  RollBackFrom(h, env, "rb-image", v2, "crash-looping");
  EXPECT_TRUE(Contains(EventsText(h.events()), "no-such-image")) << EventsText(h.events());
}

// ---------------------------------------------------------------------------------------------
// 7. A fixed host port someone else holds: the start fails and says so.

TEST(ContainerPorts, HostPortInUseFailsTheStartClearly) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  ContainerHarness h(env);
  model::JobSpec job = ImageJob(env.image, model::ImagePullPolicy::kIfNotPresent);
  job.task.containers[0].ports = {{"http", 8080, port, "TCP"}};
  std::string events;
  JobStatus j = RunJob(h, "ports", job, &events);
  EXPECT_EQ(j.phase, JobPhase::kFailed) << events;
  EXPECT_TRUE(Contains(events, "start failed")) << events;
  EXPECT_TRUE(Contains(events, "address already in use") || Contains(events, std::to_string(port)))
      << events;
  EXPECT_TRUE(h.EngineContainers("ports").empty()) << "the failed start left containers behind";
}

// ---------------------------------------------------------------------------------------------
// 8. The engine goes away mid-rollout: nothing is judged while it is gone; then the rollout ends.

TEST(ContainerEngineOutage, RolloutWaitsForTheEngineAndThenCompletes) {
  testing::EngineEnv env;
  CAPSTAN_REQUIRE_ENGINE_ENV(env);
  EngineForwarder forwarder("/tmp/capstan-fwd-" + std::to_string(::getpid()) + ".sock", env.socket);
  ContainerHarness h(env, forwarder.path());
  AppSpec app;
  app.app = "away";
  auto spec = [&](const std::string& version) {
    auto w = WebWorkload(env, "web", 2, version);
    w.max_surge = model::IntOrPercent::Count(1);
    w.max_unavailable = model::IntOrPercent::Count(0);
    return w;
  };
  app.workloads["web"] = spec("v1");
  const std::string v1 = Deploy(h, app, "web", 2);
  ASSERT_FALSE(v1.empty());

  app.workloads["web"] = spec("v2");
  h.orch().SetDesired(app);
  const std::string v2 = h.Workload("away", "web").desired_revision;
  WorkloadStatus w;
  // Mid-rollout: the first v2 task has started.
  ASSERT_TRUE(h.RunUntil(
      [&] {
        w = h.Workload("away", "web");
        return std::any_of(w.tasks.begin(), w.tasks.end(), [&](const TaskSummary& t) {
          return t.revision == v2 &&
                 (t.phase == TaskPhase::kRunning || t.phase == TaskPhase::kReady);
        });
      },
      60s))
      << Describe(w) << EventsText(h.events());

  forwarder.Down();
  const std::size_t backoffs = h.events().Count("away-", "BackOff");
  const std::size_t errors = h.events().Count("away-", "Error");
  bool failed = false, waited = false;
  int lowest_ready = 2;
  h.RunFor(4s, [&] {
    w = h.Workload("away", "web");
    lowest_ready = std::min(lowest_ready, w.ready);
    for (const auto& t : w.tasks) {
      failed |= t.phase == TaskPhase::kFailed;
      waited |= t.reason == "DriverUnavailable";
    }
  });
  EXPECT_FALSE(failed) << Describe(w);
  EXPECT_EQ(h.events().Count("away-", "BackOff"), backoffs) << EventsText(h.events());
  EXPECT_EQ(h.events().Count("away-", "Error"), errors) << EventsText(h.events());
  EXPECT_GE(lowest_ready, 2) << EventsText(h.events());
  EXPECT_TRUE(waited) << "no task waited for the engine:\n"
                      << Describe(w) << EventsText(h.events());
  EXPECT_FALSE(h.driver().Available().ok());

  ASSERT_TRUE(forwarder.Up());
  ASSERT_TRUE(h.RunUntil(
      [&] {
        w = h.Workload("away", "web");
        return w.current_revision == v2 && Settled(w, 2);
      },
      90s))
      << Describe(w) << EventsText(h.events());
  EXPECT_EQ(h.events().Count("away-", "BackOff"), backoffs) << EventsText(h.events());
  std::string left;
  EXPECT_TRUE(OnlyRevisionInEngine(h, "away", v2, &left))
      << "v1 containers left in the engine: " << left << "\n"
      << Describe(h.Workload("away", "web")) << EventsText(h.events());
}

}  // namespace
}  // namespace capstan::orchestrator::container::e2e
