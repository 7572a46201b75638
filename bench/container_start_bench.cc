// container-start: time from "task scheduled" to "container running" through the container
// driver, against Podman's own `podman run -d` of the same image and command, on the same engine
// (a Podman started by tests/container/engine_fixture.sh, or --engine-env FILE).
//
// Four ways to start one busybox container running `sleep 3600`, interleaved (the order rotates
// every round so that no way always goes first), N rounds (--runs, default 20; 5 with --quick)
// after one untimed warm-up round:
//   capstan    ContainerDriver::Start of a LaunchSpec (imagePullPolicy IfNotPresent), then
//              Inspect() until it reports kRunning. Start() returns after the engine's start, so
//              the first Inspect() sees it running: this is what the orchestrator waits for.
//   podman_run `podman run -d --name N IMAGE sleep 3600` (the CLI runs libpod in-process: no API
//              server in between).
//   podman_create_start  `podman create` then `podman start`: two CLI processes.
//   api        DockerClient calls as the driver makes them, each timed: list containers (the
//              driver's refresh), image exists (IfNotPresent), create, start, list again (the
//              Inspect() refresh). `api_create_start` is create + start alone: what `curl` to
//              the socket would cost.
// Cleanup between runs (SIGKILL and remove through the API) is not timed.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "bench/bench_report.h"
#include "bench/benchmarks.h"
#include "bench/podman_engine.h"
#include "model/clock.h"
#include "orchestrator/container/container_driver.h"
#include "orchestrator/container/docker_client.h"

namespace capstan::bench {
namespace {

namespace fs = std::filesystem;
namespace orch = capstan::orchestrator;
namespace container = capstan::orchestrator::container;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

const std::vector<std::string> kCommand = {"sleep", "3600"};

enum class Way { kCapstan, kPodmanRun, kPodmanCreateStart, kApi };
constexpr Way kWays[] = {Way::kCapstan, Way::kPodmanRun, Way::kPodmanCreateStart, Way::kApi};

struct Samples {
  std::vector<double> capstan, capstan_start, podman_run, podman_create_start, podman_create,
      api_list, api_image, api_create, api_start, api_inspect_list, api_total, api_create_start;
  int failures = 0;
  std::string first_error;

  void Fail(const std::string& error) {
    ++failures;
    if (first_error.empty()) first_error = error;
  }
};

class Runner {
 public:
  Runner(const PodmanEngine& engine, const fs::path& dir)
      : engine_(engine),
        client_(std::make_shared<container::DockerClient>(engine.env().socket)),
        driver_(clock_, client_, DriverOptions(dir)) {}

  void Run(Way way, int round, Samples* s) {
    switch (way) {
      case Way::kCapstan:
        Capstan(round, s);
        break;
      case Way::kPodmanRun:
        PodmanRun(round, s);
        break;
      case Way::kPodmanCreateStart:
        PodmanCreateStart(round, s);
        break;
      case Way::kApi:
        Api(round, s);
        break;
    }
    std::this_thread::sleep_for(50ms);  // let conmon and the cleanup settle before the next one
  }

 private:
  static container::ContainerDriverOptions DriverOptions(const fs::path& dir) {
    container::ContainerDriverOptions options;
    options.task_dir_root = (dir / "tasks").string();
    return options;
  }

  void Capstan(int round, Samples* s) {
    orch::LaunchSpec spec;
    spec.task_id = "cstart-" + std::to_string(round) + "-capstan";
    spec.app = "bench";
    spec.workload = "start";
    spec.revision = "r1";
    orch::ContainerLaunch c;
    c.name = "main";
    c.image = engine_.env().image;
    c.command = kCommand;
    c.image_pull_policy = model::ImagePullPolicy::kIfNotPresent;
    spec.containers.push_back(std::move(c));

    const auto t0 = Steady::now();
    auto handle = driver_.Start(spec);
    const auto t_started = Steady::now();
    if (!handle.ok()) {
      s->Fail("capstan: " + handle.status().message());
      return;
    }
    bool running = false;
    while (!running && Steady::now() - t0 < 30s) {
      auto st = driver_.Inspect(*handle);
      running = !st.empty() && st[0].state == orch::ContainerState::kRunning;
      if (!running) std::this_thread::sleep_for(1ms);
    }
    const auto t1 = Steady::now();
    if (running) {
      s->capstan.push_back(Ms(t1 - t0));
      s->capstan_start.push_back(Ms(t_started - t0));
    } else {
      s->Fail("capstan: container not running within 30 s");
    }
    (void)driver_.Kill(*handle);
    (void)driver_.Cleanup(*handle);
  }

  std::vector<std::string> Podman(std::vector<std::string> args) const {
    args.insert(args.begin(), "podman");
    return args;
  }

  // Untimed: the container exists and runs; then removes it.
  void CheckAndRemove(const std::string& name, const std::string& way, Samples* s, bool* ok) const {
    auto info = client_->InspectContainer(name);
    if (!info.ok() || !info->running) {
      s->Fail(way + ": container " + name +
              " not running: " + (info.ok() ? info->status : info.status().message()));
      *ok = false;
    }
    Remove(name);
  }

  // SIGKILL first: `sleep` as pid 1 ignores SIGTERM, and a forced remove of a running container
  // waits out the engine's 10 s stop timeout.
  void Remove(const std::string& id) const {
    (void)client_->KillContainer(id, "SIGKILL");
    (void)client_->RemoveContainer(id, /*force=*/true);
  }

  std::vector<std::string> RunArgs(const std::string& verb, const std::string& name) const {
    std::vector<std::string> argv = {verb};
    if (verb == "run") argv.push_back("-d");
    argv.insert(argv.end(), {"--name", name, engine_.env().image});
    argv.insert(argv.end(), kCommand.begin(), kCommand.end());
    return Podman(argv);
  }

  void PodmanRun(int round, Samples* s) {
    const std::string name = "cstart-" + std::to_string(round) + "-run";
    CommandResult r = RunCommand(RunArgs("run", name), engine_.podman_environment(), true);
    bool ok = r.exit_code == 0;
    if (!ok) s->Fail("podman run: " + r.output);
    CheckAndRemove(name, "podman run", s, &ok);
    if (ok) s->podman_run.push_back(r.wall_ms);
  }

  void PodmanCreateStart(int round, Samples* s) {
    const std::string name = "cstart-" + std::to_string(round) + "-create";
    CommandResult create = RunCommand(RunArgs("create", name), engine_.podman_environment(), true);
    CommandResult start{};
    bool ok = create.exit_code == 0;
    if (ok) {
      start = RunCommand(Podman({"start", name}), engine_.podman_environment(), true);
      ok = start.exit_code == 0;
    }
    if (!ok) s->Fail("podman create/start: " + create.output + start.output);
    CheckAndRemove(name, "podman create+start", s, &ok);
    if (ok) {
      s->podman_create_start.push_back(create.wall_ms + start.wall_ms);
      s->podman_create.push_back(create.wall_ms);
    }
  }

  void Api(int round, Samples* s) {
    container::CreateContainerRequest req;
    req.name = "cstart-" + std::to_string(round) + "-api";
    req.image = engine_.env().image;
    req.entrypoint = kCommand;
    req.cmd = std::vector<std::string>{};
    req.labels = {{"capstan.task", req.name}};
    const auto t0 = Steady::now();
    auto list = client_->ListContainers("capstan.task");
    const auto t1 = Steady::now();
    auto exists = client_->ImageExists(req.image);
    const auto t2 = Steady::now();
    auto id = client_->CreateContainer(req);
    const auto t3 = Steady::now();
    model::Status started = id.ok() ? client_->StartContainer(*id) : id.status();
    const auto t4 = Steady::now();
    auto list2 = client_->ListContainers("capstan.task");
    const auto t5 = Steady::now();
    if (!list.ok() || !exists.ok() || !started.ok() || !list2.ok()) {
      s->Fail("api: " + (started.ok() ? std::string("list/image") : started.message()));
    } else {
      s->api_list.push_back(Ms(t1 - t0));
      s->api_image.push_back(Ms(t2 - t1));
      s->api_create.push_back(Ms(t3 - t2));
      s->api_start.push_back(Ms(t4 - t3));
      s->api_inspect_list.push_back(Ms(t5 - t4));
      s->api_total.push_back(Ms(t5 - t0));
      s->api_create_start.push_back(Ms(t4 - t2));
    }
    Remove(id.ok() ? *id : req.name);
  }

  const PodmanEngine& engine_;
  model::SystemClock clock_;
  std::shared_ptr<container::DockerClient> client_;
  container::ContainerDriver driver_;
};

void AddDistribution(BenchReport& report, const std::string& key, const std::vector<double>& v,
                     const std::string& note) {
  report.Add(key + "_p50_ms", Percentile(v, 50), note);
  report.Add(key + "_p90_ms", Percentile(v, 90));
}

}  // namespace

int RunContainerStart(const BenchArgs& args) {
  PodmanEngine engine;
  std::string message;
  switch (engine.Acquire(args, &message)) {
    case PodmanEngine::Outcome::kSkipped:
      std::printf("container-start: %s\n", message.c_str());
      return 0;
    case PodmanEngine::Outcome::kFailed:
      std::fprintf(stderr, "container-start: %s\n", message.c_str());
      return 1;
    case PodmanEngine::Outcome::kReady:
      break;
  }
  const int runs = args.runs > 0 ? args.runs : args.quick ? 5 : 20;
  const fs::path dir = fs::temp_directory_path() / ("capstan-cstart-" + std::to_string(getpid()));
  fs::create_directories(dir);
  Samples samples;
  {
    Runner runner(engine, dir);
    Samples warmup;
    for (Way w : kWays) runner.Run(w, -1, &warmup);
    if (warmup.failures > 0) samples.Fail("warm-up: " + warmup.first_error);
    for (int round = 0; round < runs && samples.failures == 0; ++round) {
      for (std::size_t k = 0; k < std::size(kWays); ++k) {
        runner.Run(kWays[(k + round) % std::size(kWays)], round, &samples);
      }
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);

  const double capstan = Percentile(samples.capstan, 50);
  const double podman = Percentile(samples.podman_run, 50);
  BenchReport report("container-start");
  report.Add("runs", runs, "per way, interleaved, after 1 warm-up round");
  report.AddText("image", engine.env().image, "command: sleep 3600");
  AddDistribution(report, "capstan", samples.capstan,
                  "ContainerDriver::Start + Inspect until kRunning");
  AddDistribution(report, "capstan_start_call", samples.capstan_start, "Start() alone");
  AddDistribution(report, "podman_run", samples.podman_run, "`podman run -d` (CLI, in-process)");
  report.Add("ratio_capstan_to_podman_run", podman > 0 ? capstan / podman : 0,
             "p50 / p50; target <= 1.10");
  AddDistribution(report, "podman_create_start", samples.podman_create_start,
                  "`podman create` + `podman start` (two CLI processes)");
  report.Add("podman_create_p50_ms", Percentile(samples.podman_create, 50));
  AddDistribution(report, "api_create_start", samples.api_create_start,
                  "DockerClient create + start (curl-equivalent)");
  report.Add("api_list_p50_ms", Percentile(samples.api_list, 50),
             "GET /containers/json?filters=label (driver refresh)");
  report.Add("api_image_exists_p50_ms", Percentile(samples.api_image, 50),
             "GET /images/{name}/json (IfNotPresent)");
  report.Add("api_create_p50_ms", Percentile(samples.api_create, 50), "POST /containers/create");
  report.Add("api_start_p50_ms", Percentile(samples.api_start, 50), "POST /containers/{id}/start");
  report.Add("api_inspect_list_p50_ms", Percentile(samples.api_inspect_list, 50),
             "the list Inspect() refreshes with");
  AddDistribution(report, "api_driver_sequence", samples.api_total,
                  "list + image + create + start + list: the driver's calls, bare");
  report.Add("failures", samples.failures, samples.first_error);
  report.AddText("engine", engine.owned() ? "started by the bench (engine_fixture.sh)" : "given",
                 engine.env().socket);
  report.Print(args.json);
  return samples.failures == 0 ? 0 : 1;
}

}  // namespace capstan::bench
