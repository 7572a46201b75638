#include "tests/crash/crash_harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

extern char** environ;

namespace capstan::crash {
namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/capstan-crash-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) != nullptr) path_ = buf.data();
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

int RunCommand(const std::vector<std::string>& argv, std::string* out) {
  int pipe_fds[2] = {-1, -1};
  if (out && ::pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out) {
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (out) {
    ::close(pipe_fds[1]);
    out->clear();
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipe_fds[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) out->append(buf, static_cast<std::size_t>(n));
    }
    ::close(pipe_fds[0]);
  }
  if (rc != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void WriteFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

GitRepo::GitRepo(std::string dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  RunCommand({"git", "-C", dir_, "init", "-q", "-b", "main"});
  RunCommand({"git", "-C", dir_, "config", "user.email", "crash@test.invalid"});
  RunCommand({"git", "-C", dir_, "config", "user.name", "crash test"});
  RunCommand({"git", "-C", dir_, "config", "commit.gpgsign", "false"});
}

std::string GitRepo::CommitTree(const std::string& folder,
                                const std::map<std::string, std::string>& files,
                                const std::string& message) {
  std::error_code ec;
  fs::remove_all(fs::path(dir_) / folder, ec);
  for (const auto& [rel, text] : files) WriteFile((fs::path(dir_) / folder / rel).string(), text);
  RunCommand({"git", "-C", dir_, "add", "-A"});
  RunCommand({"git", "-C", dir_, "commit", "-q", "--allow-empty", "-m", message});
  std::string head;
  RunCommand({"git", "-C", dir_, "rev-parse", "HEAD"}, &head);
  while (!head.empty() && (head.back() == '\n' || head.back() == ' ')) head.pop_back();
  return head;
}

namespace {

// Fields of /proc/PID/stat after the command: state is field 3, session field 6, start time 22.
bool ReadStat(const std::string& pid, char* state, long* session, unsigned long long* start) {
  const std::string text = ReadFile("/proc/" + pid + "/stat");
  const auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return false;
  std::istringstream in(text.substr(close + 2));
  std::vector<std::string> f;
  std::string tok;
  while (in >> tok) f.push_back(tok);
  if (f.size() < 20) return false;  // f[0] is field 3
  *state = f[0].empty() ? '?' : f[0][0];
  *session = std::strtol(f[3].c_str(), nullptr, 10);
  *start = std::strtoull(f[19].c_str(), nullptr, 10);
  return true;
}

}  // namespace

std::vector<TaskProcess> ScanTaskProcesses(const std::string& prefix) {
  std::vector<TaskProcess> out;
  DIR* dir = ::opendir("/proc");
  if (!dir) return out;
  const std::string key = "CAPSTAN_TASK_ID=";
  while (dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    const std::string env = ReadFile(std::string("/proc/") + e->d_name + "/environ");
    std::string id;
    for (std::size_t pos = 0; pos < env.size();) {
      std::size_t next = env.find('\0', pos);
      if (next == std::string::npos) next = env.size();
      if (env.compare(pos, key.size(), key) == 0) {
        id = env.substr(pos + key.size(), next - pos - key.size());
        break;
      }
      pos = next + 1;
    }
    if (id.rfind(prefix, 0) != 0) continue;
    char state = '?';
    long session = 0;
    unsigned long long start = 0;
    if (!ReadStat(e->d_name, &state, &session, &start)) continue;
    if (state == 'Z' || state == 'X' || session != pid) continue;
    TaskProcess p;
    p.pid = static_cast<int>(pid);
    p.task_id = id;
    p.start_ticks = start;
    const std::string cmdline = ReadFile(std::string("/proc/") + e->d_name + "/cmdline");
    std::vector<std::string> argv;
    for (std::size_t pos = 0; pos < cmdline.size();) {
      std::size_t next = cmdline.find('\0', pos);
      if (next == std::string::npos) next = cmdline.size();
      argv.push_back(cmdline.substr(pos, next - pos));
      pos = next + 1;
    }
    for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
      if (argv[i] == "--version") p.version = argv[i + 1];
    }
    out.push_back(std::move(p));
  }
  ::closedir(dir);
  return out;
}

int KillTaskProcesses(const std::string& prefix, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int first = -1;
  for (;;) {
    const auto found = ScanTaskProcesses(prefix);
    if (first < 0) first = static_cast<int>(found.size());
    if (found.empty() || std::chrono::steady_clock::now() > deadline) break;
    for (const auto& p : found) {
      ::kill(-p.pid, SIGKILL);
      ::kill(p.pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return first;
}

DaemonProcess::DaemonProcess(std::string binary, std::vector<std::string> args,
                             std::string log_path)
    : binary_(std::move(binary)), args_(std::move(args)), log_path_(std::move(log_path)) {}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0) Kill9();
}

bool DaemonProcess::Start() {
  if (pid_ > 0) return false;
  std::error_code ec;
  log_offset_ = fs::exists(log_path_, ec) ? fs::file_size(log_path_, ec) : 0;
  port_ = 0;
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return false;
  std::vector<std::string> argv_strings = {binary_};
  argv_strings.insert(argv_strings.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return false;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  pid_ = pid;
  return true;
}

int DaemonProcess::WaitForPort(std::chrono::milliseconds timeout) {
  if (port_ > 0) return port_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string marker = "serving on http://";
  while (pid_ > 0) {
    const std::string log = ReadFile(log_path_);
    const std::size_t from = std::min(log_offset_, log.size());
    const auto at = log.find(marker, from);
    if (at != std::string::npos) {
      const auto colon = log.find(':', at + marker.size());
      if (colon != std::string::npos) {
        port_ = std::atoi(log.c_str() + colon + 1);
        if (port_ > 0) return port_;
      }
    }
    int status = 0;
    if (Exited(&status)) return 0;
    if (std::chrono::steady_clock::now() > deadline) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

void DaemonProcess::Kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  port_ = 0;
}

int DaemonProcess::Terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      port_ = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill9();
  return -1;
}

bool DaemonProcess::Exited(int* status) {
  if (pid_ <= 0) return true;
  const pid_t r = ::waitpid(pid_, status, WNOHANG);
  if (r != pid_) return false;
  pid_ = -1;
  port_ = 0;
  return true;
}

std::string DaemonProcess::LogTail(std::size_t max_bytes) const {
  const std::string log = ReadFile(log_path_);
  return log.size() <= max_bytes ? log : log.substr(log.size() - max_bytes);
}

std::optional<std::string> HttpGet(int port, const std::string& path,
                                   std::chrono::milliseconds timeout) {
  if (port <= 0) return std::nullopt;
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  auto res = client.Get(path);
  if (!res || res->status != 200) return std::nullopt;
  return res->body;
}

}  // namespace capstan::crash
