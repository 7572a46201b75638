#pragma once

#include <memory>
#include <string>
#include <thread>

#include "model/status.h"
#include "server/api_backend.h"

namespace httplib {
class Server;
}

namespace capstan::server {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 9420;                 // 0 = ephemeral (tests)
  // Mutating API calls need "Authorization: Bearer <token>"; empty = they are refused (403).
  std::string api_token;
  // API bodies (a /api/v1/diff carries a whole rendered revision); larger -> 413. Webhook bodies
  // have their own, smaller cap in the receiver (1 MiB).
  std::size_t max_body_bytes = 32 << 20;
  int worker_threads = 4;
};

// One HTTP port for everything: GET /metrics, POST /hooks/{github,gitlab,gitea},
// /api/v1/..., GET /healthz and /readyz. Routing, token checks and body caps live here;
// everything else is the backend's.
// Thread-safe: Start/Stop from one thread; handlers run on the server's worker threads.
class HttpServer {
 public:
  HttpServer(ServerOptions options, ApiBackend& backend);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on a background thread. Fails if the address is in use.
  model::Status Start();
  void Stop();
  int port() const { return bound_port_; }

 private:
  void Routes();

  ServerOptions options_;
  ApiBackend& backend_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int bound_port_ = 0;
};

// Constant-time comparison, for tokens and signatures.
bool ConstantTimeEquals(const std::string& a, const std::string& b);

}  // namespace capstan::server
