#include "bench/podman_engine.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

extern char** environ;

namespace capstan::bench {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

// What the signal handler needs to stop a fixture we started: fixed buffers, so the handler
// touches no allocator.
char g_fixture[4096];
char g_dir[4096];

void StopFixtureOnSignal(int sig) {
  if (g_dir[0] != '\0') {
    pid_t pid = ::fork();
    if (pid == 0) {
      const char* argv[] = {"bash", g_fixture, "stop", g_dir, nullptr};
      ::execv("/bin/bash", const_cast<char* const*>(argv));
      ::_exit(127);
    }
    if (pid > 0) ::waitpid(pid, nullptr, 0);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

std::string FixturePath() {
  if (const char* env = std::getenv("CAPSTAN_ENGINE_FIXTURE")) return env;
#ifdef CAPSTAN_SOURCE_DIR
  std::string path = std::string(CAPSTAN_SOURCE_DIR) + "/tests/container/engine_fixture.sh";
  if (fs::exists(path)) return path;
#endif
  return "";
}

// "export KEY='value'" lines (the fixture's podman.env) -> KEY -> value.
std::map<std::string, std::string> ReadExports(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("export ", 0) != 0) continue;
    line = line.substr(7);
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out[line.substr(0, eq)] = value;
  }
  return out;
}

}  // namespace

bool InPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::size_t pos = 0;
  while (pos <= dirs.size()) {
    std::size_t end = dirs.find(':', pos);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(pos, end - pos) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    pos = end + 1;
  }
  return false;
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, bool capture) {
  CommandResult result;
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (env.count(entry.substr(0, entry.find('='))) == 0) env_strings.push_back(std::move(entry));
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& s : args) argp.push_back(s.data());
  argp.push_back(nullptr);

  int pipe_fds[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (capture && ::pipe2(pipe_fds, O_CLOEXEC) == 0) {
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  const auto t0 = Steady::now();
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (pipe_fds[1] >= 0) ::close(pipe_fds[1]);
  if (rc != 0) {
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    result.output = std::string("cannot run ") + argv[0] + ": " + std::strerror(rc);
    return result;
  }
  if (pipe_fds[0] >= 0) {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(pipe_fds[0], buf, sizeof(buf));
      if (n > 0) {
        result.output.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        break;
      }
    }
    ::close(pipe_fds[0]);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.wall_ms = Ms(Steady::now() - t0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  // Nearest rank: the smallest value with at least p% of the values at or below it.
  std::size_t rank = static_cast<std::size_t>(std::max(1.0, std::ceil(p / 100.0 * values.size())));
  return values[std::min(rank, values.size()) - 1];
}

PodmanEngine::Outcome PodmanEngine::Acquire(const BenchArgs& args, std::string* message) {
  if (!InPath("podman")) {
    *message = "skipped: podman not installed";
    return Outcome::kSkipped;
  }
  std::string env_file = args.engine_env;
  if (env_file.empty()) {
    fixture_ = FixturePath();
    if (fixture_.empty()) {
      *message =
          "tests/container/engine_fixture.sh not found; set CAPSTAN_ENGINE_FIXTURE or pass "
          "--engine-env FILE";
      return Outcome::kFailed;
    }
    // Short: the engine socket path must fit in sun_path.
    const std::string dir = "/tmp/capstan-bench-engine-" + std::to_string(::getpid());
    std::snprintf(g_fixture, sizeof(g_fixture), "%s", fixture_.c_str());
    std::snprintf(g_dir, sizeof(g_dir), "%s", dir.c_str());
    dir_ = dir;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, StopFixtureOnSignal);
    std::fprintf(stderr, "starting a podman engine in %s (engine_fixture.sh)\n", dir.c_str());
    CommandResult r = RunCommand({"bash", fixture_, "start", dir}, {}, /*capture=*/true);
    if (r.exit_code != 0) {
      *message = "engine_fixture.sh start failed:\n" + r.output;
      return Outcome::kFailed;  // the fixture cleans up after a failed start itself
    }
    std::fprintf(stderr, "engine up in %.1f s\n", r.wall_ms / 1000);
    env_file = dir + "/env";
  }
  std::string error;
  auto env = testing::EngineEnv::FromFile(env_file, &error);
  if (!env) {
    *message = error;
    return Outcome::kFailed;
  }
  env_ = std::move(*env);
  podman_env_ = ReadExports(env_.podman_env_file);
  return Outcome::kReady;
}

PodmanEngine::~PodmanEngine() {
  if (dir_.empty()) return;
  CommandResult r = RunCommand({"bash", fixture_, "stop", dir_}, {}, /*capture=*/true);
  if (r.exit_code != 0) std::fprintf(stderr, "engine_fixture.sh stop: %s\n", r.output.c_str());
  g_dir[0] = '\0';
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
}

}  // namespace capstan::bench
