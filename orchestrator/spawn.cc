#include "orchestrator/spawn.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace capstan::orchestrator {

using model::ErrorCode;
using model::Result;
using model::Status;

namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The child side. Only async-signal-safe calls from here on.
struct ChildError {
  int stage;   // which step failed, for the message
  int err;     // errno
  int detail;  // the rlimit resource or capability of the step, when it has one
};

enum ChildStage {
  kStageSetsid = 1,
  kStageStdio,
  kStageChdir,
  kStageExec,
  kStageRlimit,
  kStageCapBound,
  kStageGroups,
  kStageSetgid,
  kStageSetuid,
  kStageCapSets,
  kStageNoNewPrivs,
  kStageHosts,
};

[[noreturn]] void ChildFail(int fd, int stage, int detail = 0) {
  ChildError e{stage, errno, detail};
  ssize_t ignored = ::write(fd, &e, sizeof(e));
  (void)ignored;
  ::_exit(127);
}

void WriteAll(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    len -= static_cast<std::size_t>(n);
  }
}

static_assert(sizeof(gid_t) == sizeof(std::uint32_t));

// The child's privileges, in SpawnSecurity's order. Raw system calls only (no libcap): nothing
// here allocates. Capability sets are changed with capget/capset on version 3 (64 bits).
void ApplySecurity(int error_fd, const SpawnSecurity& sec) {
  for (const SpawnSecurity::Rlimit& r : sec.rlimits) {
    struct rlimit lim;
    lim.rlim_cur = r.soft;
    lim.rlim_max = r.hard;
    if (::setrlimit(r.resource, &lim) != 0) ChildFail(error_fd, kStageRlimit, r.resource);
  }
  for (int cap : sec.drop_capabilities) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) ChildFail(error_fd, kStageCapBound, cap);
  }
  if (sec.change_ids) {
    if (::setgroups(sec.groups.size(), reinterpret_cast<const gid_t*>(sec.groups.data())) != 0) {
      ChildFail(error_fd, kStageGroups);
    }
    if (::setresgid(sec.gid, sec.gid, sec.gid) != 0) ChildFail(error_fd, kStageSetgid);
    if (::setresuid(sec.uid, sec.uid, sec.uid) != 0) ChildFail(error_fd, kStageSetuid);
  }
  if (!sec.drop_capabilities.empty()) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2];
    std::memset(data, 0, sizeof(data));
    if (::syscall(SYS_capget, &header, data) != 0) ChildFail(error_fd, kStageCapSets);
    for (int cap : sec.drop_capabilities) {
      const unsigned bit = 1U << (cap % 32);
      data[cap / 32].effective &= ~bit;
      data[cap / 32].permitted &= ~bit;
      data[cap / 32].inheritable &= ~bit;
    }
    if (::syscall(SYS_capset, &header, data) != 0) ChildFail(error_fd, kStageCapSets);
    // Ambient capabilities would survive exec whatever the bounding set says.
    (void)::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  }
  if (sec.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    ChildFail(error_fd, kStageNoNewPrivs);
  }
}

[[noreturn]] void RunChild(int error_fd, const char* exe, char* const* argv, char* const* envp,
                           const char* working_dir, int stdout_fd, int stderr_fd,
                           const std::vector<const char*>& pid_files, const char* hosts_file,
                           const SpawnSecurity& security) {
  // The daemon may block signals (signalfd) or ignore some: a workload starts with defaults.
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    ::sigaction(sig, &sa, nullptr);
  }
  if (::setsid() < 0) ChildFail(error_fd, kStageSetsid);
  if (hosts_file != nullptr) {
    // A private mount namespace whose /etc/hosts is the task's: Service names resolve for this
    // process tree only. MS_SLAVE keeps the node's later mounts visible, and none of ours leak.
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0 ||
        ::mount(hosts_file, "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) {
      ChildFail(error_fd, kStageHosts);
    }
  }

  // Join the cgroups before exec so that no instruction of the workload runs unlimited.
  char pid_text[24];
  int len = 0;
  {
    char rev[24];
    int n = 0;
    for (pid_t pid = ::getpid(); pid > 0 && n < 23; pid /= 10) rev[n++] = char('0' + pid % 10);
    while (n > 0) pid_text[len++] = rev[--n];
    pid_text[len] = '\0';
  }
  for (const char* file : pid_files) {
    int fd = ::open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);  // O_CREAT: fake trees
    if (fd >= 0) {
      WriteAll(fd, pid_text, static_cast<std::size_t>(len));
      ::close(fd);
    }
  }

  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) ChildFail(error_fd, kStageStdio);
  int out = stdout_fd >= 0 ? stdout_fd : null_fd;
  int err = stderr_fd >= 0 ? stderr_fd : null_fd;
  // dup2 clears close-on-exec on the target; when source == target it would not, hence fcntl.
  auto place = [&](int from, int to) {
    if (from == to) {
      int flags = ::fcntl(to, F_GETFD);
      if (flags < 0 || ::fcntl(to, F_SETFD, flags & ~FD_CLOEXEC) < 0)
        ChildFail(error_fd, kStageStdio);
    } else if (::dup2(from, to) < 0) {
      ChildFail(error_fd, kStageStdio);
    }
  };
  // error_fd could sit on 0..2 only if the daemon ran with them closed; Spawn() prevents that.
  place(null_fd, STDIN_FILENO);
  place(out, STDOUT_FILENO);
  place(err, STDERR_FILENO);
  // Nothing else of the daemon leaks into the workload (sockets, the store, other logs).
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < 4096; ++fd) {
      if (fd != error_fd) ::close(fd);
    }
  }
  if (working_dir != nullptr && ::chdir(working_dir) != 0) ChildFail(error_fd, kStageChdir);
  ApplySecurity(error_fd, security);
  ::execve(exe, argv, envp);
  ChildFail(error_fd, kStageExec);
}

std::string EnvValue(const std::vector<std::pair<std::string, std::string>>& env,
                     const std::string& name, bool* found) {
  *found = false;
  std::string value;
  for (const auto& [k, v] : env) {
    if (k == name) {
      value = v;
      *found = true;
    }
  }
  return value;
}

}  // namespace

Result<std::string> ResolveExecutable(const std::string& name, const std::string& path,
                                      const std::string& working_dir) {
  if (name.empty()) return Status::Error(ErrorCode::kInvalidArgument, "empty command");
  if (name.find('/') != std::string::npos) {
    std::string full = name;
    if (name[0] != '/' && !working_dir.empty()) full = working_dir + "/" + name;
    if (!IsExecutableFile(full)) {
      return Status::Error(ErrorCode::kNotFound, "executable file not found: " + name);
    }
    return full;
  }
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(begin, end - begin);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (candidate[0] != '/' && !working_dir.empty()) candidate = working_dir + "/" + candidate;
    if (IsExecutableFile(candidate)) return candidate;
    begin = end + 1;
  }
  return Status::Error(ErrorCode::kNotFound,
                       "executable file not found in $PATH: " + name + " (PATH=" + path + ")");
}

Result<int> Spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return Status::Error(ErrorCode::kInvalidArgument, "empty argv");
  bool has_path = false;
  std::string path = EnvValue(options.env, "PATH", &has_path);
  if (!has_path) path = kDefaultPath;
  auto exe = ResolveExecutable(options.argv[0], path, options.working_dir);
  if (!exe.ok()) return exe.status();

  // Everything the child needs, allocated before fork.
  std::vector<std::string> env_strings;
  env_strings.reserve(options.env.size());
  for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = options.argv;
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<const char*> pid_files;
  for (const auto& f : options.pid_files) pid_files.push_back(f.c_str());
  const char* working_dir = options.working_dir.empty() ? nullptr : options.working_dir.c_str();
  const char* hosts_file = options.hosts_file.empty() ? nullptr : options.hosts_file.c_str();

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Status::Error(ErrorCode::kIoError, std::string("pipe2: ") + std::strerror(errno));
  }
  // Keep the error pipe above 2 so that placing stdio in the child cannot clobber it.
  for (int& fd : pipe_fds) {
    if (fd <= STDERR_FILENO) {
      int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
      ::close(fd);
      fd = moved;
    }
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return Status::Error(ErrorCode::kUnavailable, std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    ::close(pipe_fds[0]);
    RunChild(pipe_fds[1], exe->c_str(), argv.data(), envp.data(), working_dir, options.stdout_fd,
             options.stderr_fd, pid_files, hosts_file, options.security);
  }
  ::close(pipe_fds[1]);
  ChildError error{};
  ssize_t n;
  do {
    n = ::read(pipe_fds[0], &error, sizeof(error));
  } while (n < 0 && errno == EINTR);
  ::close(pipe_fds[0]);
  if (n == 0) return static_cast<int>(pid);  // EOF: exec succeeded and closed the pipe

  // The child failed before exec and is calling _exit right now: this wait is bounded.
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof(error))) {
    return Status::Error(ErrorCode::kInternal, "child failed before exec (no error report)");
  }
  std::string what = "exec";
  switch (error.stage) {
    case kStageRlimit:
      what = "setrlimit (resource " + std::to_string(error.detail) + ") for";
      break;
    case kStageCapBound:
      what = "drop capability " + std::to_string(error.detail) + " from the bounding set of";
      break;
    case kStageGroups:
      what = "setgroups for";
      break;
    case kStageSetgid:
      what = "setgid " + std::to_string(options.security.gid) + " for";
      break;
    case kStageSetuid:
      what = "setuid " + std::to_string(options.security.uid) + " for";
      break;
    case kStageCapSets:
      what = "drop capabilities of";
      break;
    case kStageNoNewPrivs:
      what = "set no_new_privs for";
      break;
    case kStageSetsid:
      what = "setsid";
      break;
    case kStageStdio:
      what = "redirect stdio";
      break;
    case kStageChdir:
      what = "chdir to working directory";
      break;
    case kStageHosts:
      what = "mount the task's hosts file over /etc/hosts";
      break;
    default:
      break;
  }
  ErrorCode code = error.err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kFailedPrecondition;
  return Status::Error(code, what + " " +
                                 (error.stage == kStageChdir && working_dir  ? working_dir
                                  : error.stage == kStageHosts && hosts_file ? hosts_file
                                                                             : *exe) +
                                 ": " + std::strerror(error.err));
}

}  // namespace capstan::orchestrator
