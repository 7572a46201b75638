#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/clock.h"
#include "orchestrator/health_checker.h"

typedef void CURLM;
typedef void CURL;

namespace capstan::orchestrator {

struct CurlHealthCheckerOptions {
  // Kubernetes probes open a new connection each time (DisableKeepAlives), so that a probe tests
  // that the server still accepts connections. Reuse is faster and spares ports under load.
  bool reuse_connections = false;
  std::string user_agent = "capstan-probe/1.0";
};

// HealthChecker on one libcurl multi handle and poll(2), without a thread per check:
//  - HTTP(S) GET: success for status 200-399, as Kubernetes; custom headers; HTTPS certificates
//    are not verified (as kubelet); no proxy; redirects are not followed (3xx is a success).
//  - TCP: a non-blocking connect(); success once connected. Host names other than numeric
//    addresses are resolved with a blocking getaddrinfo at Begin() (probes use 127.0.0.1).
//  - gRPC: grpc.health.v1.Health/Check over HTTP/2 cleartext (h2c prior knowledge, libcurl with
//    nghttp2), one framed HealthCheckRequest{service}; success iff grpc-status 0 and the status
//    is SERVING, as Kubernetes' grpc probe (pkg/probe/grpc/grpc.go). Same connection-per-probe
//    and timeout as HTTP. Messages: "service is serving", "service unhealthy (responded with
//    \"NOT_SERVING\")", "health rpc failed: grpc-status 5: unknown service".
//  - exec: fork/exec of argv without a shell, in its own process group, stdio on /dev/null,
//    exit status 0 = success; on timeout the whole group is SIGKILLed and reaped later.
// Messages: "HTTP 200", "HTTP 503", "connection refused", "timeout after 1000ms",
// "exit status 1", "killed by signal 9", or the library's error text.
//
// Deadlines are read from `clock`, which must be a real clock (Poll() waits on file descriptors
// in real time). Exec children are reaped by pid only (never waitpid(-1)).
// Thread-compatible: one thread (the orchestrator loop) calls every method.
class CurlHealthChecker final : public HealthChecker {
 public:
  explicit CurlHealthChecker(const model::Clock& clock, CurlHealthCheckerOptions options = {});
  // Abandons checks in flight: kills exec children, closes sockets, frees curl handles.
  ~CurlHealthChecker() override;
  CurlHealthChecker(const CurlHealthChecker&) = delete;
  CurlHealthChecker& operator=(const CurlHealthChecker&) = delete;

  void Begin(const HealthCheckRequest& request) override;
  // Advances every check for at most `max_wait` and returns as soon as at least one finished
  // (with all that finished), or when `max_wait` has passed, or at once if none is in flight.
  std::vector<HealthCheckResult> Poll(std::chrono::milliseconds max_wait) override;
  std::size_t InFlight() const override;

  // Public so that libcurl's C callbacks in the .cc can name it; opaque to everyone else.
  struct HttpCheck;

 private:
  struct TcpCheck {
    std::uint64_t id;
    int fd;
    model::TimePoint deadline;
    long timeout_ms;
  };
  struct ExecCheck {
    std::uint64_t id;
    int pid;
    int pidfd;  // -1 if pidfd_open is unavailable: then polled in short slices
    model::TimePoint deadline;
    long timeout_ms;
  };

  void BeginHttp(const HealthCheckRequest& request);
  void ConfigureGrpc(CURL* easy, const HealthCheckRequest& request, HttpCheck& check);
  void BeginTcp(const HealthCheckRequest& request);
  void BeginExec(const HealthCheckRequest& request);
  // Does all non-blocking work and moves finished checks to done_.
  void Advance();
  void FinishHttp(CURL* easy, int curl_code);
  void ReapKilled();

  const model::Clock& clock_;
  CurlHealthCheckerOptions options_;
  CURLM* multi_ = nullptr;
  std::unordered_map<CURL*, std::unique_ptr<HttpCheck>> http_;
  std::vector<CURL*> idle_easy_;  // reset handles kept for reuse
  std::vector<TcpCheck> tcp_;
  std::vector<ExecCheck> exec_;
  std::vector<HealthCheckResult> done_;
  std::vector<int> killed_;  // timed-out exec children still to reap
};

}  // namespace capstan::orchestrator
