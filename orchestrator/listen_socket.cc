#include "orchestrator/listen_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "orchestrator/spawn.h"

namespace capstan::orchestrator {
namespace {

model::Result<int> OpenHere(const ListenAddress& where) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(where.port));
  if (inet_pton(AF_INET, where.host.c_str(), &addr.sin_addr) != 1) {
    return model::Status::Error(model::ErrorCode::kInvalidArgument,
                                "not an IPv4 address: " + where.host);
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return model::Status::Error(model::ErrorCode::kIoError,
                                fmt::format("socket: {}", std::strerror(errno)));
  }
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 512) != 0) {
    int err = errno;
    close(fd);
    return model::Status::Error(
        model::ErrorCode::kUnavailable,
        fmt::format("cannot listen on {}:{}{}: {}", where.host, where.port,
                    where.netns.empty() ? "" : " in " + where.netns, std::strerror(err)));
  }
  return fd;
}

}  // namespace

model::Result<int> OpenListenSocket(const ListenAddress& where) {
  if (where.netns.empty()) return OpenHere(where);
  model::Result<int> result = model::Status::Error(model::ErrorCode::kInternal, "not run");
  std::thread worker([&] {
    int ns = open(where.netns.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
      result = model::Status::Error(
          model::ErrorCode::kUnavailable,
          fmt::format("cannot open network namespace {}: {}", where.netns, std::strerror(errno)));
      return;
    }
    // Only this thread moves; it ends right after, so nothing else ever runs in the pod's
    // namespace.
    if (setns(ns, CLONE_NEWNET) != 0) {
      const int err = errno;
      close(ns);
      result = model::Status::Error(
          err == EPERM ? model::ErrorCode::kPermissionDenied : model::ErrorCode::kUnavailable,
          fmt::format("cannot enter network namespace {}: {}{}", where.netns, std::strerror(err),
                      err == EPERM ? " (Capstan needs root, CAP_SYS_ADMIN, to serve Services "
                                     "inside container pods)"
                                   : ""));
      return;
    }
    close(ns);
    result = OpenHere(where);
  });
  worker.join();
  return result;
}

model::Status RunInNetworkNamespace(const std::string& netns,
                                    const std::vector<std::string>& argv) {
  model::Status result = model::Status::Ok();
  std::thread worker([&] {
    int ns = open(netns.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
      const int err = errno;
      if (ns >= 0) close(ns);
      result = model::Status::Error(
          model::ErrorCode::kUnavailable,
          fmt::format("cannot enter network namespace {}: {}", netns, std::strerror(err)));
      return;
    }
    close(ns);
    SpawnOptions options;
    options.argv = argv;
    options.env = {{"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
    auto pid = Spawn(options);  // forked from this thread: the child is in the namespace too
    if (!pid.ok()) {
      result = pid.status();
      return;
    }
    int status = 0;
    for (int waited_ms = 0;; waited_ms += 2) {
      const pid_t done = waitpid(*pid, &status, WNOHANG);
      if (done == *pid) break;
      if (done < 0 && errno != EINTR) break;
      if (waited_ms >= 10000) {
        kill(-*pid, SIGKILL);
        waitpid(*pid, &status, 0);
        result = model::Status::Error(model::ErrorCode::kUnavailable,
                                      fmt::format("{} did not finish in 10 s", argv[0]));
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      result = model::Status::Error(model::ErrorCode::kFailedPrecondition,
                                    fmt::format("{} failed (status {})", argv[0], status));
    }
  });
  worker.join();
  return result;
}

int BoundPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  return ntohs(addr.sin_port);
}

}  // namespace capstan::orchestrator
