#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/status.h"

namespace capstan::orchestrator {

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// The built-in TCP proxy behind Services (kube-proxy's userspace mode): each listener accepts
// on 127.0.0.1:<port> and hands every NEW connection to the next endpoint, round-robin; an
// endpoint that refuses is skipped for the next. Connections already open are left alone when the
// endpoints change. One epoll thread serves every listener and connection.
// Thread-safe: AddListener/RemoveListener/SetEndpoints may be called from any thread (the
// orchestrator loop); the endpoint table is guarded by a mutex the proxy thread also takes.
class ServiceProxy {
 public:
  ServiceProxy();
  ~ServiceProxy();  // stops the thread and closes every socket
  ServiceProxy(const ServiceProxy&) = delete;
  ServiceProxy& operator=(const ServiceProxy&) = delete;

  // Starts the proxy thread. Idempotent.
  model::Status Start();
  void Stop();

  // Listens on `bind_host`:`port` (0 = an ephemeral port) under `key` ("app/service/port"), in
  // the network namespace at path `netns` (empty = the daemon's own; see OpenListenSocket).
  // Returns the bound port. A key that exists already is returned as is.
  model::Result<int> AddListener(const std::string& key, int port,
                                 const std::string& bind_host = "127.0.0.1",
                                 const std::string& netns = "");
  void RemoveListener(const std::string& key);
  void SetEndpoints(const std::string& key, std::vector<Endpoint> endpoints);
  std::vector<Endpoint> Endpoints(const std::string& key) const;
  // The bound port of `key`, 0 if none.
  int Port(const std::string& key) const;
  std::vector<std::string> Keys() const;
  // Connections accepted so far over all listeners (for tests and metrics).
  std::uint64_t accepted() const;

 private:
  struct Listener;
  struct Conn;
  void Loop();
  void Accept(std::uint64_t listener_id);
  bool ConnectNext(Conn& conn);
  void HandleConn(std::uint64_t conn_id, bool upstream_side, std::uint32_t events);
  void Rearm(std::uint64_t conn_id, Conn& conn);
  void CloseConn(std::uint64_t conn_id);

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  bool running_ = false;  // loop thread owner only (Start/Stop)

  mutable std::mutex mu_;  // guards listeners_, by_key_, next_id_, accepted_
  std::map<std::uint64_t, std::unique_ptr<Listener>> listeners_;
  std::map<std::string, std::uint64_t> by_key_;
  std::uint64_t next_id_ = 1;
  std::uint64_t accepted_ = 0;

  // Proxy thread only.
  std::map<std::uint64_t, std::unique_ptr<Conn>> conns_;
};

}  // namespace capstan::orchestrator
