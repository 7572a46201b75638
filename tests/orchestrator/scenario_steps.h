#pragma once

// What the real-orchestrator scenarios share, whatever runs the tasks (processes in
// real_process_test, containers in container_scenarios_test): stepping the loop on the real
// clock, reading a workload's state, and the deploy / roll-and-watch steps with their checks.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <functional>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/event_log.h"
#include "orchestrator/orchestrator.h"

namespace capstan::orchestrator::scenario {

// A readiness/liveness probe on the container's "http" port, with the scenarios' timing:
// 1 s period, 1 s timeout.
inline model::ProbeSpec HttpProbe(const std::string& path, int failure_threshold = 3) {
  model::ProbeSpec p;
  p.action = model::ProbeAction::kHttpGet;
  p.port = "http";
  p.path = path;
  p.period_seconds = 1;
  p.timeout_seconds = 1;
  p.failure_threshold = failure_threshold;
  return p;
}

// Steps `Derived` (which has Step()) on the real clock. CRTP so that each harness keeps its own
// Step() (what it records for cleanup) without a virtual call.
template <typename Derived>
class StepLoop {
 public:
  // Steps every `period` until `done` holds (true) or `timeout` passes (false). `each` runs after
  // every Step, for invariants that must hold at every step.
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                const std::function<void()>& each = {},
                std::chrono::milliseconds period = std::chrono::milliseconds(50)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      static_cast<Derived*>(this)->Step();
      if (each) each();
      if (done()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(period);
    }
  }
  // Steps for `d` whatever happens.
  void RunFor(std::chrono::milliseconds d, const std::function<void()>& each = {}) {
    (void)RunUntil([] { return false; }, d, each);
  }
  WorkloadStatus Workload(const std::string& app, const std::string& name) {
    return static_cast<Derived*>(this)->orch().Status(app).workloads[name];
  }
};

// The first port of a window of `width` host ports for a harness's tasks: a random one of
// `windows` windows from `base` none of whose ports anything holds now (a test running beside
// this one, or the last one's processes still going away). Below the kernel's ephemeral range.
inline int PickPortWindow(int base, int windows, int width) {
  auto port_free = [](int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    return ok;
  };
  std::random_device rd;
  int start = base;
  for (int attempt = 0; attempt < 100; ++attempt) {
    start = base + static_cast<int>(rd() % static_cast<unsigned>(windows)) * width;
    bool free = true;
    for (int p = start; p < start + width && free; ++p) free = port_free(p);
    if (free) break;
  }
  return start;
}

// Ready tasks of `revision` (all revisions if empty).
inline int ReadyOf(const WorkloadStatus& w, const std::string& revision = "") {
  int n = 0;
  for (const auto& t : w.tasks) {
    if (t.phase == TaskPhase::kReady && (revision.empty() || t.revision == revision)) ++n;
  }
  return n;
}

inline std::string Describe(const WorkloadStatus& w) {
  std::ostringstream out;
  out << "phase=" << RolloutPhaseName(w.phase) << " ready=" << w.ready << " total=" << w.total
      << " current=" << w.current_revision.substr(0, 8)
      << " target=" << w.target_revision.substr(0, 8) << " message='" << w.message << "'\n";
  for (const auto& t : w.tasks) {
    out << "  " << t.id << " " << TaskPhaseName(t.phase) << " " << t.reason << " " << t.message
        << " restarts=" << t.restarts << "\n";
  }
  return out.str();
}

inline std::string EventsText(EventLog& events, const std::string& prefix = "") {
  std::ostringstream out;
  for (const auto& e : events.Events(prefix)) {
    out << e.object << " " << e.reason << ": " << e.message << "\n";
  }
  return out.str();
}

// The rollout is complete with exactly `replicas` Ready tasks, all of the current revision.
inline bool Settled(const WorkloadStatus& w, int replicas) {
  return w.phase == RolloutPhase::kComplete && w.ready == replicas && w.total == replicas &&
         ReadyOf(w, w.current_revision) == replicas;
}

// Deploys `spec` and waits until all its replicas are Ready; returns the revision.
template <typename Harness>
std::string Deploy(Harness& h, const AppSpec& spec, const std::string& workload, int replicas,
                   std::chrono::milliseconds timeout = std::chrono::seconds(90)) {
  h.orch().SetDesired(spec);
  WorkloadStatus w;
  bool ok = h.RunUntil(
      [&] {
        w = h.Workload(spec.app, workload);
        return Settled(w, replicas);
      },
      timeout);
  EXPECT_TRUE(ok) << Describe(w) << EventsText(h.events());
  return w.current_revision;
}

// Rolls to a new revision and checks, after EVERY Step, that at least `min_ready` tasks are
// Ready and at most `max_total` tasks are live. Returns the final status.
template <typename Harness>
WorkloadStatus RollAndWatch(Harness& h, const AppSpec& spec, const std::string& workload,
                            int replicas, int min_ready, int max_total,
                            std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  const std::string before = h.Workload(spec.app, workload).current_revision;
  h.orch().SetDesired(spec);
  int lowest_ready = replicas, highest_total = 0, steps = 0;
  WorkloadStatus w;
  bool done =
      h.RunUntil([&] { return w.current_revision != before && Settled(w, replicas); }, timeout,
                 [&] {
                   w = h.Workload(spec.app, workload);
                   lowest_ready = std::min(lowest_ready, w.ready);
                   highest_total = std::max(highest_total, w.total);
                   ++steps;
                 });
  EXPECT_TRUE(done) << Describe(w) << EventsText(h.events());
  EXPECT_GE(lowest_ready, min_ready) << EventsText(h.events());
  EXPECT_LE(highest_total, max_total);
  EXPECT_GE(steps, 5) << "the rollout should take several steps";
  for (const auto& t : w.tasks) {
    if (t.phase == TaskPhase::kStopping || IsTerminal(t.phase)) continue;  // on their way out
    EXPECT_EQ(t.revision, w.current_revision) << t.id;
  }
  return w;
}

// Rolls the 3-replica "web" workload of `app` (already deployed, behind Service "web") to v2 while
// a client sends ~50 requests/s through the proxy, each on a new connection: no request may fail,
// no task may be signalled while it is still an endpoint, and traffic ends on v2. The servers
// answer "version=<v>" in their body.
template <typename Harness>
void ExpectNoLostRequestDuringRollout(Harness& h, AppSpec& app,
                                      const std::function<void(AppSpec&)>& to_v2) {
  const auto svc = h.orch().Status(app.app).services["web"];
  ASSERT_EQ(svc.ports.size(), 1u);
  const int port = svc.ports[0].bound_port;
  const std::string address = svc.ports[0].address;  // the Service's cluster IP
  ASSERT_GT(port, 0) << svc.ports[0].error;
  ASSERT_EQ(svc.ports[0].endpoints.size(), 3u);

  // ~50 requests/s, each on a new connection (so every one goes through the proxy's choice).
  std::atomic<bool> stop{false};
  std::mutex mu;  // guards the vectors below
  std::vector<std::string> versions;
  std::vector<std::string> failures;
  std::thread client([&] {
    while (!stop.load()) {
      const auto next = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
      httplib::Client cli(address, port);
      cli.set_connection_timeout(5);
      cli.set_read_timeout(5);
      auto res = cli.Get("/");
      {
        std::lock_guard lock(mu);
        if (res && res->status == 200) {
          auto at = res->body.find("version=");
          std::string v = at == std::string::npos ? "?" : res->body.substr(at + 8);
          v.erase(std::find_if(v.begin(), v.end(),
                               [](unsigned char c) { return std::isspace(c) != 0; }),
                  v.end());
          versions.push_back(v);
        } else {
          failures.push_back(res ? "HTTP " + std::to_string(res->status)
                                 : httplib::to_string(res.error()));
        }
      }
      std::this_thread::sleep_until(next);
    }
  });
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Joiner() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } joiner{stop, client};

  // Endpoint removal comes BEFORE SIGTERM (checked in the write-ahead journal, which runs just
  // before each signal).
  const std::string key = app.app + "/web/http";
  ASSERT_EQ(h.proxy().Port(key), port);
  int stops = 0, stops_while_endpoint = 0;
  // The journal hook reads this frame's locals: it must not outlive them (the harness steps on
  // while it tears down).
  struct JournalReset {
    Orchestrator& orch;
    ~JournalReset() { orch.SetJournal({}); }
  } journal_reset{h.orch()};
  h.orch().SetJournal([&](const JournalEntry& e) {
    if (e.op != JournalOp::kStop) return;
    ++stops;
    for (const auto& ep : h.proxy().Endpoints(key)) {
      if (std::find(e.host_ports.begin(), e.host_ports.end(), ep.port) != e.host_ports.end()) {
        ++stops_while_endpoint;
      }
    }
  });

  h.RunFor(std::chrono::milliseconds(500));  // some v1 traffic first
  to_v2(app);
  RollAndWatch(h, app, "web", 3, /*min_ready=*/3, /*max_total=*/4);
  h.RunFor(std::chrono::seconds(1));  // the old tasks finish stopping; traffic goes on
  stop = true;
  client.join();

  EXPECT_EQ(stops, 3);
  EXPECT_EQ(stops_while_endpoint, 0);
  std::lock_guard lock(mu);
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << failures.size() + versions.size()
                                << " requests failed, first: " << failures.front();
  ASSERT_GE(versions.size(), 50u);
  EXPECT_EQ(versions.front(), "v1");
  EXPECT_EQ(versions.back(), "v2");
  const std::size_t tail = std::min<std::size_t>(versions.size(), 10);
  for (std::size_t i = versions.size() - tail; i < versions.size(); ++i) {
    EXPECT_EQ(versions[i], "v2") << i;
  }
}

}  // namespace capstan::orchestrator::scenario
