// kube-play: one Kubernetes Deployment of 10 replicas, started by `podman kube play` and by
// Capstan (the manifest rendered by the Kubernetes renderer, run by the real Orchestrator with
// SystemClock, ContainerDriver and RoutingHealthChecker), on the same Podman engine.
//
// Podman 4.3's kube play honours `replicas`: it creates the pods "<name>-pod-0" .. "-9" one after
// the other, each with an infra container, and returns once all are started. No probes are
// given, so both sides are timed to "every replica running":
//   podman   the wall time of `podman kube play FILE` (checked afterwards: every container up);
//   capstan  from SetDesired() until 10 tasks are Running, Step() every 5 ms.
//
// Infra containers. kube play gives every pod an infra container. Its default image,
// localhost/podman-pause, is built on first use from the `catatonit` binary, which Debian ships
// in a separate package; without it kube play fails and there is no network to pull one. The
// bench therefore builds its own pause image from the fixture's busybox (ENTRYPOINT sleep
// infinity) and gives it to both sides: Podman through `infra_image` in a copy of the fixture's
// containers.conf (CONTAINERS_CONF for the CLI), Capstan through ContainerDriverOptions::
// pause_image. Capstan creates a pause container only for pods of more than one container, so
// two shapes are timed:
//   1 container per pod   podman: 10 pods x (infra + 1) = 20 containers; capstan: 10
//   2 containers per pod  podman: 10 x (infra + 2) = 30;  capstan: 10 x (pause + 2) = 30
// Each shape runs --runs times (default 3; 1 with --quick), sides alternating; medians reported.
// Everything is removed between runs (`podman pod rm -af -t 0`, Capstan RemoveApp), untimed.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "bench/bench_report.h"
#include "bench/benchmarks.h"
#include "bench/podman_engine.h"
#include "model/clock.h"
#include "orchestrator/container/container_driver.h"
#include "orchestrator/container/engine_exec_checker.h"
#include "orchestrator/curl_health_checker.h"
#include "orchestrator/event_log.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/routing_health_checker.h"
#include "orchestrator/scheduler.h"
#include "renderers/renderer.h"
#include "targets/orchestrator_target.h"

namespace capstan::bench {
namespace {

namespace fs = std::filesystem;
namespace orch = capstan::orchestrator;
namespace container = capstan::orchestrator::container;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kReplicas = 10;
constexpr char kApp[] = "kubebench";
constexpr char kPauseImage[] = "localhost/capstan-bench-pause:latest";

// The Deployment both sides run. The capstan.io/driver annotation selects Capstan's container
// driver (Podman ignores it).
std::string Manifest(const std::string& image, int containers) {
  std::ostringstream out;
  out << "apiVersion: apps/v1\n"
         "kind: Deployment\n"
         "metadata:\n"
         "  name: web\n"
         "spec:\n"
      << "  replicas: " << kReplicas << "\n"
      << "  selector:\n"
         "    matchLabels: {app: web}\n"
         "  template:\n"
         "    metadata:\n"
         "      labels: {app: web}\n"
         "      annotations: {capstan.io/driver: container}\n"
         "    spec:\n"
         "      terminationGracePeriodSeconds: 1\n"
         "      containers:\n";
  for (int i = 0; i < containers; ++i) {
    out << "      - name: " << (i == 0 ? "main" : "side" + std::to_string(i)) << "\n"
        << "        image: " << image << "\n"
        << "        imagePullPolicy: IfNotPresent\n"
        << "        command: [\"sleep\", \"3600\"]\n";
  }
  return out.str();
}

// The fixture's containers.conf with infra_image set, for the podman CLI.
bool WriteContainersConf(const std::string& from, const std::string& to, std::string* error) {
  std::ifstream in(from);
  if (!in) {
    *error = "cannot read " + from;
    return false;
  }
  std::ostringstream out;
  std::string line;
  bool inserted = false;
  while (std::getline(in, line)) {
    out << line << "\n";
    if (!inserted && line == "[engine]") {
      out << "infra_image = \"" << kPauseImage << "\"\n";
      inserted = true;
    }
  }
  if (!inserted) out << "[engine]\ninfra_image = \"" << kPauseImage << "\"\n";
  std::ofstream(to) << out.str();
  return true;
}

struct Shape {
  int containers = 1;
  std::string manifest_path;
  std::vector<double> podman_ms, capstan_ms;
  int podman_pods = 0;  // pods kube play created, last run
  int podman_containers = 0;
  int capstan_containers = 0;
};

class KubePlay {
 public:
  KubePlay(const PodmanEngine& engine, const fs::path& dir, std::map<std::string, std::string> env)
      : engine_(engine), dir_(dir), podman_env_(std::move(env)) {}

  std::string error;

  bool Podman(Shape& shape) {
    CommandResult play = RunCommand({"podman", "kube", "play", shape.manifest_path}, podman_env_,
                                    /*capture=*/true);
    bool ok = play.exit_code == 0;
    if (!ok) error = "podman kube play: " + play.output;
    // Untimed: kube play returned after starting everything; check that it did.
    CommandResult pods = RunCommand({"podman", "pod", "ps", "-q"}, podman_env_, true);
    CommandResult running =
        RunCommand({"podman", "ps", "-q", "--filter", "status=running"}, podman_env_, true);
    shape.podman_pods = Lines(pods.output);
    shape.podman_containers = Lines(running.output);
    if (ok && shape.podman_containers != kReplicas * (shape.containers + 1)) {
      error = "podman kube play: " + std::to_string(shape.podman_containers) +
              " containers running, expected " + std::to_string(kReplicas * (shape.containers + 1));
      ok = false;
    }
    if (ok) shape.podman_ms.push_back(play.wall_ms);
    // Not `podman kube down`: it stops with a 10 s timeout, and `sleep` as pid 1 ignores SIGTERM.
    CommandResult down =
        RunCommand({"podman", "pod", "rm", "-af", "-t", "0"}, podman_env_, /*capture=*/true);
    if (down.exit_code != 0 && error.empty()) error = "podman pod rm: " + down.output;
    return ok && down.exit_code == 0;
  }

  bool Capstan(Shape& shape) {
    std::ifstream in(shape.manifest_path);
    std::stringstream text;
    text << in.rdbuf();
    model::Snapshot snapshot;
    snapshot.commit = "0000000000000000000000000000000000000001";
    snapshot.files[std::string(kApp) + "/deployment.yaml"] = text.str();
    model::DesiredState desired = renderers::Render(snapshot, renderers::RenderOptions{});
    auto app = desired.apps.find(kApp);
    if (app == desired.apps.end()) {
      error = "render: no application " + std::string(kApp);
      return false;
    }
    orch::AppSpec spec = targets::ToAppSpec(app->second);

    model::SystemClock clock;
    orch::Scheduler scheduler;
    orch::NodeInfo node;
    node.cpu_millis = 1'000'000;
    node.memory_bytes = 1ll << 40;
    node.port_min = 21000;
    node.port_max = 21499;
    scheduler.AddNode(node);
    auto client = std::make_shared<container::DockerClient>(engine_.env().socket);
    container::ContainerDriverOptions driver_options;
    driver_options.task_dir_root = (dir_ / "tasks").string();
    driver_options.pause_image = kPauseImage;
    container::ContainerDriver driver(clock, client, driver_options);
    orch::CurlHealthChecker host_checker(clock);
    container::EngineExecChecker engine_checker(client);
    orch::RoutingHealthChecker checker(host_checker, &engine_checker);
    orch::EventLog events(clock, 1 << 12);
    orch::OrchestratorOptions options;
    options.runner.task_dir_root = (dir_ / "tasks").string();
    orch::Orchestrator orchestrator(
        clock, scheduler,
        std::map<model::DriverKind, orch::Driver*>{{model::DriverKind::kContainer, &driver}},
        checker, events, nullptr, options);

    const auto t0 = Steady::now();
    orchestrator.SetDesired(spec);
    bool ok = false;
    while (Steady::now() - t0 < 120s) {
      orchestrator.Step();
      if (Running(orchestrator) == kReplicas) {
        ok = true;
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
    const auto t1 = Steady::now();
    if (ok) {
      shape.capstan_ms.push_back(Ms(t1 - t0));
    } else {
      error = "capstan: " + std::to_string(Running(orchestrator)) + " of " +
              std::to_string(kReplicas) +
              " tasks running after 120 s: " + orchestrator.Status(kApp).workloads["web"].message;
    }
    auto managed = driver.ListManagedTasks();
    shape.capstan_containers = 0;
    if (managed.ok()) {
      for (const auto& [id, h] : *managed) {
        shape.capstan_containers += static_cast<int>(h.containers.size());
      }
    }
    // Untimed: remove the app and wait until its tasks are gone.
    orchestrator.RemoveApp(kApp);
    const auto deadline = Steady::now() + 60s;
    while (!orchestrator.Apps().empty() && Steady::now() < deadline) {
      orchestrator.Step();
      std::this_thread::sleep_for(20ms);
    }
    // Whatever is left (a stop that timed out) goes by force.
    if (auto left = client->ListContainers("capstan.app=" + std::string(kApp)); left.ok()) {
      for (const auto& c : *left) (void)client->RemoveContainer(c.id, /*force=*/true);
    }
    return ok;
  }

 private:
  static int Running(const orch::Orchestrator& o) {
    int n = 0;
    for (const auto& [id, t] : o.runner().tasks()) {
      if (t.phase == orch::TaskPhase::kRunning || t.phase == orch::TaskPhase::kReady) ++n;
    }
    return n;
  }

  static int Lines(const std::string& s) {
    int n = 0;
    std::istringstream in(s);
    std::string line;
    while (std::getline(in, line)) n += line.empty() ? 0 : 1;
    return n;
  }

  const PodmanEngine& engine_;
  fs::path dir_;
  std::map<std::string, std::string> podman_env_;
};

}  // namespace

int RunKubePlay(const BenchArgs& args) {
  PodmanEngine engine;
  std::string message;
  switch (engine.Acquire(args, &message)) {
    case PodmanEngine::Outcome::kSkipped:
      std::printf("kube-play: %s\n", message.c_str());
      return 0;
    case PodmanEngine::Outcome::kFailed:
      std::fprintf(stderr, "kube-play: %s\n", message.c_str());
      return 1;
    case PodmanEngine::Outcome::kReady:
      break;
  }
  const int runs = args.runs > 0 ? args.runs : args.quick ? 1 : 3;
  const fs::path dir = fs::temp_directory_path() / ("capstan-kubeplay-" + std::to_string(getpid()));
  fs::create_directories(dir / "pause");
  auto cleanup_dir = [&] {
    std::error_code ec;
    fs::remove_all(dir, ec);
  };

  // The pause image and the CLI's containers.conf (see the top of this file).
  std::map<std::string, std::string> podman_env = engine.podman_environment();
  std::ofstream(dir / "pause/Containerfile")
      << "FROM " << engine.env().image << "\nENTRYPOINT [\"/bin/sleep\", \"infinity\"]\nCMD []\n";
  CommandResult build = RunCommand(
      {"podman", "build", "-q", "-t", kPauseImage, (dir / "pause").string()}, podman_env, true);
  if (build.exit_code != 0) {
    std::fprintf(stderr, "kube-play: building %s failed: %s\n", kPauseImage, build.output.c_str());
    cleanup_dir();
    return 1;
  }
  const std::string conf = (dir / "containers.conf").string();
  if (!WriteContainersConf(podman_env["CONTAINERS_CONF"], conf, &message)) {
    std::fprintf(stderr, "kube-play: %s\n", message.c_str());
    cleanup_dir();
    return 1;
  }
  podman_env["CONTAINERS_CONF"] = conf;
  const bool catatonit = InPath("catatonit") || fs::exists("/usr/libexec/podman/catatonit");

  std::vector<Shape> shapes(2);
  shapes[0].containers = 1;
  shapes[1].containers = 2;
  KubePlay bench(engine, dir, podman_env);
  bool ok = true;
  for (auto& shape : shapes) {
    shape.manifest_path = (dir / ("deployment-" + std::to_string(shape.containers) + ".yaml"));
    std::ofstream(shape.manifest_path) << Manifest(engine.env().image, shape.containers);
    for (int r = 0; r < runs && ok; ++r) {
      // Alternate who goes first.
      ok = r % 2 == 0 ? bench.Podman(shape) && bench.Capstan(shape)
                      : bench.Capstan(shape) && bench.Podman(shape);
    }
  }
  (void)RunCommand({"podman", "rmi", "-f", kPauseImage}, podman_env, false);
  cleanup_dir();

  BenchReport report("kube-play");
  report.Add("replicas", kReplicas, "Deployment, no probes: timed to every replica running");
  report.Add("runs", runs, "per side and shape, alternating who goes first");
  report.AddText("infra_image", kPauseImage,
                 std::string("busybox `sleep infinity`, for both sides; catatonit ") +
                     (catatonit ? "installed" : "not installed (podman-pause cannot be built)"));
  for (const auto& shape : shapes) {
    const std::string p = std::to_string(shape.containers) + "c_";
    const double podman = Percentile(shape.podman_ms, 50);
    const double capstan = Percentile(shape.capstan_ms, 50);
    report.Add(p + "podman_kube_play_ms", podman,
               "p50; " + std::to_string(shape.podman_pods) + " pods, " +
                   std::to_string(shape.podman_containers) + " containers running");
    report.Add(p + "capstan_ms", capstan,
               "p50; SetDesired -> 10 tasks Running; " + std::to_string(shape.capstan_containers) +
                   " containers");
    report.Add(p + "ratio_capstan_to_podman", podman > 0 ? capstan / podman : 0);
  }
  report.Add("completed", ok ? 1 : 0, bench.error);
  report.AddText("engine", engine.owned() ? "started by the bench (engine_fixture.sh)" : "given",
                 engine.env().socket);
  report.Print(args.json);
  return ok ? 0 : 1;
}

}  // namespace capstan::bench
