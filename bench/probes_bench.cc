// probes: HTTP health checks per second through one CurlHealthChecker (one libcurl multi handle,
// no thread per check), against a cpp-httplib server running in this process on 127.0.0.1.
// Keeps ~100 checks in flight; measures latency from Begin() to the result.
#include <httplib.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/bench_report.h"
#include "bench/benchmarks.h"
#include "model/clock.h"
#include "orchestrator/curl_health_checker.h"

namespace capstan::bench {
namespace {

using Steady = std::chrono::steady_clock;

double CpuMs(int who) {
  rusage ru{};
  ::getrusage(who, &ru);
  auto ms = [](const timeval& tv) { return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0; };
  return ms(ru.ru_utime) + ms(ru.ru_stime);
}

struct PassResult {
  std::size_t ok = 0;
  std::size_t failed = 0;
  double wall_ms = 0;
  double cpu_ms = 0;  // the probing thread only (the server runs on other threads)
  double p50_ms = 0;
  double p99_ms = 0;
  std::string first_error;
};

PassResult RunPass(int port, std::size_t total, std::size_t in_flight, bool reuse) {
  model::SystemClock clock;
  orchestrator::CurlHealthCheckerOptions options;
  options.reuse_connections = reuse;
  orchestrator::CurlHealthChecker checker(clock, options);
  std::unordered_map<std::uint64_t, Steady::time_point> begun;
  std::vector<double> latencies;
  latencies.reserve(total);
  PassResult result;
  std::uint64_t next_id = 0;
  double cpu_before = CpuMs(RUSAGE_THREAD);
  auto start = Steady::now();
  while (latencies.size() < total) {
    while (next_id < total && checker.InFlight() < in_flight) {
      orchestrator::HealthCheckRequest req;
      req.id = next_id++;
      req.port = port;
      req.path = "/healthz";
      req.timeout = std::chrono::seconds(5);
      begun[req.id] = Steady::now();
      checker.Begin(req);
    }
    for (const auto& r : checker.Poll(std::chrono::milliseconds(100))) {
      auto now = Steady::now();
      latencies.push_back(std::chrono::duration<double, std::milli>(now - begun[r.id]).count());
      begun.erase(r.id);
      if (r.success) {
        ++result.ok;
      } else {
        ++result.failed;
        if (result.first_error.empty()) result.first_error = r.message;
      }
    }
  }
  result.wall_ms = std::chrono::duration<double, std::milli>(Steady::now() - start).count();
  result.cpu_ms = CpuMs(RUSAGE_THREAD) - cpu_before;
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    result.p50_ms = latencies[latencies.size() / 2];
    result.p99_ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  }
  return result;
}

}  // namespace

int RunProbes(const BenchArgs& args) {
  const std::size_t total = args.quick ? 1000 : 10000;
  const std::size_t in_flight = 100;

  httplib::Server server;
  // Enough workers that 100 concurrent (possibly kept-alive) connections never queue.
  server.new_task_queue = [] { return new httplib::ThreadPool(128); };
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  // Debian's cpp-httplib is built with a listen backlog of 5: 100 simultaneous connects would
  // overflow it and wait for SYN retransmits (1s, 3s). Linux lets listen() raise it again.
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](int fd) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    listen_fd = fd;
  });
  int port = server.bind_to_any_port("127.0.0.1");
  if (listen_fd >= 0) ::listen(listen_fd, 4096);
  if (port <= 0) {
    std::fprintf(stderr, "probes: cannot bind a port on 127.0.0.1\n");
    return 1;
  }
  std::thread serving([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  double process_cpu_before = CpuMs(RUSAGE_SELF);
  PassResult fresh = RunPass(port, total, in_flight, /*reuse=*/false);
  PassResult reused = RunPass(port, total, in_flight, /*reuse=*/true);
  double process_cpu = CpuMs(RUSAGE_SELF) - process_cpu_before;
  server.stop();
  serving.join();

  BenchReport report("probes");
  report.Add("probes", static_cast<double>(total), "per pass, HTTP GET /healthz");
  report.Add("in_flight", static_cast<double>(in_flight));
  report.Add("http_probes_per_s", fresh.ok * 1000.0 / fresh.wall_ms,
             "new connection per probe (Kubernetes); target >= 1000");
  report.Add("wall_ms", fresh.wall_ms);
  report.Add("p50_ms", fresh.p50_ms);
  report.Add("p99_ms", fresh.p99_ms);
  report.Add("cpu_ms", fresh.cpu_ms, "probing thread (getrusage RUSAGE_THREAD)");
  report.Add("failed", static_cast<double>(fresh.failed), fresh.first_error);
  report.Add("keepalive_http_probes_per_s", reused.ok * 1000.0 / reused.wall_ms,
             "connections reused");
  report.Add("keepalive_p99_ms", reused.p99_ms);
  report.Add("keepalive_cpu_ms", reused.cpu_ms);
  report.Add("keepalive_failed", static_cast<double>(reused.failed), reused.first_error);
  report.Add("process_cpu_ms", process_cpu, "both passes, server threads included");
  report.Add("peak_rss_mb", PeakRssMb());
  report.Print(args.json);
  return fresh.failed == 0 && reused.failed == 0 ? 0 : 1;
}

}  // namespace capstan::bench
