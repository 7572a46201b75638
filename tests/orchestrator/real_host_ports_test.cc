// Host ports and reservations with real processes (issue 9): ports of the task range held by
// other listeners are never handed out, a task that loses its port between hand-out and bind
// starts again on another one at once, and a crash-looping task does not keep its CPU. The
// capstan-test-server workloads bind 127.0.0.1:$PORT and exit with status 3 when it is taken.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "tests/orchestrator/real_process_fixture.h"

namespace capstan::orchestrator::e2e {
namespace {

using scenario::Describe;
using scenario::EventsText;
using scenario::Settled;

// Listening TCP sockets on some ports, as other programs on the machine would hold them.
class PortHolders {
 public:
  PortHolders() = default;
  PortHolders(const PortHolders&) = delete;
  PortHolders& operator=(const PortHolders&) = delete;
  ~PortHolders() {
    for (int fd : fds_) ::close(fd);
  }
  // Listens on `address`:`port`; false if the port could not be taken.
  bool Hold(int port, const char* address) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, address, &addr.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 4) != 0) {
      ::close(fd);
      return false;
    }
    fds_.push_back(fd);
    ports_.insert(port);
    return true;
  }
  const std::set<int>& ports() const { return ports_; }

 private:
  std::vector<int> fds_;
  std::set<int> ports_;
};

AppSpec ServedApp(const std::string& name, std::int64_t cpu_millis = 0,
                  std::vector<std::string> args = {"--version", "v1"}) {
  AppSpec app;
  app.app = name;
  app.workloads["web"] = ServerWorkload("web", 1, std::move(args));
  app.workloads["web"].task.containers[0].resources.cpu_request_millis = cpu_millis;
  app.services["web"] = ServiceFor("web");
  return app;
}

// GET / through the app's Service; the body, or "" on failure.
std::string ThroughService(RealHarness& h, const std::string& app) {
  const auto svc = h.orch().Status(app).services["web"];
  if (svc.ports.empty() || svc.ports[0].bound_port <= 0) return "";
  httplib::Client cli(svc.ports[0].address, svc.ports[0].bound_port);  // the cluster IP
  cli.set_connection_timeout(5);
  cli.set_read_timeout(5);
  auto res = cli.Get("/");
  return res && res->status == 200 ? res->body : "";
}

TEST(RealHostPorts, PortsHeldByOtherListenersAreSkippedAndEveryAppBecomesReady) {
  RealHarness h(RealHarnessOptions{.port_range = 60});
  const int base = h.node().port_min;
  // 20 of the 60 ports held: the first ten (next-fit hands them out first) and every other one
  // after, on loopback and on every address.
  PortHolders others;
  for (int i = 0; i < 10; ++i) others.Hold(base + i, i % 2 ? "127.0.0.1" : "0.0.0.0");
  for (int i = 11; i < 30; i += 2) others.Hold(base + i, i % 4 == 1 ? "127.0.0.1" : "0.0.0.0");
  ASSERT_GE(others.ports().size(), 18u);

  constexpr int kApps = 30;
  for (int i = 0; i < kApps; ++i) h.orch().SetDesired(ServedApp("app" + std::to_string(i)));
  int settled = 0;
  const bool all = h.RunUntil(
      [&] {
        settled = 0;
        for (int i = 0; i < kApps; ++i) {
          settled += Settled(h.Workload("app" + std::to_string(i), "web"), 1) ? 1 : 0;
        }
        return settled == kApps;
      },
      120s);
  ASSERT_TRUE(all) << settled << "/" << kApps << " settled\n"
                   << Describe(h.Workload("app0", "web")) << EventsText(h.events());

  for (int i = 0; i < kApps; ++i) {
    const std::string app = "app" + std::to_string(i);
    const WorkloadStatus w = h.Workload(app, "web");
    ASSERT_EQ(w.tasks.size(), 1u);
    for (int port : w.tasks[0].host_ports) EXPECT_FALSE(others.ports().count(port)) << port;
    EXPECT_NE(ThroughService(h, app).find("capstan-test-server"), std::string::npos) << app;
  }
  // The check at hand-out caught every held port: no task ever tried one.
  EXPECT_EQ(h.events().Count("", "PortInUse"), 0u) << EventsText(h.events());
  EXPECT_EQ(h.events().Count("", "BackOff"), 0u) << EventsText(h.events());
}

// Says "free" once for each port in `lie_once` (the port is taken just after the check, as in a
// race with another program), the truth otherwise.
class LateTakerProbe final : public PortProbe {
 public:
  bool Free(int port, PortProtocol protocol) override {
    if (lie_once.erase(port) > 0) return true;
    return real.Free(port, protocol);
  }
  std::set<int> lie_once;
  SocketPortProbe real;
};

TEST(RealHostPorts, ATaskWhosePortIsTakenBeforeItBindsStartsAgainOnAnotherAtOnce) {
  LateTakerProbe probe;
  RealHarness h(RealHarnessOptions{.port_range = 20, .port_probe = &probe});
  const int taken = h.node().port_min;
  PortHolders others;
  ASSERT_TRUE(others.Hold(taken, "127.0.0.1"));
  probe.lie_once = {taken};

  h.orch().SetDesired(ServedApp("race"));
  WorkloadStatus w;
  const bool ready = h.RunUntil(
      [&] {
        w = h.Workload("race", "web");
        return Settled(w, 1);
      },
      60s);
  ASSERT_TRUE(ready) << Describe(w) << EventsText(h.events());
  ASSERT_EQ(w.tasks.size(), 1u);
  const std::string id = w.tasks[0].id;
  EXPECT_EQ(h.events().Count(id, "PortInUse"), 1u) << EventsText(h.events());
  EXPECT_EQ(h.events().Count(id, "BackOff"), 0u) << EventsText(h.events());
  EXPECT_NE(EventsText(h.events(), id).find(std::to_string(taken) + "/TCP is in use"),
            std::string::npos)
      << EventsText(h.events(), id);
  EXPECT_NE(w.tasks[0].host_ports, std::vector<int>{taken});
  EXPECT_NE(ThroughService(h, "race").find("capstan-test-server"), std::string::npos);
}

TEST(RealReservations, ACrashLoopingTaskDoesNotKeepItsCpuFromALaterApp) {
  RealHarness h(RealHarnessOptions{.cpu_millis = 1000});
  // 600m that never starts serving: exits with status 1 at once, restarts after a back-off.
  h.orch().SetDesired(ServedApp("broken", 600, {"--exit-code", "1"}));
  ASSERT_TRUE(h.RunUntil(
      [&] {
        const WorkloadStatus w = h.Workload("broken", "web");
        return !w.tasks.empty() && w.tasks[0].restarts >= 2;
      },
      30s))
      << EventsText(h.events());

  // Another 600m fits beside it on the 1-CPU node only if the failed one holds nothing.
  h.orch().SetDesired(ServedApp("later", 600));
  WorkloadStatus w;
  const bool ready = h.RunUntil(
      [&] {
        w = h.Workload("later", "web");
        return Settled(w, 1);
      },
      60s);
  EXPECT_TRUE(ready) << Describe(w) << EventsText(h.events());
  EXPECT_NE(ThroughService(h, "later").find("capstan-test-server"), std::string::npos);
  // The broken one now waits for room, visibly, once its back-off is over.
  WorkloadStatus broken;
  EXPECT_TRUE(h.RunUntil(
      [&] {
        broken = h.Workload("broken", "web");
        return broken.tasks.size() == 1 && broken.tasks[0].reason == "Unschedulable";
      },
      10s))
      << Describe(broken);
  EXPECT_EQ(broken.tasks[0].message, "0/1 nodes are available: 1 Insufficient cpu.");
  EXPECT_TRUE(Settled(h.Workload("later", "web"), 1));
}

}  // namespace
}  // namespace capstan::orchestrator::e2e
