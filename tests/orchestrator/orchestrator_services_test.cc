// The orchestrator's Services: a cluster IP each, listeners on it (and on the node for NodePort and
// LoadBalancer), discovery variables and hosts files that name them. FakeDriver tasks, a real
// ServiceProxy (real sockets on loopback).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "orchestrator/orchestrator.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_driver.h"
#include "tests/fakes/fake_health_checker.h"

namespace capstan::orchestrator {
namespace {

using std::chrono::milliseconds;
using testing::FakeDriver;

// Ports from a window no other suite uses; app names carry the pid so that parallel runs of
// this binary (or another test's Services) never share a cluster IP.
int BasePort() { return 41000 + static_cast<int>(::getpid() % 2000) * 2; }

struct ServicesHarness {
  testing::FakeClock clock;
  Scheduler scheduler;
  FakeDriver driver;
  testing::FakeHealthChecker checker;
  EventLog events{clock};
  ServiceProxy proxy;
  std::string app = "svc" + std::to_string(::getpid());
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("capstan-svc-test-" + std::to_string(::getpid()));
  std::unique_ptr<Orchestrator> orch;

  explicit ServicesHarness(OrchestratorOptions options = {}) {
    NodeInfo node;
    node.cpu_millis = 8000;
    node.memory_bytes = 8ll << 30;
    scheduler.AddNode(node);
    EXPECT_TRUE(proxy.Start().ok());
    options.runner.task_dir_root = (dir / "tasks").string();
    orch = std::make_unique<Orchestrator>(
        clock, scheduler,
        std::map<model::DriverKind, Driver*>{{model::DriverKind::kProcess, &driver}}, checker,
        events, &proxy, options);
  }
  ~ServicesHarness() {
    orch.reset();
    proxy.Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void Steps(int n) {
    for (int i = 0; i < n; ++i) {
      clock.Advance(milliseconds(500));
      orch->Step();
    }
  }
  bool HasEvent(const std::string& reason) { return events.Count("", reason) > 0; }
};

model::ServiceSpec Service(const std::string& selected, int port, const std::string& type = "") {
  model::ServiceSpec s;
  s.selector = {{"app", selected}};
  s.ports = {{"http", port, "http", "TCP"}};
  if (!type.empty()) s.type = type;
  return s;
}

model::WorkloadSpec Workload(const std::string& name) {
  model::WorkloadSpec w;
  w.replicas = 1;
  w.selector = {{"app", name}};
  w.task.labels = {{"app", name}};
  model::ContainerSpec c;
  c.name = name;
  c.command = {"serve"};
  c.ports = {{"http", 8080, 0, "TCP"}};
  w.task.containers.push_back(c);
  return w;
}

bool CanConnect(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

TEST(OrchestratorServices, ServicesOfOneAppOnTheSamePortEachGetTheirOwnAddress) {
  ServicesHarness h;
  const int port = BasePort();
  AppSpec spec;
  spec.app = h.app;
  for (const std::string name : {"details", "reviews", "ratings", "productpage"}) {
    spec.workloads[name] = Workload(name);
    spec.services[name] = Service(name, port);
  }
  h.orch->SetDesired(spec);
  h.Steps(2);
  const AppStatus s = h.orch->Status(h.app);
  std::set<std::string> addresses;
  for (const auto& [name, svc] : s.services) {
    ASSERT_EQ(svc.ports.size(), 1u);
    EXPECT_TRUE(svc.ports[0].error.empty()) << name << ": " << svc.ports[0].error;
    EXPECT_EQ(svc.ports[0].bound_port, port);
    EXPECT_EQ(svc.cluster_ip.rfind("127.96.", 0), 0u) << svc.cluster_ip;
    EXPECT_TRUE(CanConnect(svc.cluster_ip, port)) << name;
    addresses.insert(svc.cluster_ip);
  }
  EXPECT_EQ(addresses.size(), 4u);
  EXPECT_FALSE(h.HasEvent("ListenFailed"));
  // Tasks see the Services' cluster IPs in their environment and names in their hosts file.
  const auto& launch = h.driver.tasks.begin()->second.spec;
  EXPECT_NE(launch.hosts_file.find(s.services.at("details").cluster_ip + "\tdetails details." +
                                   h.app + " "),
            std::string::npos)
      << launch.hosts_file;
}

TEST(OrchestratorServices, NodePortAndLoadBalancerAlsoListenOnTheNodeAddress) {
  ServicesHarness h;
  const int port = BasePort() + 1;
  AppSpec spec;
  spec.app = h.app;
  spec.workloads["web"] = Workload("web");
  spec.services["lb"] = Service("web", port, "LoadBalancer");
  auto np = Service("web", port, "NodePort");
  np.ports[0].node_port = 0;  // assigned from 30000-32767
  spec.services["np"] = np;
  h.orch->SetDesired(spec);
  h.Steps(1);
  const AppStatus s = h.orch->Status(h.app);
  EXPECT_EQ(s.services.at("lb").ports.at(0).node_port, port);
  EXPECT_TRUE(CanConnect("127.0.0.1", port));
  const int node_port = s.services.at("np").ports.at(0).node_port;
  EXPECT_GE(node_port, 30000);
  EXPECT_LE(node_port, 32767);
  EXPECT_TRUE(CanConnect("127.0.0.1", node_port));
  // Back to ClusterIP: the node listener goes, the cluster IP stays.
  const std::string ip = s.services.at("lb").cluster_ip;
  spec.services["lb"].type = "ClusterIP";
  h.orch->SetDesired(spec);
  h.Steps(1);
  EXPECT_FALSE(CanConnect("127.0.0.1", port));
  EXPECT_EQ(h.orch->Status(h.app).services.at("lb").cluster_ip, ip);
  EXPECT_TRUE(CanConnect(ip, port));
}

TEST(OrchestratorServices, AManifestClusterIpIsHonouredInRangeAndReplacedOutsideIt) {
  ServicesHarness h;
  AppSpec spec;
  spec.app = h.app;
  auto fixed = Service("web", BasePort());
  fixed.cluster_ip = "127.96.250." + std::to_string(::getpid() % 250 + 1);
  spec.services["fixed"] = fixed;
  auto outside = Service("web", BasePort());
  outside.cluster_ip = "10.96.0.10";
  spec.services["outside"] = outside;
  auto headless = Service("web", BasePort());
  headless.headless = true;
  spec.services["headless"] = headless;
  h.orch->SetDesired(spec);
  h.Steps(1);
  const AppStatus s = h.orch->Status(h.app);
  EXPECT_EQ(s.services.at("fixed").cluster_ip, fixed.cluster_ip);
  EXPECT_NE(s.services.at("outside").cluster_ip, "10.96.0.10");
  EXPECT_TRUE(h.HasEvent("ClusterIPNotAvailable"));
  EXPECT_TRUE(s.services.at("headless").cluster_ip.empty());
}

TEST(OrchestratorServices, AddressesSurviveExportImportAndLeaveWithTheService) {
  std::map<std::string, std::string> exported;
  std::string first;
  {
    ServicesHarness h;
    AppSpec spec;
    spec.app = h.app;
    spec.services["web"] = Service("web", BasePort());
    h.orch->SetDesired(spec);
    first = h.orch->Status(h.app).services.at("web").cluster_ip;
    exported = h.orch->Export().cluster_ips;
    EXPECT_EQ(exported.at(h.app + "/web"), first);
    spec.services.clear();
    h.orch->SetDesired(spec);
    EXPECT_TRUE(h.orch->Export().cluster_ips.empty());
  }
  ServicesHarness h;
  // Another Service takes the address first in the new run... unless the record comes back.
  OrchestratorState state;
  state.cluster_ips = exported;
  ASSERT_TRUE(h.orch->Import(state).ok());
  AppSpec spec;
  spec.app = h.app;
  spec.services["web"] = Service("web", BasePort());
  h.orch->SetDesired(spec);
  EXPECT_EQ(h.orch->Status(h.app).services.at("web").cluster_ip, first);
}

TEST(OrchestratorServices, HostsFilesOfRunningTasksFollowNewServices) {
  ServicesHarness h;
  AppSpec spec;
  spec.app = h.app;
  spec.workloads["web"] = Workload("web");
  h.orch->SetDesired(spec);
  h.Steps(2);
  ASSERT_EQ(h.driver.tasks.size(), 1u);
  const LaunchSpec& launch = h.driver.tasks.begin()->second.spec;
  // The fake driver writes nothing: do what a driver does.
  std::filesystem::create_directories(launch.task_dir);
  { std::ofstream(launch.task_dir + "/hosts") << launch.hosts_file; }
  spec.services["cache"] = Service("web", BasePort());
  h.orch->SetDesired(spec);
  h.Steps(1);
  std::ifstream in(launch.task_dir + "/hosts");
  const std::string now(std::istreambuf_iterator<char>(in), {});
  EXPECT_NE(now.find("\tcache cache." + h.app + " "), std::string::npos) << now;
}

}  // namespace
}  // namespace capstan::orchestrator
