// idle: the daemon's footprint once it runs many applications and nothing changes.
// `capstan serve` (the real binary) follows a local repository of 100 applications (quick: 10),
// each a Deployment of 3 replicas of `sleep` (process driver, no probes): 300 tasks. Once every
// application is Synced and all 300 processes run:
//   rss_mb              the daemon's VmRSS (/proc/PID/status; target < 50)
//   idle_cpu_percent    the daemon's CPU use over 3 s of idling (utime + stime)
//   noop_reconcile_ms   a no-change reconcile of all applications: a commit that only rewrites a
//                       YAML comment in every application's manifest, announced by a signed GitHub
//                       push webhook; from the POST until every application reports that commit
//                       as seen (GET /api/v1/apps, polled every 2 ms). It covers fetch, render,
//                       validate and diff of every application, and nothing is applied (target
//                       < 200)
//   reconcile_sum_ms    the same reconcile by the daemon's own clock: the growth of the sum of
//                       capstan_reconcile_duration_seconds over all applications
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
#include <nlohmann/json.hpp>
#include <sstream>
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

// Live processes whose CAPSTAN_TASK_ID starts with `prefix`.
int CountTasks(const std::string& prefix) {
  int n = 0;
  DIR* dir = ::opendir("/proc");
  if (!dir) return 0;
  const std::string key = "CAPSTAN_TASK_ID=" + prefix;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    const std::string base = std::string("/proc/") + e->d_name;
    if (Slurp(base + "/environ").find(key) == std::string::npos) continue;
    const std::string stat = Slurp(base + "/stat");
    const auto close = stat.rfind(')');
    if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z') continue;
    ++n;
  }
  ::closedir(dir);
  return n;
}

double StatusField(pid_t pid, const std::string& field) {  // kB
  std::istringstream in(Slurp("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atof(line.c_str() + field.size() + 1);
  }
  return 0;
}

double CpuSeconds(pid_t pid) {
  const std::string stat = Slurp("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 2));
  std::vector<std::string> f;
  std::string tok;
  while (in >> tok) f.push_back(tok);
  if (f.size() < 13) return 0;  // f[11], f[12]: utime, stime (fields 14, 15)
  return (std::atof(f[11].c_str()) + std::atof(f[12].c_str())) / ::sysconf(_SC_CLK_TCK);
}

double MetricSum(httplib::Client& client, const std::string& name) {
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return 0;
  std::istringstream in(res->body);
  std::string line;
  double sum = 0;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) != 0 && line.rfind(name + " ", 0) != 0) continue;
    const auto space = line.rfind(' ');
    if (space != std::string::npos) sum += std::atof(line.c_str() + space + 1);
  }
  return sum;
}

// True when GET /api/v1/apps lists `apps` applications, all Synced (or with `commit` seen).
bool AllApps(httplib::Client& client, int apps, const std::string& seen_commit) {
  auto res = client.Get("/api/v1/apps");
  if (!res || res->status != 200) return false;
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_discarded() || !j.contains("apps")) return false;
  int ok = 0;
  for (const auto& a : j["apps"]) {
    if (seen_commit.empty() ? a.value("syncStatus", "") == "Synced"
                            : a.value("seenCommit", "") == seen_commit) {
      ++ok;
    }
  }
  return ok >= apps;
}

}  // namespace

int RunIdle(const BenchArgs& args) {
  const int apps = args.quick ? 10 : 100;
  const int replicas = 3;
  char tmpl[] = "/tmp/capstan-bench-idle-XXXXXX";
  if (!::mkdtemp(tmpl)) return 1;
  const std::string root = tmpl;
  const std::string repo = root + "/repo";
  const std::string tag = "i" + std::to_string(::getpid()) + "x";
  const std::string secret = "bench-secret";
  std::ofstream(root + "/secret") << secret;
  fs::create_directories(repo);
  Sh("git -C " + Quote(repo) + " init -q -b main && git -C " + Quote(repo) +
     " config user.email bench@test.invalid && git -C " + Quote(repo) + " config user.name bench");
  auto write_all = [&](int touch) {
    for (int a = 0; a < apps; ++a) {
      const std::string app = tag + std::to_string(a);
      fs::create_directories(repo + "/apps/" + app);
      std::ofstream(repo + "/apps/" + app + "/deployment.yaml", std::ios::trunc)
          << "# touch " << touch << "\n"
          << SleepDeployment("sleeper", replicas, "100000");
    }
  };
  write_all(0);
  Commit(repo, "apps");

  const std::string log = root + "/daemon.log";
  const auto t_start = Clock::now();
  const pid_t daemon =
      StartDaemon({"serve", "--repo", repo, "--state-dir", root + "/state", "--listen",
                   "127.0.0.1:0", "--interval", "1h", "--webhook-secret-file", root + "/secret",
                   "--log-level", "info", "--default-driver", "process"},
                  log);
  int rc = 0;
  const int port = WaitForPort(daemon, log, std::chrono::seconds(60));
  if (port == 0) {
    std::fprintf(stderr, "idle: the daemon did not start:\n%s\n", Slurp(log).c_str());
    rc = 1;
  }
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(5));
  const int want = apps * replicas;
  double converge_s = 0, rss_mb = 0, hwm_mb = 0, idle_cpu = 0, noop_ms = 0, sum_ms = 0;
  if (rc == 0) {
    const auto deadline = Clock::now() + std::chrono::seconds(180);
    while (!(CountTasks(tag) == want && AllApps(client, apps, ""))) {
      if (Clock::now() > deadline) {
        std::fprintf(stderr, "idle: %d of %d tasks after 180 s\n", CountTasks(tag), want);
        rc = 1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    converge_s = std::chrono::duration<double>(Clock::now() - t_start).count();
  }
  if (rc == 0) {
    std::this_thread::sleep_for(std::chrono::seconds(1));  // settle
    const double cpu0 = CpuSeconds(daemon);
    const auto w0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(3));
    idle_cpu = 100.0 * (CpuSeconds(daemon) - cpu0) /
               std::chrono::duration<double>(Clock::now() - w0).count();
    rss_mb = StatusField(daemon, "VmRSS") / 1024.0;
    hwm_mb = StatusField(daemon, "VmHWM") / 1024.0;

    write_all(1);
    const std::string sha = Commit(repo, "comments only");
    const std::string body = R"({"ref":"refs/heads/main","after":")" + sha +
                             R"(","repository":{"clone_url":")" + repo + R"("}})";
    httplib::Headers headers = {
        {"X-GitHub-Event", "push"},
        {"X-GitHub-Delivery", "idle-" + std::to_string(::getpid())},
        {"X-Hub-Signature-256", "sha256=" + webhooks::HmacSha256Hex(secret, body)}};
    const double sum0 = MetricSum(client, "capstan_reconcile_duration_seconds_sum");
    const auto t0 = Clock::now();
    auto res = client.Post("/hooks/github", headers, body, "application/json");
    if (!res || res->status != 202) {
      std::fprintf(stderr, "idle: webhook answered %d\n", res ? res->status : -1);
      rc = 1;
    }
    while (rc == 0 && !AllApps(client, apps, sha)) {
      if (Clock::now() - t0 > std::chrono::seconds(60)) {
        std::fprintf(stderr, "idle: the unchanged commit was not seen by all apps in 60 s\n");
        rc = 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    noop_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    sum_ms = 1000.0 * (MetricSum(client, "capstan_reconcile_duration_seconds_sum") - sum0);
    if (CountTasks(tag) != want) {
      std::fprintf(stderr, "idle: the no-change reconcile changed the tasks\n");
      rc = 1;
    }
  }
  ::kill(daemon, SIGKILL);
  int status;
  ::waitpid(daemon, &status, 0);
  KillTasks(tag);
  std::error_code ec;
  fs::remove_all(root, ec);

  BenchReport report("idle");
  report.Add("apps", apps);
  report.Add("tasks", want);
  report.Add("converge_s", converge_s, "start -> all tasks running and every app Synced");
  report.Add("rss_mb", rss_mb, "daemon VmRSS when idle (target < 50)");
  report.Add("peak_rss_mb", hwm_mb, "daemon VmHWM");
  report.Add("idle_cpu_percent", idle_cpu, "daemon CPU over 3 s of idling");
  report.Add("noop_reconcile_ms", noop_ms,
             "webhook -> all apps saw an unchanged commit (target < 200)");
  report.Add("reconcile_sum_ms", sum_ms, "sum of capstan_reconcile_duration_seconds growth");
  report.Print(args.json);
  return rc;
}

}  // namespace capstan::bench
