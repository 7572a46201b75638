#pragma once
// Helpers for the end-to-end tests: they run the real `capstan` binary against real Git
// repositories and real processes (capstan-test-server workloads), on 127.0.0.1 only.
//
// Every process a test starts is owned by an RAII object that kills its process group on
// destruction, and E2eTest::TearDown() kills every task process whose CAPSTAN_TASK_DIR lies under
// the test's temporary directory, so nothing outlives a test even when it fails.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace capstan::e2e {

using nlohmann::json;
using namespace std::chrono_literals;

// Paths of the binaries under test (compile definitions set by tests/e2e/CMakeLists.txt).
std::string CapstanBinary();
std::string TestServerBinary();

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);

// A port that was free a moment ago on 127.0.0.1 (bind to 0, read, close).
int FreePort();
// A window of host ports for a daemon's tasks ("MIN-MAX" for --task-ports): random, in
// 2000-11999 (outside the default 20000-29999 and the ephemeral range), with its first ports
// free now, so daemons of parallel tests do not collide with each other or with anything else.
std::string TaskPortRange();

struct CommandResult {
  int exit_code = -1;  // -1: killed (timeout) or did not start
  std::string out, err;
};

// Runs argv (argv[0] looked up in PATH) with `env` added to this process's environment (entries
// "NAME=value"; "NAME=" with nothing after the '=' removes NAME), in its own process group, and
// waits at most `timeout`; on timeout the group is killed.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env = {},
                         std::chrono::seconds timeout = 120s);

// A child process in its own process group with stdout and stderr in files; the group is killed
// (SIGKILL) on destruction unless it already exited.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& stdout_path,
          const std::string& stderr_path, const std::vector<std::string>& env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Whether it still runs (reaps it if it exited).
  bool Running();
  // Sends `sig` to the process (not its group).
  void Signal(int sig);
  // Waits for its exit; returns the exit status, 128+signal, or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGKILL to the whole process group, then reaps.
  void Kill();
  std::string Output() const;  // stdout + stderr so far

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_;
  std::string stdout_path_, stderr_path_;
};

// Polls `done` until it returns true or `timeout` passes; returns whether it did.
bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds period = 100ms);

struct HttpResponse {
  int status = 0;  // 0: transport error
  std::string body;
};
HttpResponse HttpGet(int port, const std::string& path);
HttpResponse HttpPost(int port, const std::string& path, const std::string& body,
                      const std::map<std::string, std::string>& headers = {},
                      const std::string& content_type = "application/json");

// Prometheus text format: the value of the sample `name` whose labels include every pair of
// `labels` (the first such sample), or nullopt.
std::optional<double> MetricValue(const std::string& text, const std::string& name,
                                  const std::map<std::string, std::string>& labels = {});
// Sum over every sample of `name` whose labels include `labels` (0 when none).
double MetricSum(const std::string& text, const std::string& name,
                 const std::map<std::string, std::string>& labels = {});

// Task processes (session leaders with CAPSTAN_TASK_ID in their environment) whose
// CAPSTAN_TASK_DIR starts with `root`: pid -> task id.
std::map<pid_t, std::string> TaskProcesses(const std::string& root);
// SIGKILLs the process group of every such process until none is left (at most ~10 s).
void KillTaskProcesses(const std::string& root);

// HMAC-SHA256 of `body` with `key`, as lower-case hex (computed with python3's hmac module, an
// implementation independent of the daemon's).
std::string HmacSha256Hex(const std::string& key, const std::string& body);

// A Git repository with a working tree, driven by the git CLI with a fixed identity and no
// dependence on the user's or the system's git configuration.
class GitRepo {
 public:
  explicit GitRepo(std::string dir);
  const std::string& dir() const { return dir_; }
  void Write(const std::string& relative, const std::string& content);
  void Remove(const std::string& relative);
  // Stages everything and commits; returns the new commit's SHA (empty on failure, with a test
  // failure recorded).
  std::string Commit(const std::string& message);
  std::string Git(const std::vector<std::string>& args);

 private:
  std::string dir_;
};

// Options of the `web` application the tests deploy: a Deployment of capstan-test-server
// processes and a Service in front of them.
struct WebApp {
  std::string version = "v1";  // what GET / answers
  int replicas = 2;
  int service_port = 0;          // 0: no Service
  bool readiness_fails = false;  // /readyz never answers 200
  std::string extra_env_yaml;    // appended to the container's env list (indented YAML items)
};
std::string WebAppYaml(const WebApp& app);

// One running `capstan serve`, its state under `state_dir`, its logs in `state_dir`/../.
class Daemon {
 public:
  struct Options {
    std::string repo;
    std::string state_dir;
    std::string interval = "1s";
    std::string webhook_secret_file;  // empty: no secret
    std::string token_file;
    std::string log_format = "text";
    std::string log_level = "info";
    std::string log_prefix;  // files <log_prefix>.out / .err
    std::string task_ports;  // --task-ports; empty: the daemon's default
    // --default-driver: the tests' repositories are process workloads (capstan-test-server)
    // unless their manifests say otherwise; empty: the daemon's default (container).
    std::string default_driver = "process";
    std::vector<std::string> extra_args;  // appended to the command line (--strict, ...)
  };
  explicit Daemon(Options options);
  // Starts it and waits until it listens (its log names the port). Fails the test otherwise.
  bool Start();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  Process* process() { return process_.get(); }
  // SIGTERM, waits for the exit; returns the exit status (nullopt: did not exit in time).
  std::optional<int> Terminate();
  void Kill();
  std::string Logs() const;

 private:
  Options options_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

// The fixture of every end-to-end test: a temp dir with a Git repository (`repo()`), a state
// dir, a webhook secret file and a token file; the daemon is started by the test.
class E2eTest : public ::testing::Test {
 protected:
  static constexpr const char* kToken = "e2e-api-token-1b2c3d";
  static constexpr const char* kWebhookSecret = "e2e-webhook-secret-9f8e7d";

  E2eTest();
  void TearDown() override;

  GitRepo& repo() { return repo_; }
  const std::string& state_dir() const { return state_dir_; }
  std::string token_file() const { return tmp_.Sub("token"); }
  std::string secret_file() const { return tmp_.Sub("webhook-secret"); }
  std::string tmp(const std::string& name) const { return tmp_.Sub(name); }

  Daemon::Options DefaultOptions() const;
  // Starts a daemon (stopping any previous one first); returns it, or nullptr on failure.
  Daemon* StartDaemon(Daemon::Options options);
  Daemon* StartDaemon() { return StartDaemon(DefaultOptions()); }
  Daemon& daemon() { return *daemon_; }

  // API helpers (against the running daemon).
  std::optional<json> GetJson(const std::string& path);
  std::optional<json> App(const std::string& name) { return GetJson("/api/v1/apps/" + name); }
  json Events();
  std::string Metrics();
  // Runs `capstan` with `args`, pointed at the daemon by --server where `server` is set.
  CommandResult Cli(std::vector<std::string> args, const std::vector<std::string>& env = {});

  // Waits until app `name` shows syncStatus `sync` and health `health` with commit `commit`
  // (any commit when empty); fails the test with the last view otherwise.
  bool WaitForApp(const std::string& name, const std::string& sync, const std::string& health,
                  const std::string& commit, std::chrono::seconds timeout = 120s);
  // Waits until `n` consecutive GETs of the service port answer `version`.
  bool WaitForServiceVersion(int port, const std::string& version,
                             std::chrono::seconds timeout = 60s);

 private:
  TempDir tmp_;
  GitRepo repo_;
  std::string state_dir_;
  std::string task_ports_;
  std::unique_ptr<Daemon> daemon_;
  int daemons_started_ = 0;
};

// The first workload of an application view.
const json& FirstWorkload(const json& app);
// The number of "Started" events of tasks whose id contains `fragment`.
int CountStarted(const json& events, const std::string& fragment);

}  // namespace capstan::e2e
