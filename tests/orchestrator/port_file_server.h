#pragma once
// A test server process that writes the port it bound to a file (capstan-test-server's
// --port-file, grpc_health_server.py's first argument), and a port nothing listens on. Shared by
// the HTTP/TCP/exec and gRPC probe tests.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/spawn.h"

namespace capstan::orchestrator::testing {

// Starts the process `argv(port_file)` builds and waits (at most `timeout`) for the port in the
// file; the process group is killed on destruction.
class PortFileServer {
 public:
  PortFileServer(const std::function<std::vector<std::string>(const std::string&)>& argv,
                 std::chrono::seconds timeout, const std::string& what_is_missing) {
    using namespace std::chrono_literals;
    port_file_ = std::filesystem::temp_directory_path() /
                 ("capstan-port-" + std::to_string(::getpid()) + "-" + std::to_string(next_++));
    std::filesystem::remove(port_file_);
    SpawnOptions opts;
    opts.argv = argv(port_file_.string());
    opts.stderr_fd = STDERR_FILENO;
    auto pid = Spawn(opts);
    EXPECT_TRUE(pid.ok()) << pid.status().ToString();
    pid_ = pid.ok() ? *pid : 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline && port_ == 0) {
      std::ifstream in(port_file_);
      if (!(in >> port_)) std::this_thread::sleep_for(10ms);
      int status;
      if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;  // it died: no point waiting
        break;
      }
    }
    EXPECT_GT(port_, 0) << "the test server did not start: " << what_is_missing;
  }
  ~PortFileServer() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
    }
    std::filesystem::remove(port_file_);
  }
  PortFileServer(const PortFileServer&) = delete;
  PortFileServer& operator=(const PortFileServer&) = delete;
  int port() const { return port_; }

 private:
  static inline int next_ = 0;
  std::filesystem::path port_file_;
  int pid_ = 0;
  int port_ = 0;
};

// A port nothing listens on: bound, then released.
inline int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace capstan::orchestrator::testing
