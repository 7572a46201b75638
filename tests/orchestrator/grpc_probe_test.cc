// gRPC probes against a real gRPC server (tests/helpers/grpc_health_server.py on Debian's
// python3-grpcio): serving, not serving, unknown service, nothing listening, a server that hangs.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "orchestrator/curl_health_checker.h"
#include "orchestrator/spawn.h"
#include "tests/orchestrator/port_file_server.h"

namespace capstan::orchestrator {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testing::ClosedPort;

// One grpc_health_server.py with `args`, killed at the end.
class GrpcServer : public testing::PortFileServer {
 public:
  explicit GrpcServer(const std::vector<std::string>& args)
      : PortFileServer(
            [&](const std::string& port_file) {
              std::vector<std::string> argv = {CAPSTAN_PYTHON, CAPSTAN_GRPC_HEALTH_SERVER,
                                               port_file};
              argv.insert(argv.end(), args.begin(), args.end());
              return argv;
            },
            20s, "it needs Debian's python3-grpcio (scripts/install-deps.sh)") {}
};

class GrpcProbeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    serving_ = new GrpcServer(
        {"serve", "=SERVING", "payments=SERVING", "cart=NOT_SERVING", "legacy=UNKNOWN"});
    hanging_ = new GrpcServer({"hang"});
  }
  static void TearDownTestSuite() {
    delete serving_;
    delete hanging_;
  }
  HealthCheckResult Probe(int port, const std::string& service,
                          std::chrono::milliseconds timeout = 2s) {
    CurlHealthChecker checker(clock_);
    HealthCheckRequest req;
    req.id = 7;
    req.action = model::ProbeAction::kGrpc;
    req.port = port;
    req.grpc_service = service;
    req.timeout = timeout;
    checker.Begin(req);
    std::vector<HealthCheckResult> out;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (out.empty() && std::chrono::steady_clock::now() < deadline) out = checker.Poll(100ms);
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(checker.InFlight(), 0u);
    return out.empty() ? HealthCheckResult{} : out[0];
  }

  model::SystemClock clock_;
  static inline GrpcServer* serving_ = nullptr;
  static inline GrpcServer* hanging_ = nullptr;
};

TEST_F(GrpcProbeTest, ServingIsSuccess) {
  for (const std::string service : {"", "payments"}) {
    auto r = Probe(serving_->port(), service);
    EXPECT_TRUE(r.success) << service << ": " << r.message;
    EXPECT_EQ(r.id, 7u);
    EXPECT_EQ(r.message, "service is serving");
  }
}

TEST_F(GrpcProbeTest, NotServingAndUnknownStatusAreFailures) {
  auto r = Probe(serving_->port(), "cart");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "service unhealthy (responded with \"NOT_SERVING\")");
  r = Probe(serving_->port(), "legacy");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "service unhealthy (responded with \"UNKNOWN\")");
}

TEST_F(GrpcProbeTest, UnknownServiceIsAFailureWithTheGrpcStatus) {
  auto r = Probe(serving_->port(), "nope");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "health rpc failed: grpc-status 5: unknown service");
}

TEST_F(GrpcProbeTest, NothingListeningIsAFailure) {
  auto r = Probe(ClosedPort(), "");
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "connection refused");
}

TEST_F(GrpcProbeTest, HangingServerTimesOut) {
  auto start = std::chrono::steady_clock::now();
  auto r = Probe(hanging_->port(), "", 300ms);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "timeout after 300ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(GrpcProbeTest, AnHttp1ServerIsNotAGrpcServer) {
  // Something that speaks neither HTTP/2 nor gRPC: a raw TCP listener that closes at once.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread closer([fd] {
    int c = ::accept(fd, nullptr, nullptr);
    if (c >= 0) ::close(c);
  });
  auto r = Probe(ntohs(addr.sin_port), "");
  closer.join();
  ::close(fd);
  EXPECT_FALSE(r.success);
  EXPECT_FALSE(r.message.empty());
}

}  // namespace
}  // namespace capstan::orchestrator
