#include "orchestrator/service_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "orchestrator/orchestrator.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_driver.h"
#include "tests/fakes/fake_health_checker.h"

namespace capstan::orchestrator {
namespace {

// A tiny TCP server that answers each connection with "<name>:<first line>\n" and closes.
class EchoServer {
 public:
  explicit EchoServer(std::string name) : name_(std::move(name)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd_, 64);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string line;
      char ch;
      while (read(c, &ch, 1) == 1 && ch != '\n') line.push_back(ch);
      std::string reply = name_ + ":" + line + "\n";
      (void)!write(c, reply.data(), reply.size());
      close(c);
    }
  }
  std::string name_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Connects to 127.0.0.1:port, sends "<msg>\n", returns everything read until EOF.
std::string Ask(int port, const std::string& msg) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "<connect failed>";
  }
  std::string out = msg + "\n";
  (void)!write(fd, out.data(), out.size());
  std::string got;
  char buf[256];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) got.append(buf, static_cast<size_t>(n));
  close(fd);
  return got;
}

TEST(ServiceProxy, RoundRobinsNewConnectionsOverEndpoints) {
  EchoServer a("a"), b("b");
  ServiceProxy proxy;
  ASSERT_TRUE(proxy.Start().ok());
  auto port = proxy.AddListener("app/web/http", 0);
  ASSERT_TRUE(port.ok());
  ASSERT_GT(*port, 0);
  proxy.SetEndpoints("app/web/http", {{"127.0.0.1", a.port()}, {"127.0.0.1", b.port()}});
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i) got.push_back(Ask(*port, "hi" + std::to_string(i)));
  EXPECT_EQ(got, (std::vector<std::string>{"a:hi0\n", "b:hi1\n", "a:hi2\n", "b:hi3\n"}));

  // Endpoint removal: only `a` serves from now on.
  proxy.SetEndpoints("app/web/http", {{"127.0.0.1", a.port()}});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Ask(*port, "x"), "a:x\n");

  // No endpoints: the connection is closed without an answer.
  proxy.SetEndpoints("app/web/http", {});
  EXPECT_EQ(Ask(*port, "x"), "");
  EXPECT_EQ(proxy.accepted(), 8u);
}

TEST(ServiceProxy, SkipsAnEndpointThatRefuses) {
  EchoServer a("a");
  // A port with nothing listening: bind, note the port, close.
  int tmp = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(tmp, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(tmp, reinterpret_cast<sockaddr*>(&addr), &len);
  const int dead = ntohs(addr.sin_port);
  close(tmp);

  ServiceProxy proxy;
  ASSERT_TRUE(proxy.Start().ok());
  auto port = proxy.AddListener("k", 0);
  ASSERT_TRUE(port.ok());
  proxy.SetEndpoints("k", {{"127.0.0.1", dead}, {"127.0.0.1", a.port()}});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Ask(*port, "y"), "a:y\n");
  proxy.RemoveListener("k");
  EXPECT_EQ(proxy.Port("k"), 0);
  EXPECT_EQ(Ask(*port, "y"), "<connect failed>");
}

TEST(ServiceProxy, OrchestratorFeedsReadyEndpointsOfTheSelectedWorkloadOnly) {
  testing::FakeClock clock;
  Scheduler scheduler;
  NodeInfo node;
  node.cpu_millis = 8000;
  node.memory_bytes = 8ll << 30;
  scheduler.AddNode(node);
  testing::FakeDriver driver;
  testing::FakeHealthChecker checker;
  EventLog events(clock);
  ServiceProxy proxy;
  ASSERT_TRUE(proxy.Start().ok());
  OrchestratorOptions options;
  options.ephemeral_service_ports = true;
  Orchestrator orch(clock, scheduler, {{model::DriverKind::kProcess, &driver}}, checker, events,
                    &proxy, options);

  AppSpec app;
  app.app = "shop";
  for (const std::string name : {"web", "worker"}) {
    model::WorkloadSpec w;
    w.replicas = 2;
    w.task.labels = {{"app", name}};
    model::ContainerSpec c;
    c.name = name;
    c.ports = {{"http", 8080, 0, "TCP"}};
    model::ProbeSpec ready;
    ready.port = "http";
    ready.period_seconds = 1;
    c.readiness = ready;
    w.task.containers.push_back(c);
    app.workloads[name] = w;
  }
  model::ServiceSpec svc;
  svc.selector = {{"app", "web"}};
  svc.ports = {{"http", 80, "http", "TCP"}};
  app.services["frontend"] = svc;
  orch.SetDesired(app);
  for (int i = 0; i < 6; ++i) {
    clock.Advance(std::chrono::milliseconds(500));
    orch.Step();
  }
  AppStatus s = orch.Status("shop");
  const ServicePortStatus& p = s.services["frontend"].ports.at(0);
  EXPECT_GT(p.bound_port, 0);
  std::vector<int> web_ports;
  for (const auto& t : s.workloads["web"].tasks) web_ports.push_back(t.host_ports.at(0));
  std::sort(web_ports.begin(), web_ports.end());
  std::vector<int> endpoint_ports;
  for (const auto& e : proxy.Endpoints("shop/frontend/http")) endpoint_ports.push_back(e.port);
  std::sort(endpoint_ports.begin(), endpoint_ports.end());
  EXPECT_EQ(endpoint_ports, web_ports);

  // A task failing readiness leaves the endpoints.
  checker.by_port[web_ports[0]] = false;
  for (int i = 0; i < 8; ++i) {
    clock.Advance(std::chrono::seconds(1));
    orch.Step();
  }
  auto eps = proxy.Endpoints("shop/frontend/http");
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].port, web_ports[1]);

  // Tasks started after the Service exists see it in their environment.
  const auto& env = driver.tasks.begin()->second.spec.containers[0].env;
  EXPECT_NE(
      std::find(env.begin(), env.end(),
                std::make_pair(std::string("FRONTEND_SERVICE_PORT"), std::to_string(p.bound_port))),
      env.end());
}

}  // namespace
}  // namespace capstan::orchestrator
