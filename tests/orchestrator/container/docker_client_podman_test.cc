// DockerClient against a real Podman service (the container_engine CTest fixture). Skipped, loudly,
// when CAPSTAN_TEST_ENGINE_ENV is unset; failed when it names a file that cannot be read.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "orchestrator/container/docker_client.h"

namespace capstan::orchestrator::container {
namespace {

using model::ErrorCode;
using namespace std::chrono_literals;

// KEY=VALUE lines of ${CMAKE_BINARY_DIR}/container-engine/env.
struct EngineEnv {
  bool present = false;
  std::string error;  // set when the file is named but unusable
  std::map<std::string, std::string> values;

  std::string Get(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? "" : it->second;
  }
};

const EngineEnv& LoadEngineEnv() {
  static const EngineEnv env = [] {
    EngineEnv e;
    const char* path = std::getenv("CAPSTAN_TEST_ENGINE_ENV");
    if (path == nullptr || *path == '\0') return e;
    e.present = true;
    std::ifstream in(path);
    if (!in) {
      e.error = std::string("CAPSTAN_TEST_ENGINE_ENV=") + path +
                " cannot be read: did the container_engine fixture (tests/container/"
                "engine_fixture.sh) run and succeed?";
      return e;
    }
    std::string line;
    while (std::getline(in, line)) {
      std::size_t eq = line.find('=');
      if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
      e.values[line.substr(0, eq)] = line.substr(eq + 1);
    }
    for (const char* key : {"CAPSTAN_TEST_ENGINE_SOCKET", "CAPSTAN_TEST_IMAGE"}) {
      if (e.Get(key).empty()) e.error = std::string(path) + " has no " + key;
    }
    return e;
  }();
  return env;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

size_t Collect(char* data, size_t size, size_t nmemb, void* out) {
  static_cast<std::string*>(out)->append(data, size * nmemb);
  return size * nmemb;
}

// GET http://127.0.0.1:<port>/, retried until `within` passes (port forwarding takes a moment).
std::string HttpGet(int port, std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  while (true) {
    std::string body;
    CURL* easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
    CURLcode rc = curl_easy_perform(easy);
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(easy);
    if (rc == CURLE_OK && status == 200) return body;
    if (std::chrono::steady_clock::now() > deadline) {
      return "GET " + url + " failed: " + curl_easy_strerror(rc) + " HTTP " +
             std::to_string(status);
    }
    std::this_thread::sleep_for(100ms);
  }
}

class PodmanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const EngineEnv& env = LoadEngineEnv();
    if (!env.present) {
      GTEST_SKIP() << "******** CAPSTAN_TEST_ENGINE_ENV is not set: NOT testing against a real "
                      "container engine (run through ctest, which sets it) ********";
    }
    ASSERT_TRUE(env.error.empty()) << env.error;
    socket_ = env.Get("CAPSTAN_TEST_ENGINE_SOCKET");
    image_ = env.Get("CAPSTAN_TEST_IMAGE");
    client_ = std::make_unique<DockerClient>(socket_, 30s);
    ASSERT_TRUE(client_->Ping().ok()) << client_->Ping().ToString();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    run_label_ = std::string(info->name()) + "-" + std::to_string(::getpid());
  }

  void TearDown() override {
    if (!client_) return;
    auto left = client_->ListContainers("capstan.test=" + run_label_);
    if (!left.ok()) return;
    for (const ContainerSummary& c : *left) (void)client_->RemoveContainer(c.id, true);
  }

  CreateContainerRequest Request(const std::string& suffix) {
    CreateContainerRequest r;
    r.name = "capstan-enginetest-" + run_label_ + "-" + suffix;
    for (char& c : r.name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '-';
    }
    r.image = image_;
    r.labels = {{"capstan.test", run_label_}};
    return r;
  }

  // Polls until the container stops running.
  model::Result<ContainerInfo> WaitExited(const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (true) {
      auto info = client_->InspectContainer(id);
      if (!info.ok() || !info->running || std::chrono::steady_clock::now() > deadline) return info;
      std::this_thread::sleep_for(50ms);
    }
  }

  std::string socket_;
  std::string image_;
  std::string run_label_;
  std::unique_ptr<DockerClient> client_;
};

TEST_F(PodmanTest, PingVersionAndImages) {
  auto version = client_->Version();
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_NE(version->find("Podman"), std::string::npos) << *version;
  auto exists = client_->ImageExists(image_);
  ASSERT_TRUE(exists.ok()) << exists.status().ToString();
  EXPECT_TRUE(*exists);
  auto absent = client_->ImageExists("localhost/capstan-no-such-image:1");
  ASSERT_TRUE(absent.ok()) << absent.status().ToString();
  EXPECT_FALSE(*absent);
  auto discovered = DiscoverEngineSocket("unix://" + socket_, {});
  ASSERT_TRUE(discovered.ok()) << discovered.status().ToString();
  EXPECT_EQ(*discovered, socket_);
}

TEST_F(PodmanTest, WebContainerLifecycle) {
  int port = FreePort();
  CreateContainerRequest req = Request("web");
  req.entrypoint = std::vector<std::string>{"/bin/httpd"};
  req.cmd = std::vector<std::string>{"-f", "-p", "8080", "-h", "/www"};
  req.env = {"GREETING=hello there", "A=1"};
  req.working_dir = "/www";
  req.labels["capstan.app"] = "engine-test";
  req.ports = {{8080, port, "tcp", "127.0.0.1"}};
  auto id = client_->CreateContainer(req);
  ASSERT_TRUE(id.ok()) << id.status().ToString();

  auto again = client_->CreateContainer(req);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists) << again.status().ToString();

  auto created = client_->InspectContainer(*id);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->status, "created");
  // Not running yet: killing it is not an error.
  EXPECT_TRUE(client_->KillContainer(*id, "SIGKILL").ok());

  ASSERT_TRUE(client_->StartContainer(*id).ok());
  EXPECT_TRUE(client_->StartContainer(*id).ok()) << "starting a running container is a no-op";
  EXPECT_NE(HttpGet(port, 10s).find("capstan test image"), std::string::npos) << HttpGet(port, 0ms);

  auto info = client_->InspectContainer(req.name);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->id, *id);
  EXPECT_EQ(info->name, req.name);
  EXPECT_TRUE(info->running);
  EXPECT_EQ(info->status, "running");
  EXPECT_GT(info->pid, 0);
  EXPECT_EQ(info->labels["capstan.app"], "engine-test");

  auto wget = client_->Exec(*id, {"wget", "-q", "-O-", "http://127.0.0.1:8080/"}, {}, "", 10s);
  ASSERT_TRUE(wget.ok()) << wget.status().ToString();
  EXPECT_EQ(wget->exit_code, 0);
  EXPECT_NE(wget->output.find("capstan test image"), std::string::npos) << wget->output;

  auto env = client_->Exec(*id, {"sh", "-c", "echo \"$GREETING/$A/$B\"; pwd; echo err >&2"},
                           {"B=2"}, "/tmp", 10s);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(env->exit_code, 0);
  EXPECT_EQ(env->output, "hello there/1/2\n/tmp\nerr\n");
  auto pwd = client_->Exec(*id, {"pwd"}, {}, "", 10s);
  ASSERT_TRUE(pwd.ok());
  EXPECT_EQ(pwd->output, "/www\n") << "the container's working dir";

  auto fails = client_->Exec(*id, {"false"}, {}, "", 10s);
  ASSERT_TRUE(fails.ok()) << fails.status().ToString();
  EXPECT_EQ(fails->exit_code, 1);

  auto slow = client_->Exec(*id, {"sleep", "5"}, {}, "", 500ms);
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(slow.status().message().find("timeout after 500ms"), std::string::npos);

  auto listed = client_->ListContainers("capstan.app=engine-test");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  bool seen = false;
  for (const ContainerSummary& c : *listed) {
    if (c.id != *id) continue;
    seen = true;
    EXPECT_EQ(c.name, req.name);
    EXPECT_EQ(c.state, "running");
    EXPECT_EQ(c.labels.at("capstan.test"), run_label_);
  }
  EXPECT_TRUE(seen);
  auto other = client_->ListContainers("capstan.app=nothing-has-this");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());

  // httpd as PID 1 has no SIGTERM handler, so only SIGKILL stops it.
  ASSERT_TRUE(client_->KillContainer(*id, "SIGKILL").ok());
  auto exited = WaitExited(*id);
  ASSERT_TRUE(exited.ok()) << exited.status().ToString();
  EXPECT_FALSE(exited->running);
  EXPECT_EQ(exited->status, "exited");
  EXPECT_EQ(exited->exit_code, 137);
  EXPECT_FALSE(exited->finished_at.empty());
  EXPECT_TRUE(client_->KillContainer(*id, "SIGKILL").ok()) << "an exited container is OK";
  auto exec_stopped = client_->Exec(*id, {"true"}, {}, "", 10s);
  EXPECT_EQ(exec_stopped.status().code(), ErrorCode::kFailedPrecondition)
      << exec_stopped.status().ToString();

  listed = client_->ListContainers("capstan.test=" + run_label_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].state, "exited");

  ASSERT_TRUE(client_->RemoveContainer(*id, false).ok());
  EXPECT_EQ(client_->InspectContainer(*id).status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(client_->RemoveContainer(*id, true).ok()) << "removing a removed container is OK";
}

TEST_F(PodmanTest, LogsOfBothStreams) {
  CreateContainerRequest req = Request("logs");
  req.entrypoint = std::vector<std::string>{"/bin/sh", "-c"};
  req.cmd = std::vector<std::string>{"echo out; echo err >&2; sleep 100"};
  auto id = client_->CreateContainer(req);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  ASSERT_TRUE(client_->StartContainer(*id).ok());
  std::string logs;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = client_->Logs(*id, 100, 4096);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    logs = *r;
    if (logs.find("out\n") != std::string::npos && logs.find("err\n") != std::string::npos) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_NE(logs.find("out\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("err\n"), std::string::npos) << logs;
  EXPECT_EQ(logs.find('\0'), std::string::npos) << "stream headers left in: " << logs;
  auto last = client_->Logs(*id, 1, 4096);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->find("out"), std::string::npos) << "tail=1: " << *last;
  auto capped = client_->Logs(*id, 100, 2);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->size(), 2u);

  ASSERT_TRUE(client_->KillContainer(*id, "SIGKILL").ok());
  auto exited = WaitExited(*id);
  ASSERT_TRUE(exited.ok());
  EXPECT_EQ(exited->exit_code, 137);
  EXPECT_TRUE(client_->RemoveContainer(*id, true).ok());
}

TEST_F(PodmanTest, SecurityOptionsAndUlimitsReachTheProcess) {
  // The test image sets no USER: runAsNonRoot would read it as root.
  auto image_user = client_->ImageUser(image_);
  ASSERT_TRUE(image_user.ok()) << image_user.status().ToString();
  EXPECT_EQ(*image_user, "");

  CreateContainerRequest req = Request("security");
  req.entrypoint = std::vector<std::string>{"/bin/sh", "-c"};
  req.cmd = std::vector<std::string>{
      "echo ids=$(id -u):$(id -g); grep -E '^(CapBnd|CapEff|NoNewPrivs)' /proc/self/status | "
      "tr -d ' \\t'; echo nofile=$(ulimit -Sn)/$(ulimit -Hn) nproc=$(ulimit -u); touch /written "
      "2>/dev/null && "
      "echo rootfs=rw || echo rootfs=ro"};
  req.user = "1000:2000";
  req.cap_drop = {"ALL"};
  req.cap_add = {"NET_BIND_SERVICE"};
  req.security_opt = {"no-new-privileges"};
  req.read_only_rootfs = true;
  // Podman adds an nproc rlimit of its own (above its own limit in a sandboxed CI) once any
  // rlimit is given; lowering is always allowed, so pin nproc low.
  req.ulimits = {{"nofile", 300, 400}, {"nproc", 1024, 1024}};
  auto id = client_->CreateContainer(req);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  model::Status started = client_->StartContainer(*id);
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto exited = WaitExited(*id);
  ASSERT_TRUE(exited.ok()) << exited.status().ToString();
  auto logs = client_->Logs(*id, 100, 4096);
  ASSERT_TRUE(logs.ok()) << logs.status().ToString();
  EXPECT_EQ(*logs,
            // Podman raises added capabilities for a non-root user too (ambient), unlike Docker.
            "ids=1000:2000\nCapEff:0000000000000400\nCapBnd:0000000000000400\nNoNewPrivs:1\n"
            "nofile=300/400 nproc=1024\nrootfs=ro\n");
  EXPECT_TRUE(client_->RemoveContainer(*id, true).ok());
}

TEST_F(PodmanTest, StartFailuresAreFailedPrecondition) {
  CreateContainerRequest req = Request("noexe");
  req.entrypoint = std::vector<std::string>{"/bin/no-such-binary"};
  auto id = client_->CreateContainer(req);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto started = client_->StartContainer(*id);
  EXPECT_EQ(started.code(), ErrorCode::kFailedPrecondition) << started.ToString();
  EXPECT_NE(started.message().find("start container " + *id), std::string::npos);

  // The host port is taken (by the first container).
  int port = FreePort();
  CreateContainerRequest a = Request("port-a");
  a.ports = {{8080, port, "tcp", "127.0.0.1"}};
  CreateContainerRequest b = Request("port-b");
  b.ports = a.ports;
  auto ida = client_->CreateContainer(a);
  auto idb = client_->CreateContainer(b);
  ASSERT_TRUE(ida.ok() && idb.ok());
  ASSERT_TRUE(client_->StartContainer(*ida).ok());
  auto clash = client_->StartContainer(*idb);
  EXPECT_EQ(clash.code(), ErrorCode::kFailedPrecondition) << clash.ToString();

  EXPECT_EQ(client_->StartContainer("capstan-no-such-container").code(), ErrorCode::kNotFound);
  auto missing_image = Request("noimage");
  missing_image.image = "localhost/capstan-no-such-image:1";
  EXPECT_EQ(client_->CreateContainer(missing_image).status().code(), ErrorCode::kNotFound);
}

TEST_F(PodmanTest, PullFromAnUnreachableRegistryFailsClearly) {
  auto s = client_->PullImage("127.0.0.1:1/capstan/nothing:1", std::nullopt, 60s);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("pull image 127.0.0.1:1/capstan/nothing:1: "), std::string::npos);
  EXPECT_NE(s.message().find("127.0.0.1:1"), std::string::npos);
}

TEST_F(PodmanTest, PullFromTheTestRegistries) {
  const EngineEnv& env = LoadEngineEnv();
  std::string registry = env.Get("CAPSTAN_TEST_REGISTRY");
  std::string auth_registry = env.Get("CAPSTAN_TEST_AUTH_REGISTRY");
  if (registry.empty() && auth_registry.empty()) GTEST_SKIP() << "the fixture runs no registry";
  if (!registry.empty()) {
    auto s = client_->PullImage(registry + "/capstan/no-such-image:1", std::nullopt, 60s);
    EXPECT_EQ(s.code(), ErrorCode::kNotFound) << s.ToString();
  }
  if (!auth_registry.empty()) {
    auto anonymous =
        client_->PullImage(auth_registry + "/capstan/no-such-image:1", std::nullopt, 60s);
    EXPECT_EQ(anonymous.code(), ErrorCode::kPermissionDenied) << anonymous.ToString();
    RegistryAuth wrong{"nobody", "wrong-password", "", auth_registry};
    auto refused = client_->PullImage(auth_registry + "/capstan/no-such-image:1", wrong, 60s);
    EXPECT_EQ(refused.code(), ErrorCode::kPermissionDenied) << refused.ToString();
    RegistryAuth right{env.Get("CAPSTAN_TEST_REGISTRY_USER"),
                       env.Get("CAPSTAN_TEST_REGISTRY_PASSWORD"), "", auth_registry};
    auto missing = client_->PullImage(auth_registry + "/capstan/no-such-image:1", right, 60s);
    EXPECT_EQ(missing.code(), ErrorCode::kNotFound) << missing.ToString();
  }
}

}  // namespace
}  // namespace capstan::orchestrator::container
