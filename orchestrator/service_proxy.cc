#include "orchestrator/service_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "orchestrator/listen_socket.h"

namespace capstan::orchestrator {
namespace {

constexpr std::uint64_t kWake = 0;
constexpr std::uint64_t kListener = 1;
constexpr std::uint64_t kClient = 2;
constexpr std::uint64_t kUpstream = 3;
constexpr std::size_t kBufferCap = 256 * 1024;
constexpr std::uint32_t kIn = EPOLLIN;
constexpr std::uint32_t kOut = EPOLLOUT;

std::uint64_t Tag(std::uint64_t id, std::uint64_t type) { return (id << 2) | type; }

bool ParseAddr(const std::string& host, int port, sockaddr_in* addr) {
  std::memset(addr, 0, sizeof(*addr));
  addr->sin_family = AF_INET;
  addr->sin_port = htons(static_cast<std::uint16_t>(port));
  return inet_pton(AF_INET, host.c_str(), &addr->sin_addr) == 1;
}

}  // namespace

struct ServiceProxy::Listener {
  std::string key;
  int fd = -1;
  int port = 0;
  std::vector<Endpoint> endpoints;
  std::size_t next = 0;  // round-robin cursor
};

struct ServiceProxy::Conn {
  int client = -1;
  int upstream = -1;
  bool connected = false;
  bool client_eof = false;
  bool upstream_eof = false;
  bool upstream_shut = false;
  bool client_shut = false;
  std::vector<Endpoint> candidates;  // in the order to try
  std::size_t attempt = 0;
  std::string c2u;
  std::string u2c;
};

ServiceProxy::ServiceProxy() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ >= 0 && wake_fd_ >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = Tag(0, kWake);
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  }
}

ServiceProxy::~ServiceProxy() {
  Stop();
  for (auto& [id, c] : conns_) {
    if (c->client >= 0) close(c->client);
    if (c->upstream >= 0) close(c->upstream);
  }
  for (auto& [id, l] : listeners_) close(l->fd);
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

model::Status ServiceProxy::Start() {
  if (running_) return model::Status::Ok();
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    return model::Status::Error(model::ErrorCode::kIoError, "service proxy: epoll/eventfd failed");
  }
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
  return model::Status::Ok();
}

void ServiceProxy::Stop() {
  if (!running_) return;
  std::uint64_t one = 1;
  // The eventfd's counter becomes non-zero and stays so: the loop sees it and exits.
  (void)!write(wake_fd_, &one, sizeof(one));
  thread_.join();
  running_ = false;
}

model::Result<int> ServiceProxy::AddListener(const std::string& key, int port,
                                             const std::string& bind_host,
                                             const std::string& netns) {
  {
    std::lock_guard lock(mu_);
    if (auto it = by_key_.find(key); it != by_key_.end()) return listeners_[it->second]->port;
  }
  model::Result<int> fd = OpenListenSocket(ListenAddress{bind_host, port, netns});
  if (!fd.ok()) {
    return model::Status::Error(fd.status().code(),
                                fmt::format("service {}: {}", key, fd.status().message()));
  }
  auto l = std::make_unique<Listener>();
  l->key = key;
  l->fd = *fd;
  l->port = BoundPort(*fd);
  const int bound = l->port;
  std::lock_guard lock(mu_);
  std::uint64_t id = next_id_++;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = Tag(id, kListener);
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, *fd, &ev);
  by_key_[key] = id;
  listeners_[id] = std::move(l);
  return bound;
}

void ServiceProxy::RemoveListener(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  auto l = listeners_.find(it->second);
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, l->second->fd, nullptr);
  close(l->second->fd);
  listeners_.erase(l);
  by_key_.erase(it);
}

void ServiceProxy::SetEndpoints(const std::string& key, std::vector<Endpoint> endpoints) {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  listeners_[it->second]->endpoints = std::move(endpoints);
}

std::vector<Endpoint> ServiceProxy::Endpoints(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return {};
  return listeners_.at(it->second)->endpoints;
}

int ServiceProxy::Port(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  return it == by_key_.end() ? 0 : listeners_.at(it->second)->port;
}

std::vector<std::string> ServiceProxy::Keys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> keys;
  for (const auto& [k, id] : by_key_) keys.push_back(k);
  return keys;
}

std::uint64_t ServiceProxy::accepted() const {
  std::lock_guard lock(mu_);
  return accepted_;
}

void ServiceProxy::Loop() {
  epoll_event events[64];
  for (;;) {
    int n = epoll_wait(epoll_fd_, events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[i].data.u64;
      const std::uint64_t type = tag & 3;
      const std::uint64_t id = tag >> 2;
      if (type == kWake) return;
      if (type == kListener) {
        Accept(id);
      } else {
        HandleConn(id, type == kUpstream, events[i].events);
      }
    }
  }
}

void ServiceProxy::Accept(std::uint64_t listener_id) {
  for (;;) {
    int listen_fd = -1;
    std::vector<Endpoint> candidates;
    {
      std::lock_guard lock(mu_);
      auto it = listeners_.find(listener_id);
      if (it == listeners_.end()) return;  // removed meanwhile
      listen_fd = it->second->fd;
      int client = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (client < 0) return;
      ++accepted_;
      Listener& l = *it->second;
      const std::size_t n = l.endpoints.size();
      for (std::size_t k = 0; k < n; ++k) candidates.push_back(l.endpoints[(l.next + k) % n]);
      if (n > 0) l.next = (l.next + 1) % n;
      if (candidates.empty()) {
        close(client);  // no Ready endpoint: refuse, as kube-proxy does
        continue;
      }
      auto conn = std::make_unique<Conn>();
      conn->client = client;
      conn->candidates = std::move(candidates);
      std::uint64_t conn_id = next_id_++;
      Conn& c = *conn;
      conns_[conn_id] = std::move(conn);
      epoll_event ev{};
      ev.events = 0;
      ev.data.u64 = Tag(conn_id, kClient);
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, client, &ev);
      if (!ConnectNext(c)) {
        CloseConn(conn_id);
        continue;
      }
      epoll_event uev{};
      uev.events = EPOLLOUT;
      uev.data.u64 = Tag(conn_id, kUpstream);
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.upstream, &uev);
    }
  }
}

bool ServiceProxy::ConnectNext(Conn& c) {
  while (c.attempt < c.candidates.size()) {
    const Endpoint& e = c.candidates[c.attempt];
    sockaddr_in addr;
    if (!ParseAddr(e.host, e.port, &addr)) {
      ++c.attempt;
      continue;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    if (rc == 0 || errno == EINPROGRESS) {
      c.upstream = fd;
      c.connected = false;  // confirmed by EPOLLOUT + SO_ERROR
      return true;
    }
    close(fd);
    ++c.attempt;
  }
  return false;
}

void ServiceProxy::Rearm(std::uint64_t conn_id, Conn& c) {
  epoll_event ev{};
  // Client: read only once the upstream is connected, so a refused upstream can be retried
  // without having consumed anything.
  ev.events = ((c.connected && !c.client_eof && c.c2u.size() < kBufferCap) ? kIn : 0u) |
              (!c.u2c.empty() ? kOut : 0u);
  ev.data.u64 = Tag(conn_id, kClient);
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.client, &ev);
  epoll_event uev{};
  uev.events = ((c.connected && !c.upstream_eof && c.u2c.size() < kBufferCap) ? kIn : 0u) |
               ((!c.connected || !c.c2u.empty()) ? kOut : 0u);
  uev.data.u64 = Tag(conn_id, kUpstream);
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.upstream, &uev);
}

void ServiceProxy::CloseConn(std::uint64_t conn_id) {
  auto it = conns_.find(conn_id);
  if (it == conns_.end()) return;
  Conn& c = *it->second;
  if (c.client >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.client, nullptr);
    close(c.client);
  }
  if (c.upstream >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.upstream, nullptr);
    close(c.upstream);
  }
  conns_.erase(it);
}

void ServiceProxy::HandleConn(std::uint64_t conn_id, bool upstream_side, std::uint32_t events) {
  auto it = conns_.find(conn_id);
  if (it == conns_.end()) return;
  Conn& c = *it->second;

  if (upstream_side && !c.connected) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(c.upstream, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      // Refused: try the next endpoint (the client has sent nothing we consumed yet).
      epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.upstream, nullptr);
      close(c.upstream);
      c.upstream = -1;
      ++c.attempt;
      if (!ConnectNext(c)) {
        CloseConn(conn_id);
        return;
      }
      epoll_event uev{};
      uev.events = EPOLLOUT;
      uev.data.u64 = Tag(conn_id, kUpstream);
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.upstream, &uev);
      return;
    }
    if (!(events & EPOLLOUT)) return;
    c.connected = true;
  }

  char buf[16384];
  auto pump_in = [&](int fd, std::string& into, bool& eof) -> bool {
    while (!eof && into.size() < kBufferCap) {
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n > 0) {
        into.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0) {
        eof = true;
      } else {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        if (errno == EINTR) continue;
        return false;
      }
    }
    return true;
  };
  auto pump_out = [&](int fd, std::string& from) -> bool {
    while (!from.empty()) {
      ssize_t n = send(fd, from.data(), from.size(), MSG_NOSIGNAL);
      if (n > 0) {
        from.erase(0, static_cast<std::size_t>(n));
      } else {
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        if (n < 0 && errno == EINTR) continue;
        return false;
      }
    }
    return true;
  };

  bool ok = true;
  if (c.connected) {
    ok = pump_in(c.client, c.c2u, c.client_eof) && pump_in(c.upstream, c.u2c, c.upstream_eof) &&
         pump_out(c.upstream, c.c2u) && pump_out(c.client, c.u2c);
  }
  if (!ok || (events & EPOLLERR)) {
    CloseConn(conn_id);
    return;
  }
  if (c.client_eof && c.c2u.empty() && !c.upstream_shut) {
    shutdown(c.upstream, SHUT_WR);
    c.upstream_shut = true;
  }
  if (c.upstream_eof && c.u2c.empty() && !c.client_shut) {
    shutdown(c.client, SHUT_WR);
    c.client_shut = true;
  }
  if (c.upstream_shut && c.client_shut) {
    CloseConn(conn_id);
    return;
  }
  // A hang-up on a side that has nothing more to read or receive would otherwise spin.
  if ((events & EPOLLHUP) &&
      ((upstream_side && c.upstream_eof) || (!upstream_side && c.client_eof))) {
    CloseConn(conn_id);
    return;
  }
  Rearm(conn_id, c);
}

}  // namespace capstan::orchestrator
