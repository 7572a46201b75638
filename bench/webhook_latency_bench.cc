// webhook-latency: how long from a signed GitHub push webhook to the first task of the new
// revision running. `capstan serve` (the real binary) follows a local repository with
// --interval 1h, so only the webhook can trigger the fetch. For each push: commit a new revision
// of one workload (a `sleep` whose argument changes), POST /hooks/github with the push payload and
// its X-Hub-Signature-256, then watch /proc (every ~1 ms) until a process with the new argument
// and the app's CAPSTAN_TASK_ID appears. The figure includes the HTTP round trip, the fetch,
// render, plan, apply and the start of the process (fork + exec).
//
// The capstan binary: $CAPSTAN_BINARY, else CAPSTAN_BINARY (compile definition), else
// ../cli/capstan next to this executable.
#include <dirent.h>
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "bench/benchmarks.h"
#include "bench/daemon_process.h"
#include "sources/webhooks/hmac.h"

namespace capstan::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// True if a live process whose CAPSTAN_TASK_ID starts with `prefix` has `arg` on its command line.
bool TaskWithArgRuns(const std::string& prefix, const std::string& arg) {
  DIR* dir = ::opendir("/proc");
  if (!dir) return false;
  bool found = false;
  const std::string key = "CAPSTAN_TASK_ID=" + prefix;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const std::string base = std::string("/proc/") + e->d_name;
    const std::string cmdline = Slurp(base + "/cmdline");
    if (cmdline.find(std::string(1, '\0') + arg) == std::string::npos) continue;
    const std::string env = Slurp(base + "/environ");
    if (env.find(key) == std::string::npos) continue;
    found = true;
    break;
  }
  ::closedir(dir);
  return found;
}

template <typename F>
bool PollUntil(F&& done, std::chrono::milliseconds timeout, std::chrono::microseconds step) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(step);
  }
  return true;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(q * (v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int RunWebhookLatency(const BenchArgs& args) {
  const int pushes = args.quick ? 5 : 20;
  char tmpl[] = "/tmp/capstan-bench-webhook-XXXXXX";
  if (!::mkdtemp(tmpl)) return 1;
  const std::string root = tmpl;
  const std::string repo = root + "/repo";
  const std::string app = "lat" + std::to_string(::getpid());
  const std::string prefix = app + "-";
  const std::string secret = "bench-secret";
  fs::create_directories(repo + "/apps/" + app);
  std::ofstream(root + "/secret") << secret;
  Sh("git -C " + Quote(repo) + " init -q -b main && git -C " + Quote(repo) +
     " config user.email bench@test.invalid && git -C " + Quote(repo) + " config user.name bench");
  auto write_revision = [&](int n) {
    std::ofstream(repo + "/apps/" + app + "/deployment.yaml", std::ios::trunc)
        << SleepDeployment("worker", 1, std::to_string(100000 + n));
  };
  write_revision(0);
  Commit(repo, "revision 0");

  const std::string log = root + "/daemon.log";
  const pid_t daemon =
      StartDaemon({"serve", "--repo", repo, "--state-dir", root + "/state", "--listen",
                   "127.0.0.1:0", "--interval", "1h", "--webhook-secret-file", root + "/secret",
                   "--log-level", "info", "--default-driver", "process"},
                  log);
  int rc = 0;
  std::vector<double> latencies_ms;
  const int port = WaitForPort(daemon, log, std::chrono::seconds(60));
  if (port == 0) {
    std::fprintf(stderr, "webhook-latency: the daemon did not start:\n%s\n", Slurp(log).c_str());
    rc = 1;
  }
  if (rc == 0 && !PollUntil([&] { return TaskWithArgRuns(prefix, "100000"); },
                            std::chrono::seconds(60), std::chrono::milliseconds(5))) {
    std::fprintf(stderr, "webhook-latency: the first revision never ran\n");
    rc = 1;
  }
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(5));
  for (int i = 1; rc == 0 && i <= pushes; ++i) {
    write_revision(i);
    const std::string sha = Commit(repo, "revision " + std::to_string(i));
    const std::string body = R"({"ref":"refs/heads/main","after":")" + sha +
                             R"(","repository":{"clone_url":")" + repo +
                             R"(","full_name":"bench/)" + app + R"("}})";
    httplib::Headers headers = {
        {"X-GitHub-Event", "push"},
        {"X-GitHub-Delivery", "bench-" + std::to_string(::getpid()) + "-" + std::to_string(i)},
        {"X-Hub-Signature-256", "sha256=" + webhooks::HmacSha256Hex(secret, body)}};
    const std::string arg = std::to_string(100000 + i);
    const auto t0 = Clock::now();
    auto res = client.Post("/hooks/github", headers, body, "application/json");
    if (!res || res->status != 202) {
      std::fprintf(stderr, "webhook-latency: push %d answered %d %s\n", i, res ? res->status : -1,
                   res ? res->body.c_str() : "");
      rc = 1;
      break;
    }
    if (!PollUntil([&] { return TaskWithArgRuns(prefix, arg); }, std::chrono::seconds(30),
                   std::chrono::microseconds(500))) {
      std::fprintf(stderr, "webhook-latency: revision %d did not start within 30 s\n", i);
      rc = 1;
      break;
    }
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    // Let the rollout finish (the old task stops) and the rate limiter refill before the next.
    PollUntil([&] { return !TaskWithArgRuns(prefix, std::to_string(100000 + i - 1)); },
              std::chrono::seconds(10), std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ::kill(daemon, SIGKILL);
  int status;
  ::waitpid(daemon, &status, 0);
  KillTasks(prefix);
  std::error_code ec;
  fs::remove_all(root, ec);

  BenchReport report("webhook-latency");
  report.Add("pushes", static_cast<double>(latencies_ms.size()));
  report.Add("p50_ms", Percentile(latencies_ms, 0.5),
             "webhook POST -> new revision's process "
             "runs (target < 100)");
  report.Add("p90_ms", Percentile(latencies_ms, 0.9));
  report.Add("max_ms", latencies_ms.empty()
                           ? 0
                           : *std::max_element(latencies_ms.begin(), latencies_ms.end()));
  report.Print(args.json);
  return rc;
}

}  // namespace capstan::bench
