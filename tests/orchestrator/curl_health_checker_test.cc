#include "orchestrator/curl_health_checker.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "orchestrator/spawn.h"
#include "tests/orchestrator/port_file_server.h"

namespace capstan::orchestrator {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testing::ClosedPort;

// One capstan-test-server process with `flags`, killed at the end.
class TestServer : public testing::PortFileServer {
 public:
  explicit TestServer(const std::vector<std::string>& flags)
      : PortFileServer(
            [&](const std::string& port_file) {
              std::vector<std::string> argv = {CAPSTAN_TEST_SERVER, "--port", "0", "--port-file",
                                               port_file};
              argv.insert(argv.end(), flags.begin(), flags.end());
              return argv;
            },
            10s, "capstan-test-server") {}
};

class CurlHealthCheckerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    healthy_ = new TestServer({});
    unhealthy_ = new TestServer({"--unhealthy"});
    hanging_ = new TestServer({"--hang"});
  }
  static void TearDownTestSuite() {
    delete healthy_;
    delete unhealthy_;
    delete hanging_;
  }

  // Runs the checks to completion (or a generous deadline) and returns results by id.
  std::map<std::uint64_t, HealthCheckResult> RunAll(CurlHealthChecker& checker,
                                                    const std::vector<HealthCheckRequest>& reqs) {
    for (const auto& r : reqs) checker.Begin(r);
    std::map<std::uint64_t, HealthCheckResult> out;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (out.size() < reqs.size() && std::chrono::steady_clock::now() < deadline) {
      for (auto& r : checker.Poll(100ms)) out[r.id] = r;
    }
    return out;
  }
  HealthCheckResult RunOne(const HealthCheckRequest& req) {
    CurlHealthChecker checker(clock_);
    auto results = RunAll(checker, {req});
    EXPECT_EQ(results.size(), 1u);
    EXPECT_EQ(checker.InFlight(), 0u);
    return results.empty() ? HealthCheckResult{} : results.begin()->second;
  }
  static HealthCheckRequest Http(int port, const std::string& path = "/healthz") {
    HealthCheckRequest r;
    r.id = 1;
    r.action = model::ProbeAction::kHttpGet;
    r.port = port;
    r.path = path;
    return r;
  }
  static HealthCheckRequest Tcp(int port) {
    HealthCheckRequest r;
    r.id = 1;
    r.action = model::ProbeAction::kTcpSocket;
    r.port = port;
    return r;
  }
  static HealthCheckRequest Exec(std::vector<std::string> command) {
    HealthCheckRequest r;
    r.id = 1;
    r.action = model::ProbeAction::kExec;
    r.command = std::move(command);
    return r;
  }

  model::SystemClock clock_;
  static inline TestServer* healthy_ = nullptr;
  static inline TestServer* unhealthy_ = nullptr;
  static inline TestServer* hanging_ = nullptr;
};

TEST_F(CurlHealthCheckerTest, Http200IsSuccess) {
  auto r = RunOne(Http(healthy_->port()));
  EXPECT_TRUE(r.success) << r.message;
  EXPECT_EQ(r.message, "HTTP 200");
}

TEST_F(CurlHealthCheckerTest, Http503IsFailure) {
  auto r = RunOne(Http(unhealthy_->port()));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "HTTP 503");
}

TEST_F(CurlHealthCheckerTest, HttpSendsCustomHeaders) {
  auto req = Http(healthy_->port(), "/require-header?name=X-Probe&value=capstan");
  EXPECT_EQ(RunOne(req).message, "HTTP 400");
  req.http_headers = {{"X-Probe", "capstan"}};
  EXPECT_EQ(RunOne(req).message, "HTTP 200");
}

TEST_F(CurlHealthCheckerTest, HttpTimeout) {
  auto req = Http(hanging_->port());
  req.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = RunOne(req);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "timeout after 300ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(CurlHealthCheckerTest, HttpConnectionRefused) {
  auto r = RunOne(Http(ClosedPort()));
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "connection refused");
}

TEST_F(CurlHealthCheckerTest, TcpOpenAndClosed) {
  auto open = RunOne(Tcp(healthy_->port()));
  EXPECT_TRUE(open.success) << open.message;
  auto closed = RunOne(Tcp(ClosedPort()));
  EXPECT_FALSE(closed.success);
  EXPECT_EQ(closed.message, "connection refused");
}

TEST_F(CurlHealthCheckerTest, ExecExitStatus) {
  auto ok = RunOne(Exec({"true"}));
  EXPECT_TRUE(ok.success) << ok.message;
  auto bad = RunOne(Exec({"sh", "-c", "exit 1"}));
  EXPECT_FALSE(bad.success);
  EXPECT_EQ(bad.message, "exit status 1");
  auto missing = RunOne(Exec({"no-such-probe-program"}));
  EXPECT_FALSE(missing.success);
  EXPECT_NE(missing.message.find("no-such-probe-program"), std::string::npos) << missing.message;
}

TEST_F(CurlHealthCheckerTest, ExecUsesEnvAndWorkingDir) {
  auto req = Exec({"sh", "-c", "test \"$WANT\" = yes && test \"$(pwd)\" = /"});
  req.env = {{"WANT", "yes"}};
  req.working_dir = "/";
  auto r = RunOne(req);
  EXPECT_TRUE(r.success) << r.message;
}

TEST_F(CurlHealthCheckerTest, ExecTimeoutKillsTheGroup) {
  fs::path pid_file = fs::temp_directory_path() / ("capstan-hc-exec-" + std::to_string(::getpid()));
  fs::remove(pid_file);
  auto req = Exec({"sh", "-c", "sleep 30 & echo $! > " + pid_file.string() + "; wait"});
  req.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = RunOne(req);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.message, "timeout after 300ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  std::ifstream in(pid_file);
  int grandchild = 0;
  if (in >> grandchild) {
    bool gone = false;
    for (int i = 0; i < 500 && !gone; ++i) {
      std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
      std::string pid, comm, state;
      gone = !(stat >> pid >> comm >> state) || state == "Z";
      if (!gone) std::this_thread::sleep_for(10ms);
    }
    EXPECT_TRUE(gone) << "the probe's background process survived";
  }
  fs::remove(pid_file);
}

TEST_F(CurlHealthCheckerTest, PollReturnsAtOnceWithNothingInFlight) {
  CurlHealthChecker checker(clock_);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(checker.Poll(5s).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST_F(CurlHealthCheckerTest, ManyConcurrentChecksAllComplete) {
  CurlHealthChecker checker(clock_);
  std::vector<HealthCheckRequest> reqs;
  int refused = ClosedPort();
  for (std::uint64_t i = 0; i < 200; ++i) {
    auto r = Http(i % 2 == 0 ? healthy_->port() : unhealthy_->port());
    r.id = i;
    r.timeout = 10s;
    reqs.push_back(r);
  }
  for (std::uint64_t i = 200; i < 250; ++i) {
    auto r = Tcp(i % 2 == 0 ? healthy_->port() : refused);
    r.id = i;
    reqs.push_back(r);
  }
  for (std::uint64_t i = 250; i < 270; ++i) {
    auto r = Exec({i % 2 == 0 ? "true" : "false"});
    r.id = i;
    r.timeout = 10s;
    reqs.push_back(r);
  }
  auto results = RunAll(checker, reqs);
  ASSERT_EQ(results.size(), reqs.size());
  EXPECT_EQ(checker.InFlight(), 0u);
  for (const auto& [id, r] : results) {
    EXPECT_EQ(r.success, id % 2 == 0) << "check " << id << ": " << r.message;
  }
}

}  // namespace
}  // namespace capstan::orchestrator
