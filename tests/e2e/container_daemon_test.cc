// The real `capstan serve` with the container driver against a real Podman engine (the
// container_engine CTest fixture): a Kubernetes Deployment and an ECS service deployed as
// containers, kill -9 of the daemon while healthy and in the middle of a rolling update (the
// restarted daemon re-adopts the running containers), removal of an application, and broken
// commits that must not touch what runs.
//
// The engine is the source of truth for what runs: every check lists the containers labelled
// capstan.app=<the test's application> through the Docker Engine API. Each test uses application
// names of its own (task ids, hence container names, derive from them), so tests may run in
// parallel on one engine. TearDown() kills the daemon and removes every container of those
// applications, also when the test failed.
#include <unistd.h>

#include <algorithm>
#include <random>

#include "orchestrator/container/docker_client.h"
#include "tests/container/engine_env.h"
#include "tests/e2e/e2e_env.h"

namespace capstan::e2e {
namespace {

using orchestrator::container::ContainerSummary;
using orchestrator::container::DockerClient;
using Clock = std::chrono::steady_clock;

constexpr char kLabelApp[] = "capstan.app";
constexpr char kLabelWorkload[] = "capstan.workload";
constexpr char kLabelTask[] = "capstan.task";
constexpr char kLabelRevision[] = "capstan.revision";
constexpr char kLabelContainer[] = "capstan.container";

std::string Label(const ContainerSummary& c, const std::string& key) {
  auto it = c.labels.find(key);
  return it == c.labels.end() ? "" : it->second;
}

// A Deployment `web` of busybox httpd containers answering "version=<v> host=<container>" on
// 8080, with an httpGet readiness probe, and optionally a Service in front of it.
struct WebDeployment {
  std::string image;
  std::string version = "v1";
  int replicas = 2;
  int service_port = 0;  // 0: no Service
  int progress_deadline_seconds = 60;
  std::string extra_container_yaml;  // appended to the container (indented 10 spaces)
};

std::string WebDeploymentYaml(const WebDeployment& d) {
  std::string yaml = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: )" + std::to_string(d.replicas) +
                     R"(
  progressDeadlineSeconds: )" +
                     std::to_string(d.progress_deadline_seconds) +
                     R"(
  selector:
    matchLabels:
      app: web
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app: web
      annotations:
        capstan.io/driver: container
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: http
          image: )" + d.image +
                     R"(
          imagePullPolicy: IfNotPresent
          command:
            - sh
            - -c
            - |
              mkdir -p /tmp/www
              echo "version=$VERSION host=$HOSTNAME" > /tmp/www/index.html
              echo "started $VERSION"
              trap 'exit 0' TERM
              httpd -f -v -p 8080 -h /tmp/www &
              wait
          env:
            - name: VERSION
              value: ")" +
                     d.version +
                     R"("
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet:
              path: /
              port: http
            periodSeconds: 1
            failureThreshold: 30
)" + d.extra_container_yaml;
  if (d.service_port != 0) {
    yaml += R"(---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer  # also served on the node address, where the test connects
  selector:
    app: web
  ports:
    - name: http
      port: )" +
            std::to_string(d.service_port) +
            R"(
      targetPort: http
)";
  }
  return yaml;
}

// An ECS task definition `api` with two containers: `sidecar`, and `web` that dependsOn it
// (START) and has an exec health check run inside the container.
std::string ApiTaskDefinitionJson(const std::string& image) {
  return R"({
  "family": "api",
  "containerDefinitions": [
    {
      "name": "sidecar",
      "image": ")" +
         image + R"(",
      "essential": true,
      "entryPoint": ["sh", "-c"],
      "command": ["echo sidecar-up; trap 'exit 0' TERM; sleep 3600 & wait"],
      "stopTimeout": 2,
      "dockerLabels": {"capstan.io/driver": "container"}
    },
    {
      "name": "web",
      "image": ")" +
         image + R"(",
      "essential": true,
      "entryPoint": ["sh", "-c"],
      "command": ["echo web-up; trap 'exit 0' TERM; httpd -f -p 8080 -h /www & wait"],
      "dependsOn": [{"containerName": "sidecar", "condition": "START"}],
      "portMappings": [{"name": "http", "containerPort": 8080, "protocol": "tcp"}],
      "healthCheck": {
        "command": ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/"],
        "interval": 5, "timeout": 3, "retries": 3, "startPeriod": 0
      },
      "stopTimeout": 2,
      "dockerLabels": {"capstan.io/driver": "container"}
    }
  ]
}
)";
}

std::string ApiServiceJson() {
  return R"({
  "serviceName": "api",
  "taskDefinition": "api",
  "desiredCount": 1,
  "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200}
}
)";
}

// A Job `migrate` whose one container prints a line and exits 0.
std::string MigrateJobYaml(const std::string& image) {
  return R"(apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        capstan.io/driver: container
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
        - name: migrate
          image: )" +
         image +
         R"(
          command: ["sh", "-c", "echo migrated-ok"]
)";
}

const json* WorkloadNamed(const json& app, const std::string& name) {
  if (!app.contains("workloads")) return nullptr;
  for (const auto& w : app["workloads"]) {
    if (w.value("name", "") == name) return &w;
  }
  return nullptr;
}

class ContainerDaemonTest : public E2eTest {
 protected:
  void SetUp() override {
    CAPSTAN_REQUIRE_ENGINE_ENV(engine_);
    client_ = std::make_unique<DockerClient>(engine_.socket, 10s);
    ASSERT_TRUE(client_->Ping().ok()) << "the engine at " << engine_.socket << " does not answer";
    // Application names of this test only: "c" + 6 random digits + a suffix per application.
    std::random_device rd;
    base_ = "c" + std::to_string(100000 + rd() % 900000);
  }

  void TearDown() override {
    E2eTest::TearDown();  // kills the daemon first, so nothing recreates containers
    if (!client_) return;
    for (const auto& app : apps_) {
      std::vector<ContainerSummary> left;
      PollUntil(
          [&] {
            left = Containers(app);
            for (const auto& c : left) (void)client_->RemoveContainer(c.id, /*force=*/true);
            return left.empty();
          },
          30s, 200ms);
      EXPECT_TRUE(Containers(app).empty()) << "containers of " << app << " survived the teardown";
    }
  }

  // A new application name of this test (removed from the engine by TearDown()).
  std::string NewApp(const std::string& suffix) {
    apps_.push_back(base_ + suffix);
    return apps_.back();
  }

  Daemon::Options ContainerOptions() const {
    Daemon::Options o = DefaultOptions();
    o.extra_args = {"--container-engine", engine_.socket, "--docker-config",
                    tmp("no-docker-config.json")};
    return o;
  }

  // Every container of `app` on the engine, in any state. Fails the test if the engine does not
  // answer.
  std::vector<ContainerSummary> Containers(const std::string& app) {
    auto list = client_->ListContainers(std::string(kLabelApp) + "=" + app);
    if (!list.ok()) {
      ADD_FAILURE() << "listing containers: " << list.status().ToString();
      return {};
    }
    return *list;
  }

  // task id -> container name -> container id, of the containers in state "running".
  std::map<std::string, std::map<std::string, std::string>> RunningByTask(
      const std::vector<ContainerSummary>& list) {
    std::map<std::string, std::map<std::string, std::string>> out;
    for (const auto& c : list) {
      if (c.state == "running") out[Label(c, kLabelTask)][Label(c, kLabelContainer)] = c.id;
    }
    return out;
  }

  // The invariants of the engine's view at any moment: no two containers for one task and
  // container name, and at most `max_total` containers of `app`. Returns the list it checked.
  std::vector<ContainerSummary> CheckEngine(const std::string& app, std::size_t max_total,
                                            const std::string& when) {
    std::vector<ContainerSummary> list = Containers(app);
    std::map<std::string, std::vector<std::string>> by_member;
    for (const auto& c : list) {
      by_member[Label(c, kLabelTask) + "/" + Label(c, kLabelContainer)].push_back(c.name);
    }
    for (const auto& [member, names] : by_member) {
      if (names.size() > 1) {
        std::string all;
        for (const auto& n : names) all += " " + n;
        ADD_FAILURE() << "two containers for " << member << " (" << when << "):" << all;
      }
    }
    if (list.size() > max_total) {
      std::string all;
      for (const auto& c : list) all += "\n  " + c.name + " " + c.state;
      ADD_FAILURE() << list.size() << " containers of " << app << ", at most " << max_total
                    << " expected (" << when << "):" << all;
    }
    max_seen_ = std::max(max_seen_, list.size());
    return list;
  }

  // "" when workload `workload` of `app` runs exactly `replicas` Ready tasks of its desired
  // revision on commit `commit` (any when empty), Synced and Healthy, and the engine holds exactly
  // their `members_per_task` running containers (no other container of the workload); else what is
  // missing.
  std::string ConvergedWhy(const std::string& app, const std::string& workload,
                           const std::string& commit, int replicas, std::size_t members_per_task) {
    auto view = App(app);
    if (!view) return "no answer from the API";
    if (!commit.empty() && view->value("commit", "") != commit) {
      return "commit " + view->value("commit", "");
    }
    if (view->value("syncStatus", "") != "Synced" || view->value("health", "") != "Healthy") {
      return "status " + view->value("syncStatus", "") + "/" + view->value("health", "");
    }
    const json* w = WorkloadNamed(*view, workload);
    if (!w) return "no workload " + workload;
    const std::string revision = w->value("desiredRevision", "");
    if (w->value("revision", "") != revision || w->value("ready", 0) != replicas ||
        static_cast<int>((*w)["tasks"].size()) != replicas) {
      return "workload " + w->dump();
    }
    std::set<std::string> tasks;
    for (const auto& t : (*w)["tasks"]) {
      if (t.value("phase", "") != "Ready" || t.value("revision", "") != revision) {
        return "task " + t.dump();
      }
      tasks.insert(t.value("id", ""));
    }
    std::set<std::string> engine_tasks;
    std::size_t members = 0;
    for (const auto& c : Containers(app)) {
      if (Label(c, kLabelWorkload) != workload) continue;
      if (c.state != "running") return "container " + c.name + " is " + c.state;
      if (Label(c, kLabelRevision) != revision)
        return "container " + c.name + " of an old revision";
      engine_tasks.insert(Label(c, kLabelTask));
      ++members;
    }
    if (engine_tasks != tasks || members != tasks.size() * members_per_task) {
      std::string all;
      for (const auto& c : Containers(app)) all += " " + c.name;
      return "engine containers:" + all;
    }
    return "";
  }

  bool WaitConverged(
      const std::string& app, const std::string& workload, const std::string& commit, int replicas,
      std::size_t members_per_task, std::chrono::seconds timeout,
      const std::function<void()>& each = [] {}) {
    std::string why;
    const bool ok = PollUntil(
        [&] {
          each();
          why = ConvergedWhy(app, workload, commit, replicas, members_per_task);
          return why.empty();
        },
        timeout, 100ms);
    if (!ok) {
      std::string events;
      {
        for (const auto& ev : Events()) {
          events += ev.value("object", "") + " " + ev.value("reason", "") + ": " +
                    ev.value("message", "") + "\n";
        }
      }
      // What the engine holds, with ports: a port conflict names its holder here.
      CommandResult ps =
          RunCommand({"/bin/sh", "-c",
                      engine_.podman_command("ps -a --format '{{.Names}} {{.State}} {{.Ports}}'")});
      ADD_FAILURE() << app << "/" << workload << " did not converge: " << why << "\nevents:\n"
                    << events << "engine:\n"
                    << ps.out << ps.err;
    }
    return ok;
  }

  ::capstan::testing::EngineEnv engine_;
  std::unique_ptr<DockerClient> client_;
  std::string base_;
  std::vector<std::string> apps_;
  std::size_t max_seen_ = 0;
};

// Scenario 1: a Deployment (2 replicas, readiness httpGet, a Service) and an ECS service whose
// task has two containers (dependsOn) in one application: both run as containers, the Service
// answers through Capstan's proxy, status and API say Healthy, the logs come back through the
// API and `capstan logs`; a Job's container runs to completion and its log stays readable.
TEST_F(ContainerDaemonTest, DeploysKubernetesAndEcsWorkloadsAsContainers) {
  const std::string app = NewApp("a");
  const int service_port = FreePort();
  ASSERT_NE(service_port, 0);
  WebDeployment web{.image = engine_.image, .service_port = service_port};
  repo().Write("apps/" + app + "/web.yaml", WebDeploymentYaml(web));
  repo().Write("apps/" + app + "/api-task-definition.json", ApiTaskDefinitionJson(engine_.image));
  repo().Write("apps/" + app + "/api-service.json", ApiServiceJson());
  repo().Write("apps/" + app + "/migrate-job.yaml", MigrateJobYaml(engine_.image));
  const std::string v1 = repo().Commit("v1");
  const auto t0 = Clock::now();
  ASSERT_NE(StartDaemon(ContainerOptions()), nullptr);
  ASSERT_TRUE(WaitForApp(app, "Synced", "Healthy", v1, 90s));
  std::printf("[container-e2e] deployed in %.1f s\n",
              std::chrono::duration<double>(Clock::now() - t0).count());
  ASSERT_TRUE(WaitForServiceVersion(service_port, "v1"));

  const json view = *App(app);
  const json* web_view = WorkloadNamed(view, "web");
  const json* api_view = WorkloadNamed(view, "api");
  ASSERT_TRUE(web_view && api_view) << view.dump(2);
  EXPECT_EQ(web_view->value("ready", 0), 2);
  EXPECT_EQ(api_view->value("ready", 0), 1);

  // The engine: 2 web containers and the api task's 2, running, labelled, named
  // <instance>-<task>.<member>, where the instance is this daemon's id (kept in its state dir).
  std::vector<ContainerSummary> list;
  for (auto& c : Containers(app)) {
    if (Label(c, kLabelWorkload) != "migrate") list.push_back(std::move(c));
  }
  ASSERT_EQ(list.size(), 4u);
  std::map<std::string, std::set<std::string>> members;  // task -> containers
  for (const auto& c : list) {
    EXPECT_EQ(c.state, "running") << c.name;
    EXPECT_EQ(Label(c, "capstan.instance").size(), 8u) << c.name;
    EXPECT_EQ(c.name, Label(c, "capstan.instance") + "-" + Label(c, kLabelTask) + "." +
                          Label(c, kLabelContainer));
    members[Label(c, kLabelTask)].insert(Label(c, kLabelContainer));
    const json* w = WorkloadNamed(view, Label(c, kLabelWorkload));
    ASSERT_NE(w, nullptr) << c.name;
    EXPECT_EQ(Label(c, kLabelRevision), w->value("revision", "")) << c.name;
  }
  std::string api_task, web_task;
  for (const auto& t : (*api_view)["tasks"]) api_task = t.value("id", "");
  for (const auto& t : (*web_view)["tasks"]) {
    web_task = t.value("id", "");
    EXPECT_EQ(members[web_task], std::set<std::string>{"http"});
  }
  EXPECT_EQ(members[api_task], (std::set<std::string>{"sidecar", "web"}));

  // Both replicas answer through the proxy (the page names the container).
  std::set<std::string> hosts;
  PollUntil(
      [&] {
        HttpResponse r = HttpGet(service_port, "/");
        if (r.status == 200) hosts.insert(r.body);
        return hosts.size() >= 2;
      },
      20s, 20ms);
  EXPECT_EQ(hosts.size(), 2u) << "the service did not spread over both replicas";

  // status: text and JSON.
  CommandResult status = Cli({"status", "--server", daemon().url()});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find(app), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("Synced"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("Healthy"), std::string::npos) << status.out;
  CommandResult status_json = Cli({"status", app, "-o", "json", "--server", daemon().url()});
  EXPECT_EQ(status_json.exit_code, 0) << status_json.err;
  json parsed = json::parse(status_json.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << status_json.out;
  EXPECT_EQ(parsed.value("health", ""), "Healthy");

  // Logs of a one-container task (its output and httpd's access log of the probes) and of the
  // two-container task (one section per container), through the API and the CLI.
  HttpResponse logs =
      HttpGet(daemon().port(), "/api/v1/apps/" + app + "/tasks/" + web_task + "/logs");
  EXPECT_EQ(logs.status, 200) << logs.body;
  EXPECT_NE(logs.body.find("started v1"), std::string::npos) << logs.body;
  EXPECT_NE(logs.body.find("response:200"), std::string::npos) << logs.body;
  HttpResponse api_logs =
      HttpGet(daemon().port(), "/api/v1/apps/" + app + "/tasks/" + api_task + "/logs");
  EXPECT_EQ(api_logs.status, 200) << api_logs.body;
  EXPECT_NE(api_logs.body.find("==> sidecar <=="), std::string::npos) << api_logs.body;
  EXPECT_NE(api_logs.body.find("sidecar-up"), std::string::npos) << api_logs.body;
  EXPECT_NE(api_logs.body.find("==> web <=="), std::string::npos) << api_logs.body;
  EXPECT_NE(api_logs.body.find("web-up"), std::string::npos) << api_logs.body;
  CommandResult cli_logs = Cli({"logs", app, web_task, "--server", daemon().url()});
  EXPECT_EQ(cli_logs.exit_code, 0) << cli_logs.err;
  EXPECT_NE(cli_logs.out.find("started v1"), std::string::npos) << cli_logs.out;
  CommandResult no_task = Cli({"logs", app, web_task + "x", "--server", daemon().url()});
  EXPECT_NE(no_task.exit_code, 0) << no_task.out;

  // The Job completes; its task's log is still served (from the engine, or from the copy the
  // driver keeps once the container is removed).
  json job;
  ASSERT_TRUE(PollUntil(
      [&] {
        auto v = App(app);
        if (!v || !v->contains("jobs")) return false;
        for (const auto& j : (*v)["jobs"]) {
          if (j.value("name", "") == "migrate") job = j;
        }
        return job.value("succeeded", 0) == 1;
      },
      60s))
      << job.dump(2);
  ASSERT_EQ(job["tasks"].size(), 1u) << job.dump(2);
  const std::string job_task = job["tasks"][0].value("id", "");
  std::size_t job_containers = 0;
  for (const auto& c : Containers(app)) job_containers += Label(c, kLabelTask) == job_task;
  std::printf("[container-e2e] finished job task %s: %zu container(s) left on the engine\n",
              job_task.c_str(), job_containers);
  HttpResponse job_logs =
      HttpGet(daemon().port(), "/api/v1/apps/" + app + "/tasks/" + job_task + "/logs");
  EXPECT_EQ(job_logs.status, 200) << job_logs.body;
  EXPECT_NE(job_logs.body.find("migrated-ok"), std::string::npos) << job_logs.body;
}

// Scenario 2: kill -9 while healthy and at several moments of a rolling update v1 -> v2; each
// restarted daemon re-adopts the running containers (same container ids for Ready tasks), the
// engine never holds two containers for one task and container name nor more containers than
// the rollout allows, and the daemon converges on v2 with exactly its containers.
TEST_F(ContainerDaemonTest, RestartsReadoptRunningContainersAlsoMidRollout) {
  const std::string app = NewApp("r");
  const int service_port = FreePort();
  WebDeployment web{.image = engine_.image, .service_port = service_port};
  // 2 replicas + 1 surge, + 1 old task whose container is still being stopped and removed.
  const std::size_t kMaxContainers = 4;
  repo().Write("apps/" + app + "/web.yaml", WebDeploymentYaml(web));
  const std::string v1 = repo().Commit("v1");
  ASSERT_NE(StartDaemon(ContainerOptions()), nullptr);
  auto check = [&](const std::string& when) { return CheckEngine(app, kMaxContainers, when); };
  ASSERT_TRUE(WaitConverged(app, "web", v1, 2, 1, 90s, [&] { check("first deploy"); }));
  ASSERT_TRUE(WaitForServiceVersion(service_port, "v1"));

  // Kill -9 while healthy: the restarted daemon keeps the very same containers.
  const auto healthy = RunningByTask(check("before the first kill"));
  ASSERT_EQ(healthy.size(), 2u);
  daemon().Kill();
  ASSERT_NE(StartDaemon(ContainerOptions()), nullptr);
  ASSERT_TRUE(WaitConverged(app, "web", v1, 2, 1, 60s, [&] { check("after the first kill"); }));
  EXPECT_EQ(RunningByTask(check("re-adopted")), healthy) << "containers were replaced";
  int adopted = 0;
  for (const auto& e : Events()) adopted += e.value("reason", "") == "Adopted";
  EXPECT_EQ(adopted, 2) << Events().dump(2);
  const json readopted = *App(app);
  for (const auto& t : (*WorkloadNamed(readopted, "web"))["tasks"]) {
    EXPECT_EQ(t.value("restarts", -1), 0) << t.dump();
  }
  EXPECT_TRUE(WaitForServiceVersion(service_port, "v1"));

  // v2, killed at successive moments of its rollout. Before each kill: the tasks the API calls
  // Ready and the engine runs; those of v2 must keep their container after the restart.
  web.version = "v2";
  repo().Write("apps/" + app + "/web.yaml", WebDeploymentYaml(web));
  const std::string v2 = repo().Commit("v2");
  std::string v1_revision = (*WorkloadNamed(*App(app), "web")).value("revision", "");
  std::string v2_revision;
  std::map<std::string, std::string> ready_v2;  // task -> container id, Ready before a kill
  int kills = 1;
  std::vector<std::string> kill_points;
  auto kill_when =
      [&](const std::string& what,
          const std::function<bool(const std::vector<ContainerSummary>&, const json&)>& moment) {
        bool hit = false;
        PollUntil(
            [&] {
              const auto list = check("rollout, waiting for: " + what);
              auto view = App(app);
              if (!view) return false;
              const json* w = WorkloadNamed(*view, "web");
              if (!w) return false;
              if (view->value("seenCommit", "") == v2)
                v2_revision = w->value("desiredRevision", "");
              if (view->value("commit", "") == v2 && view->value("syncStatus", "") == "Synced") {
                return true;  // the rollout ended first: this moment was missed
              }
              if (v2_revision.empty() || !moment(list, *w)) return false;
              const auto running = RunningByTask(list);
              for (const auto& t : (*w)["tasks"]) {
                const std::string id = t.value("id", "");
                if (t.value("phase", "") == "Ready" && t.value("revision", "") == v2_revision &&
                    running.count(id)) {
                  ready_v2[id] = running.at(id).at("http");
                }
              }
              hit = true;
              return true;
            },
            60s, 20ms);
        if (!hit) {
          std::printf("[container-e2e] missed the moment: %s\n", what.c_str());
          return;
        }
        daemon().Kill();
        ++kills;
        kill_points.push_back(what);
        check("right after kill: " + what);
        ASSERT_NE(StartDaemon(ContainerOptions()), nullptr);
      };
  auto count = [&](const std::vector<ContainerSummary>& list, const std::string& revision,
                   const std::string& state) {
    int n = 0;
    for (const auto& c : list) {
      n += Label(c, kLabelRevision) == revision && (state.empty() || c.state == state);
    }
    return n;
  };
  // (1) The first v2 container exists on the engine (it may not have been recorded yet).
  kill_when("first v2 container created",
            [&](const auto& list, const json&) { return count(list, v2_revision, "") >= 1; });
  // (2) Right after the restart, while the daemon re-adopts.
  kill_when("daemon just restarted", [&](const auto&, const json&) { return true; });
  // (3) A v2 task is Ready and both v1 tasks still run.
  kill_when("a v2 task Ready, v1 still complete", [&](const auto& list, const json& w) {
    int ready = 0;
    for (const auto& t : w["tasks"]) {
      ready += t.value("phase", "") == "Ready" && t.value("revision", "") == v2_revision;
    }
    return ready >= 1 && count(list, v1_revision, "running") == 2;
  });
  // (4) A v1 container is going away (stopped, or removed) while v1 still runs.
  kill_when("a v1 container stopping", [&](const auto& list, const json&) {
    return count(list, v1_revision, "running") == 1;
  });
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(WaitConverged(app, "web", v2, 2, 1, 90s, [&] { check("converging on v2"); }));
  EXPECT_TRUE(WaitForServiceVersion(service_port, "v2"));

  // Ready v2 tasks kept their containers through the kills.
  const auto running = RunningByTask(check("converged"));
  for (const auto& [task, id] : ready_v2) {
    ASSERT_TRUE(running.count(task)) << "task " << task << " was Ready before a kill and is gone";
    EXPECT_EQ(running.at(task).at("http"), id)
        << "task " << task << " was Ready before a kill: its container was replaced";
  }
  const json converged = *App(app);
  for (const auto& t : (*WorkloadNamed(converged, "web"))["tasks"]) {
    EXPECT_EQ(t.value("restarts", -1), 0) << t.dump();
  }
  std::string points;
  for (const auto& p : kill_points) points += "\n  - " + p;
  std::printf("[container-e2e] %d kills, %zu Ready v2 tasks kept, at most %zu containers:%s\n",
              kills, ready_v2.size(), max_seen_, points.c_str());
  // On a loaded machine a rollout step can outrun the poll that looks for a moment; two kills
  // mid-rollout still prove the point.
  EXPECT_GE(kill_points.size(), 2u) << "the rollout ran past most kill moments";
}

// Scenario 3: removing an application from Git removes its containers from the engine, also
// those of a two-container ECS task; another application's containers stay. An application
// removed while the daemon gets killed is cleaned up by the next start. (A third application
// stays throughout: a commit without any application folder fails to fetch - "path 'apps' does
// not exist" - and prunes nothing.)
TEST_F(ContainerDaemonTest, RemovingAnAppRemovesItsContainers) {
  const std::string gone = NewApp("x");
  const std::string crashed = NewApp("y");
  const std::string kept = NewApp("k");
  WebDeployment web{.image = engine_.image, .replicas = 1};
  repo().Write("apps/" + gone + "/web.yaml", WebDeploymentYaml(web));
  repo().Write("apps/" + gone + "/api-task-definition.json", ApiTaskDefinitionJson(engine_.image));
  repo().Write("apps/" + gone + "/api-service.json", ApiServiceJson());
  repo().Write("apps/" + crashed + "/web.yaml", WebDeploymentYaml(web));
  repo().Write("apps/" + kept + "/web.yaml", WebDeploymentYaml(web));
  const std::string v1 = repo().Commit("three apps");
  ASSERT_NE(StartDaemon(ContainerOptions()), nullptr);
  ASSERT_TRUE(WaitForApp(gone, "Synced", "Healthy", v1, 90s));
  ASSERT_TRUE(WaitConverged(crashed, "web", v1, 1, 1, 60s));
  ASSERT_TRUE(WaitConverged(kept, "web", v1, 1, 1, 60s));
  ASSERT_EQ(Containers(gone).size(), 3u);
  const auto kept_before = RunningByTask(Containers(kept));

  repo().Remove("apps/" + gone);
  repo().Commit("remove " + gone);
  const auto t0 = Clock::now();
  std::vector<ContainerSummary> left;
  EXPECT_TRUE(PollUntil(
      [&] {
        left = Containers(gone);
        return left.empty();
      },
      60s))
      << left.size() << " container(s) of the removed application remain, e.g. "
      << (left.empty() ? "" : left[0].name);
  std::printf("[container-e2e] removal took %.1f s\n",
              std::chrono::duration<double>(Clock::now() - t0).count());
  EXPECT_TRUE(PollUntil(
      [&] { return HttpGet(daemon().port(), "/api/v1/apps/" + gone).status == 404; }, 30s));

  // The next application goes too, and the daemon is killed while its task is stopping.
  repo().Remove("apps/" + crashed);
  repo().Commit("remove " + crashed);
  EXPECT_TRUE(PollUntil(
      [&] {
        const auto list = Containers(crashed);
        return list.empty() || list[0].state != "running";
      },
      60s, 10ms));
  daemon().Kill();
  ASSERT_NE(StartDaemon(ContainerOptions()), nullptr);
  EXPECT_TRUE(PollUntil([&] { return Containers(crashed).empty(); }, 60s))
      << "the restarted daemon left the containers of a removed application";
  EXPECT_TRUE(Containers(gone).empty());
  ASSERT_TRUE(WaitConverged(kept, "web", "", 1, 1, 60s));
  EXPECT_EQ(RunningByTask(Containers(kept)), kept_before) << "the remaining app's containers moved";
}

// Scenario 4: broken commits (an unknown field under --strict; an image name that is not a valid
// reference) leave the running containers alone; the next good commit rolls out.
TEST_F(ContainerDaemonTest, BrokenCommitsLeaveRunningContainersUntouched) {
  const std::string app = NewApp("b");
  const int service_port = FreePort();
  WebDeployment web{
      .image = engine_.image, .service_port = service_port, .progress_deadline_seconds = 6};
  repo().Write("apps/" + app + "/web.yaml", WebDeploymentYaml(web));
  const std::string v1 = repo().Commit("v1");
  Daemon::Options options = ContainerOptions();
  options.extra_args.push_back("--strict");
  ASSERT_NE(StartDaemon(options), nullptr);
  ASSERT_TRUE(WaitConverged(app, "web", v1, 2, 1, 90s));
  ASSERT_TRUE(WaitForServiceVersion(service_port, "v1"));
  const auto before = Containers(app);
  ASSERT_EQ(before.size(), 2u);
  auto same_as_before = [&](const std::string& when) {
    const auto now = Containers(app);
    std::string diff;
    if (now.size() != before.size()) diff = std::to_string(now.size()) + " containers";
    std::set<std::string> ids;
    for (const auto& c : before) ids.insert(c.id);
    for (const auto& c : now) {
      if (!ids.count(c.id)) diff += " new container " + c.name;
      if (c.state != "running") diff += " " + c.name + " is " + c.state;
    }
    EXPECT_EQ(diff, "") << when;
    return diff.empty();
  };
  // Observes for a few reconciles (fetches) that nothing moves.
  auto nothing_moves = [&](const std::string& when) {
    const double fetches = MetricSum(Metrics(), "capstan_source_fetch_total");
    PollUntil(
        [&] {
          return !same_as_before(when) ||
                 MetricSum(Metrics(), "capstan_source_fetch_total") >= fetches + 3;
        },
        30s, 100ms);
  };

  // An unknown field: rejected under --strict, the app is Failed on the old commit.
  web.version = "v2";
  web.extra_container_yaml = "          bogusField: 1\n";
  repo().Write("apps/" + app + "/web.yaml", WebDeploymentYaml(web));
  const std::string bad = repo().Commit("unknown field");
  json view;
  ASSERT_TRUE(PollUntil(
      [&] {
        same_as_before("waiting for the unknown field to be rejected");
        view = App(app).value_or(json());
        return view.value("seenCommit", "") == bad && view.value("syncStatus", "") == "Failed";
      },
      60s))
      << view.dump(2);
  EXPECT_NE(view.value("message", "").find("bogusField"), std::string::npos) << view.dump(2);
  EXPECT_EQ(view.value("commit", ""), v1);
  nothing_moves("after the unknown field");
  EXPECT_TRUE(WaitForServiceVersion(service_port, "v1"));

  // An image name that is no valid reference: rejected at validation like the unknown field, with
  // the file, line and field; no container of it is ever created, no rollout starts, and the v1
  // containers keep running and serving.
  web.extra_container_yaml.clear();
  web.image = "localhost/Capstan Busybox::test";
  repo().Write("apps/" + app + "/web.yaml", WebDeploymentYaml(web));
  const std::string bad_image = repo().Commit("bad image name");
  ASSERT_TRUE(PollUntil(
      [&] {
        same_as_before("waiting for the bad image name to be rejected");
        view = App(app).value_or(json());
        return view.value("seenCommit", "") == bad_image &&
               view.value("syncStatus", "") == "Failed";
      },
      60s))
      << view.dump(2);
  const std::string message = view.value("message", "");
  EXPECT_NE(message.find("web.yaml:26:18"), std::string::npos) << view.dump(2);
  EXPECT_NE(message.find("spec.template.spec.containers[0].image"), std::string::npos)
      << view.dump(2);
  EXPECT_NE(message.find("invalid image reference \"localhost/Capstan Busybox::test\""),
            std::string::npos)
      << view.dump(2);
  EXPECT_EQ(view.value("commit", ""), v1);
  if (const json* w = WorkloadNamed(view, "web")) {
    EXPECT_TRUE(w->value("failedRevisions", json::array()).empty()) << view.dump(2);
  }
  bool reported = false;
  for (const auto& e : Events()) {
    reported |= e.value("message", "").find("invalid image reference") != std::string::npos;
  }
  EXPECT_TRUE(reported) << "no event names the invalid image reference";
  nothing_moves("after the bad image name");
  EXPECT_TRUE(WaitForServiceVersion(service_port, "v1"));

  // The next good commit applies.
  web.image = engine_.image;
  repo().Write("apps/" + app + "/web.yaml", WebDeploymentYaml(web));
  const std::string v2 = repo().Commit("v2");
  ASSERT_TRUE(WaitConverged(app, "web", v2, 2, 1, 90s));
  EXPECT_TRUE(WaitForServiceVersion(service_port, "v2"));
}

}  // namespace
}  // namespace capstan::e2e
