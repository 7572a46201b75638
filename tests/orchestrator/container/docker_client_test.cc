// DockerClient against FakeEngine: the HTTP exchanges and the error mapping, without an engine.
#include "orchestrator/container/docker_client.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/orchestrator/container/fake_engine.h"

namespace capstan::orchestrator::container {
namespace {

using model::ErrorCode;
using Json = nlohmann::json;
using namespace std::chrono_literals;

std::string Frame(char stream, const std::string& payload) {
  std::string h(8, '\0');
  h[0] = stream;
  h[7] = static_cast<char>(payload.size());  // test payloads stay below 256 bytes
  return h + payload;
}

class DockerClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/capstan-engine-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    socket_ = dir_ + "/engine.sock";
    engine_ = std::make_unique<FakeEngine>(socket_);
    ASSERT_TRUE(engine_->listening());
    client_ = std::make_unique<DockerClient>(socket_, 5s);
  }
  void TearDown() override {
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }

  static FakeEngine::Response Answer(int status, const std::string& body) {
    FakeEngine::Response r;
    r.status = status;
    r.body = body;
    return r;
  }

  std::string dir_;
  std::string socket_;
  std::unique_ptr<FakeEngine> engine_;
  std::unique_ptr<DockerClient> client_;
};

TEST_F(DockerClientTest, PingAndVersion) {
  engine_->On("GET /v1.41/_ping", Answer(200, "OK"));
  engine_->On(
      "GET /v1.41/version",
      Answer(200, R"({"Version":"24.0.7","Components":[{"Name":"Engine","Version":"24.0.7"}]})"));
  EXPECT_TRUE(client_->Ping().ok());
  auto v = client_->Version();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, "Docker Engine 24.0.7");

  engine_->On(
      "GET /v1.41/version",
      Answer(200,
             R"({"Version":"4.3.1","Components":[{"Name":"Podman Engine","Version":"4.3.1"}]})"));
  EXPECT_EQ(*client_->Version(), "Podman Engine 4.3.1");
}

TEST_F(DockerClientTest, AbsentSocketIsUnavailableNamingThePath) {
  DockerClient absent(dir_ + "/nobody.sock", 2s);
  auto s = absent.Ping();
  EXPECT_EQ(s.code(), ErrorCode::kUnavailable);
  EXPECT_NE(s.message().find(dir_ + "/nobody.sock"), std::string::npos) << s.message();
  auto info = absent.InspectContainer("web");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(info.status().message().find("inspect container web"), std::string::npos);
  EXPECT_NE(info.status().message().find("nobody.sock"), std::string::npos);
}

TEST_F(DockerClientTest, NotFoundConflictAndServerErrorsMap) {
  engine_->On("GET /v1.41/containers/gone/json",
              Answer(404, R"({"message":"No such container: gone"})"));
  auto info = client_->InspectContainer("gone");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(info.status().message(), "inspect container gone: No such container: gone");

  engine_->On(
      "POST /v1.41/containers/create",
      Answer(409, R"({"message":"Conflict. The container name \"/web\" is already in use"})"));
  CreateContainerRequest req;
  req.name = "web";
  req.image = "busybox";
  auto created = client_->CreateContainer(req);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(created.status().message().find("create container web: Conflict"), std::string::npos);

  // Podman's spelling of the same conflict.
  engine_->On(
      "POST /v1.41/containers/create",
      Answer(500, R"({"cause":"that name is already in use","message":"container create: )"
                  R"(the container name \"web\" is already in use by abc","response":500})"));
  EXPECT_EQ(client_->CreateContainer(req).status().code(), ErrorCode::kAlreadyExists);

  engine_->On(
      "POST /v1.41/containers/web/start",
      Answer(500, R"({"message":"cannot listen on the TCP port: bind: address already in use"})"));
  auto started = client_->StartContainer("web");
  EXPECT_EQ(started.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(started.message().find("address already in use"), std::string::npos);

  engine_->On("GET /v1.41/images/", Answer(503, "engine restarting\n"));
  auto exists = client_->ImageExists("busybox");
  ASSERT_FALSE(exists.ok());
  EXPECT_EQ(exists.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(exists.status().message(), "inspect image busybox: engine restarting");

  engine_->On("GET /v1.41/containers/odd/json", Answer(200, "not json"));
  EXPECT_EQ(client_->InspectContainer("odd").status().code(), ErrorCode::kInternal);
}

TEST_F(DockerClientTest, KillAndRemoveTolerateWhatIsAlreadyDone) {
  engine_->On("POST /v1.41/containers/a/kill",
              Answer(409, R"({"message":"Container a is not running"})"));
  EXPECT_TRUE(client_->KillContainer("a", "SIGTERM").ok());
  EXPECT_EQ(engine_->Last("POST /v1.41/containers/a/kill").target,
            "/v1.41/containers/a/kill?signal=SIGTERM");
  engine_->On(
      "POST /v1.41/containers/b/kill",
      Answer(500, R"({"message":"can only kill running containers: container state improper"})"));
  EXPECT_TRUE(client_->KillContainer("b", "SIGKILL").ok());
  engine_->On("POST /v1.41/containers/c/kill",
              Answer(404, R"({"message":"No such container: c"})"));
  EXPECT_EQ(client_->KillContainer("c", "SIGKILL").code(), ErrorCode::kNotFound);

  engine_->On("DELETE /v1.41/containers/a", Answer(404, R"({"message":"No such container: a"})"));
  EXPECT_TRUE(client_->RemoveContainer("a", true).ok());
  EXPECT_EQ(engine_->Last("DELETE").target, "/v1.41/containers/a?v=1&force=1");
}

TEST_F(DockerClientTest, ImageExists) {
  engine_->On("GET /v1.41/images/127.0.0.1:5000/team/app:1/json", Answer(200, "{}"));
  engine_->On("GET /v1.41/images/busybox/json", Answer(404, R"({"message":"No such image"})"));
  EXPECT_TRUE(*client_->ImageExists("127.0.0.1:5000/team/app:1"));
  EXPECT_FALSE(*client_->ImageExists("busybox"));
}

TEST_F(DockerClientTest, CreateSendsTheWholeRequest) {
  engine_->On("POST /v1.41/containers/create", Answer(201, R"({"Id":"c0ffee","Warnings":[]})"));
  CreateContainerRequest req;
  req.name = "capstan-web-1";
  req.image = "busybox:1.36";
  req.entrypoint = std::vector<std::string>{"/bin/sh", "-c"};
  req.cmd = std::vector<std::string>{};  // engaged and empty: clear the image's CMD
  req.env = {"A=1", "B=two words"};
  req.working_dir = "/srv";
  req.user = "1000:1000";
  req.hostname = "web-1";
  req.labels = {{"capstan.app", "shop"}};
  req.ports = {{8080, 18080, "tcp", "127.0.0.1"}, {53, 0, "udp", ""}};
  req.binds = {{"/tmp/a", "/data", false}, {"/tmp/b", "/etc/cfg", true}};
  req.network_mode = "container:abc";
  req.memory_bytes = 64 << 20;
  req.nano_cpus = 500000000;
  auto id = client_->CreateContainer(req);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, "c0ffee");

  FakeEngine::Request sent = engine_->Last("POST /v1.41/containers/create");
  EXPECT_EQ(sent.target, "/v1.41/containers/create?name=capstan-web-1");
  EXPECT_EQ(sent.headers["content-type"], "application/json");
  auto body = Json::parse(sent.body);
  EXPECT_EQ(body["Image"], "busybox:1.36");
  EXPECT_EQ(body["Entrypoint"], Json::array({"/bin/sh", "-c"}));
  EXPECT_TRUE(body["Cmd"].is_array());
  EXPECT_TRUE(body["Cmd"].empty());
  EXPECT_EQ(body["Env"], Json::array({"A=1", "B=two words"}));
  EXPECT_EQ(body["WorkingDir"], "/srv");
  EXPECT_EQ(body["User"], "1000:1000");
  EXPECT_EQ(body["Hostname"], "web-1");
  EXPECT_EQ(body["Labels"]["capstan.app"], "shop");
  EXPECT_TRUE(body["ExposedPorts"].contains("8080/tcp"));
  EXPECT_TRUE(body["ExposedPorts"].contains("53/udp"));
  const auto& host = body["HostConfig"];
  EXPECT_EQ(host["PortBindings"]["8080/tcp"][0]["HostIp"], "127.0.0.1");
  EXPECT_EQ(host["PortBindings"]["8080/tcp"][0]["HostPort"], "18080");
  EXPECT_EQ(host["PortBindings"]["53/udp"][0]["HostPort"], "");
  EXPECT_EQ(host["Binds"], Json::array({"/tmp/a:/data", "/tmp/b:/etc/cfg:ro"}));
  EXPECT_EQ(host["NetworkMode"], "container:abc");
  EXPECT_EQ(host["Memory"], 64 << 20);
  EXPECT_EQ(host["NanoCpus"], 500000000);

  // Unset optionals are not sent, so the image's defaults hold.
  CreateContainerRequest plain;
  plain.image = "busybox";
  ASSERT_TRUE(client_->CreateContainer(plain).ok());
  sent = engine_->Last("POST /v1.41/containers/create");
  EXPECT_EQ(sent.target, "/v1.41/containers/create");
  body = Json::parse(sent.body);
  EXPECT_FALSE(body.contains("Entrypoint"));
  EXPECT_FALSE(body.contains("Cmd"));
  EXPECT_FALSE(body["HostConfig"].contains("PortBindings"));
}

TEST_F(DockerClientTest, InspectAndList) {
  engine_->On("GET /v1.41/containers/web/json", Answer(200, R"({
    "Id": "abc", "Name": "/web",
    "State": {"Status": "exited", "Running": false, "ExitCode": 137, "OOMKilled": true,
              "Error": "", "Pid": 0, "StartedAt": "2024-01-01T00:00:00Z",
              "FinishedAt": "2024-01-01T00:01:00Z"},
    "Config": {"Labels": {"capstan.task": "t1"}}})"));
  auto info = client_->InspectContainer("web");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->id, "abc");
  EXPECT_EQ(info->name, "web");
  EXPECT_EQ(info->status, "exited");
  EXPECT_FALSE(info->running);
  EXPECT_EQ(info->exit_code, 137);
  EXPECT_TRUE(info->oom_killed);
  EXPECT_EQ(info->finished_at, "2024-01-01T00:01:00Z");
  EXPECT_EQ(info->labels.at("capstan.task"), "t1");

  engine_->On("GET /v1.41/containers/json", Answer(200, R"([
    {"Id": "a", "Names": ["/one"], "State": "running", "Labels": {"capstan.app": "shop"}},
    {"Id": "b", "Names": null, "State": "exited", "Labels": null}])"));
  auto list = client_->ListContainers("capstan.app=shop");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "one");
  EXPECT_EQ((*list)[0].state, "running");
  EXPECT_EQ((*list)[0].labels.at("capstan.app"), "shop");
  EXPECT_EQ((*list)[1].id, "b");
  EXPECT_EQ(
      engine_->Last("GET /v1.41/containers/json").target,
      "/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22capstan.app%3Dshop%22%5D%7D");
}

TEST_F(DockerClientTest, PullSendsAuthAndSucceeds) {
  engine_->On("POST /v1.41/images/create",
              Answer(200, "{\"status\":\"Pulling from team/app\"}\n{\"status\":\"Downloaded\"}\n"));
  RegistryAuth auth{"bob", "pw", "", "127.0.0.1:5000"};
  auto s = client_->PullImage("127.0.0.1:5000/team/app:1", auth, 5s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  FakeEngine::Request sent = engine_->Last("POST /v1.41/images/create");
  EXPECT_EQ(sent.target, "/v1.41/images/create?fromImage=127.0.0.1%3A5000%2Fteam%2Fapp&tag=1");
  EXPECT_EQ(sent.headers["x-registry-auth"], EncodeRegistryAuthHeader(auth));

  ASSERT_TRUE(client_->PullImage("busybox", std::nullopt, 5s).ok());
  sent = engine_->Last("POST /v1.41/images/create");
  EXPECT_EQ(sent.target, "/v1.41/images/create?fromImage=docker.io%2Flibrary%2Fbusybox&tag=latest");
  EXPECT_EQ(sent.headers.count("x-registry-auth"), 0u);

  std::string digest = "sha256:" + std::string(64, 'c');
  ASSERT_TRUE(client_->PullImage("ghcr.io/o/app@" + digest, std::nullopt, 5s).ok());
  EXPECT_EQ(
      engine_->Last("POST /v1.41/images/create").target,
      "/v1.41/images/create?fromImage=ghcr.io%2Fo%2Fapp&tag=sha256%3A" + std::string(64, 'c'));

  auto bad = client_->PullImage("Not Valid", std::nullopt, 5s);
  EXPECT_EQ(bad.code(), ErrorCode::kInvalidArgument);
}

TEST_F(DockerClientTest, PullErrorLinesMapToCodes) {
  struct Case {
    std::string error;
    ErrorCode code;
  };
  const Case cases[] = {
      {"reading manifest 1 in 127.0.0.1:5000/app: manifest unknown: manifest unknown",
       ErrorCode::kNotFound},
      {"manifest for app:1 not found", ErrorCode::kNotFound},
      {"unauthorized: authentication required", ErrorCode::kPermissionDenied},
      {"pull access denied for app: denied: requested access to the resource is denied",
       ErrorCode::kPermissionDenied},
      {"Get \"https://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused",
       ErrorCode::kUnavailable},
      {"something odd", ErrorCode::kInternal},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.error);
    Json line = {{"errorDetail", {{"message", c.error}}}, {"error", c.error}};
    engine_->On("POST /v1.41/images/create",
                Answer(200, "{\"status\":\"Trying to pull\"}\n" + line.dump() + "\n"));
    auto s = client_->PullImage("127.0.0.1:5000/app:1", std::nullopt, 5s);
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_EQ(s.message(), "pull image 127.0.0.1:5000/app:1: " + c.error);
  }
  // A last line without its newline still counts; errorDetail alone too.
  engine_->On("POST /v1.41/images/create",
              Answer(200, R"({"errorDetail":{"message":"manifest unknown"}})"));
  EXPECT_EQ(client_->PullImage("app:1", std::nullopt, 5s).code(), ErrorCode::kNotFound);
  // Docker answers some failures before streaming, as an HTTP error.
  engine_->On("POST /v1.41/images/create",
              Answer(404, R"({"message":"manifest for app:1 not found: manifest unknown"})"));
  EXPECT_EQ(client_->PullImage("app:1", std::nullopt, 5s).code(), ErrorCode::kNotFound);
  engine_->On("POST /v1.41/images/create",
              Answer(500, R"({"message":"Get https://r/v2/: unauthorized"})"));
  EXPECT_EQ(client_->PullImage("app:1", std::nullopt, 5s).code(), ErrorCode::kPermissionDenied);
}

TEST_F(DockerClientTest, PullTimesOut) {
  FakeEngine::Response slow = Answer(200, "{}\n");
  slow.delay = 2s;
  engine_->On("POST /v1.41/images/create", slow);
  auto s = client_->PullImage("app:1", std::nullopt, 200ms);
  EXPECT_EQ(s.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(s.message(), "pull image app:1: timeout after 200ms");
}

TEST_F(DockerClientTest, LogsAreDemultiplexedAndCappedFromTheEnd) {
  FakeEngine::Response logs;
  logs.content_type = "application/vnd.docker.multiplexed-stream";
  logs.body = Frame(1, "first\n") + Frame(2, "oops\n") + Frame(1, "last\n");
  engine_->On("GET /v1.41/containers/web/logs", logs);
  auto out = client_->Logs("web", 50, 1024);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "first\noops\nlast\n");
  EXPECT_EQ(engine_->Last("GET /v1.41/containers/web/logs").target,
            "/v1.41/containers/web/logs?stdout=1&stderr=1&tail=50");
  EXPECT_EQ(*client_->Logs("web", 50, 8), "ps\nlast\n");
  ASSERT_TRUE(client_->Logs("web", -1, 8).ok());
  EXPECT_EQ(engine_->Last("GET /v1.41/containers/web/logs").target,
            "/v1.41/containers/web/logs?stdout=1&stderr=1&tail=all");

  engine_->On("GET /v1.41/containers/gone/logs", Answer(404, R"({"message":"No such container"})"));
  EXPECT_EQ(client_->Logs("gone", 10, 100).status().code(), ErrorCode::kNotFound);
}

TEST_F(DockerClientTest, ExecCreatesStartsAndReadsTheExitCode) {
  engine_->On("POST /v1.41/containers/web/exec", Answer(201, R"({"Id":"e1"})"));
  FakeEngine::Response stream;
  stream.content_type = "application/vnd.docker.raw-stream";
  stream.close_delimited = true;
  stream.body = Frame(1, "hello\n") + Frame(2, "warn\n");
  engine_->On("POST /v1.41/exec/e1/start", stream);
  engine_->On("GET /v1.41/exec/e1/json", Answer(200, R"({"Running":false,"ExitCode":3})"));
  auto r = client_->Exec("web", {"sh", "-c", "exit 3"}, {"X=1"}, "/tmp", 5s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->output, "hello\nwarn\n");
  auto create = Json::parse(engine_->Last("POST /v1.41/containers/web/exec").body);
  EXPECT_EQ(create["Cmd"], Json::array({"sh", "-c", "exit 3"}));
  EXPECT_EQ(create["Env"], Json::array({"X=1"}));
  EXPECT_EQ(create["WorkingDir"], "/tmp");
  EXPECT_EQ(create["AttachStdout"], true);
  EXPECT_EQ(create["AttachStderr"], true);
  auto start = Json::parse(engine_->Last("POST /v1.41/exec/e1/start").body);
  EXPECT_EQ(start["Detach"], false);

  EXPECT_EQ(client_->Exec("web", {}, {}, "", 5s).status().code(), ErrorCode::kInvalidArgument);
  engine_->On("POST /v1.41/containers/stopped/exec",
              Answer(500, R"({"message":"can only create exec sessions on running )"
                          R"(containers: container state improper"})"));
  EXPECT_EQ(client_->Exec("stopped", {"true"}, {}, "", 5s).status().code(),
            ErrorCode::kFailedPrecondition);
}

TEST_F(DockerClientTest, ExecTimeoutBoundsTheWholeExchange) {
  engine_->On("POST /v1.41/containers/web/exec", Answer(201, R"({"Id":"e2"})"));
  FakeEngine::Response slow;
  slow.close_delimited = true;
  slow.delay = 3s;
  engine_->On("POST /v1.41/exec/e2/start", slow);
  auto r = client_->Exec("web", {"sleep", "10"}, {}, "", 300ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "exec in container web: timeout after 300ms");

  // Still running when the budget ends.
  engine_->On("POST /v1.41/exec/e2/start", Answer(200, ""));
  engine_->On("GET /v1.41/exec/e2/json", Answer(200, R"({"Running":true,"ExitCode":null})"));
  r = client_->Exec("web", {"sleep", "10"}, {}, "", 300ms);
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
}

TEST_F(DockerClientTest, DiscoverFindsTheConfiguredSocket) {
  engine_->On("GET /v1.41/_ping", Answer(200, "OK"));
  auto found = DiscoverEngineSocket("unix://" + socket_, {});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(*found, socket_);
  // A socket that answers, but not OK, is skipped with its reason.
  engine_->On("GET /v1.41/_ping", Answer(500, "broken"));
  auto none = DiscoverEngineSocket(socket_, {});
  if (!none.ok()) {
    EXPECT_NE(none.status().message().find(socket_ + ": ping: broken"), std::string::npos)
        << none.status().message();
  }
}

}  // namespace
}  // namespace capstan::orchestrator::container
