#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace capstan::orchestrator::container {

// A tiny Docker Engine stand-in on a unix socket: one thread, one request per connection
// (answers carry "Connection: close"), canned answers chosen by method and path prefix.
// Records every request it saw. Thread-safe: tests configure it and read requests() while the
// server thread runs.
class FakeEngine {
 public:
  struct Request {
    std::string method;
    std::string target;                          // path and query, as sent
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
  };
  struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    // Send no Content-Length and end the body by closing, as an attached exec/start does.
    bool close_delimited = false;
    std::chrono::milliseconds delay{0};
  };

  explicit FakeEngine(std::string socket_path) : path_(std::move(socket_path)) {
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    ::unlink(path_.c_str());
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
      return;
    }
    if (::pipe2(stop_, O_CLOEXEC) != 0) return;
    thread_ = std::thread([this] { Serve(); });
  }

  ~FakeEngine() {
    if (thread_.joinable()) {
      char c = 'x';
      (void)!::write(stop_[1], &c, 1);
      thread_.join();
    }
    if (listen_fd_ >= 0) ::close(listen_fd_);
    if (stop_[0] >= 0) ::close(stop_[0]);
    if (stop_[1] >= 0) ::close(stop_[1]);
    ::unlink(path_.c_str());
  }

  FakeEngine(const FakeEngine&) = delete;
  FakeEngine& operator=(const FakeEngine&) = delete;

  bool listening() const { return thread_.joinable(); }

  // The longest matching prefix of "<METHOD> <target>" wins, e.g. "GET /v1.41/_ping".
  void On(const std::string& method_and_prefix, Response response) {
    std::lock_guard<std::mutex> lock(mu_);
    routes_[method_and_prefix] = std::move(response);
  }

  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  // The last request whose "<METHOD> <target>" starts with `prefix`, or an empty one.
  Request Last(const std::string& prefix) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = requests_.rbegin(); it != requests_.rend(); ++it) {
      if ((it->method + " " + it->target).rfind(prefix, 0) == 0) return *it;
    }
    return {};
  }

 private:
  void Serve() {
    while (true) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      Handle(fd);
      ::close(fd);
    }
  }

  // Reads until the stop pipe fires or the peer closes; false if stopped.
  bool ReadSome(int fd, std::string* buffer) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    if (::poll(fds, 2, 5000) <= 0 || fds[1].revents != 0) return false;
    char chunk[4096];
    ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  void Handle(int fd) {
    std::string in;
    std::size_t header_end;
    while ((header_end = in.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadSome(fd, &in)) return;
    }
    Request req;
    std::string head = in.substr(0, header_end);
    std::size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    std::size_t sp1 = request_line.find(' ');
    std::size_t sp2 = request_line.rfind(' ');
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string line = head.substr(pos, end - pos);
      std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::size_t v = line.find_first_not_of(' ', colon + 1);
        req.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = end + 2;
    }
    std::size_t length = 0;
    if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
      length = std::stoul(it->second);
    }
    req.body = in.substr(header_end + 4);
    while (req.body.size() < length) {
      if (!ReadSome(fd, &req.body)) return;
    }
    Response resp;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
      std::string key = req.method + " " + req.target;
      std::size_t best = 0;
      bool found = false;
      for (const auto& [prefix, r] : routes_) {
        if (key.rfind(prefix, 0) == 0 && prefix.size() >= best) {
          best = prefix.size();
          resp = r;
          found = true;
        }
      }
      if (!found) {
        resp.status = 404;
        resp.body = R"({"message":"page not found"})";
      }
    }
    if (resp.delay.count() > 0) {
      pollfd p = {stop_[0], POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(resp.delay.count())) > 0) return;
    }
    std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " Fake\r\n";
    out += "Content-Type: " + resp.content_type + "\r\nConnection: close\r\n";
    if (!resp.close_delimited)
      out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n";
    out += "\r\n" + resp.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }

  std::string path_;
  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  std::thread thread_;
  mutable std::mutex mu_;  // guards routes_ and requests_
  std::map<std::string, Response> routes_;
  std::vector<Request> requests_;
};

}  // namespace capstan::orchestrator::container
