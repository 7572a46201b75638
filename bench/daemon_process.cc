#include "bench/daemon_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace capstan::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string CapstanBinary() {
  if (const char* env = std::getenv("CAPSTAN_BINARY"); env && *env) return env;
#ifdef CAPSTAN_BINARY
  return CAPSTAN_BINARY;
#else
  std::error_code ec;
  return (fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path() / "cli" / "capstan")
      .string();
#endif
}

int Sh(const std::string& command) { return std::system(command.c_str()); }

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string Commit(const std::string& repo, const std::string& message) {
  Sh("git -C " + Quote(repo) + " add -A && git -C " + Quote(repo) + " commit -q -m " +
     Quote(message));
  FILE* p = ::popen(("git -C " + Quote(repo) + " rev-parse HEAD").c_str(), "r");
  char buf[64] = {};
  if (p) {
    if (!std::fgets(buf, sizeof(buf), p)) buf[0] = '\0';
    ::pclose(p);
  }
  std::string sha = buf;
  while (!sha.empty() && (sha.back() == '\n' || sha.back() == ' ')) sha.pop_back();
  return sha;
}

std::string SleepDeployment(const std::string& name, int replicas, const std::string& arg) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
         "\nspec:\n  replicas: " + std::to_string(replicas) +
         "\n  selector:\n    matchLabels:\n      app: " + name +
         "\n  template:\n    metadata:\n      labels:\n        app: " + name +
         "\n      annotations:\n        capstan.io/driver: process\n    spec:\n"
         "      terminationGracePeriodSeconds: 1\n      containers:\n        - name: main\n"
         "          command: [\"sleep\", \"" +
         arg + "\"]\n";
}

int KillTasks(const std::string& prefix) {
  int n = 0;
  DIR* dir = ::opendir("/proc");
  if (!dir) return 0;
  const std::string key = "CAPSTAN_TASK_ID=" + prefix;
  while (dirent* e = ::readdir(dir)) {
    const int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    if (Slurp(std::string("/proc/") + e->d_name + "/environ").find(key) == std::string::npos) {
      continue;
    }
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    ++n;
  }
  ::closedir(dir);
  return n;
}

pid_t StartDaemon(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> all = {CapstanBinary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (fd >= 0) ::close(fd);
  return pid;
}

int WaitForPort(pid_t pid, const std::string& log, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string marker = "serving on http://";
  while (Clock::now() < deadline) {
    const std::string text = Slurp(log);
    if (auto at = text.find(marker); at != std::string::npos) {
      if (auto colon = text.find(':', at + marker.size()); colon != std::string::npos) {
        return std::atoi(text.c_str() + colon + 1);
      }
    }
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

}  // namespace capstan::bench
