// ContainerDriver against FakeEngine: securityContext and ulimits in the create request, and
// runAsNonRoot refused before anything is created.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "orchestrator/container/container_driver.h"
#include "tests/fakes/fake_clock.h"
#include "tests/orchestrator/container/fake_engine.h"

namespace capstan::orchestrator::container {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

FakeEngine::Response Answer(int status, const std::string& body) {
  FakeEngine::Response r;
  r.status = status;
  r.body = body;
  return r;
}

class ContainerSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/capstan-csec-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    engine_ = std::make_unique<FakeEngine>(dir_ + "/engine.sock");
    ASSERT_TRUE(engine_->listening());
    engine_->On("GET /v1.41/_ping", Answer(200, "OK"));
    engine_->On("GET /v1.41/version",
                Answer(200, R"({"Components":[{"Name":"Podman Engine","Version":"4.3.1"}]})"));
    engine_->On("GET /v1.41/containers/json", Answer(200, "[]"));
    SetImageUser("");
    engine_->On("POST /v1.41/containers/create", Answer(201, R"({"Id":"c0ffee"})"));
    engine_->On("POST /v1.41/containers/c0ffee/start", Answer(204, ""));
    engine_->On("DELETE /v1.41/containers/", Answer(204, ""));
    ContainerDriverOptions options;
    options.task_dir_root = dir_ + "/tasks";
    driver_ = std::make_unique<ContainerDriver>(
        clock_, std::make_shared<DockerClient>(dir_ + "/engine.sock", 5s), options);
  }
  void TearDown() override {
    driver_.reset();
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }
  void SetImageUser(const std::string& user) {
    engine_->On("GET /v1.41/images/",
                Answer(200, Json{{"Id", "sha256:1"}, {"Config", {{"User", user}}}}.dump()));
  }
  static LaunchSpec Spec(const model::SecurityContext& security,
                         std::vector<model::Ulimit> ulimits = {}, std::string user = "") {
    LaunchSpec spec;
    spec.task_id = "shop-web-1-0";
    spec.app = "shop";
    spec.workload = "web";
    spec.revision = "1";
    ContainerLaunch c;
    c.name = "web";
    c.image = "busybox:1.36";
    c.image_pull_policy = model::ImagePullPolicy::kIfNotPresent;
    c.security = security;
    c.ulimits = std::move(ulimits);
    c.user = std::move(user);
    spec.containers.push_back(c);
    return spec;
  }
  Json CreateBody() {
    FakeEngine::Request r = engine_->Last("POST /v1.41/containers/create");
    return r.body.empty() ? Json() : Json::parse(r.body);
  }

  testing::FakeClock clock_;
  std::string dir_;
  std::unique_ptr<FakeEngine> engine_;
  std::unique_ptr<ContainerDriver> driver_;
};

TEST_F(ContainerSecurityTest, SecurityContextAndUlimitsReachTheCreateRequest) {
  model::SecurityContext sc;
  sc.run_as_user = 1000;
  sc.run_as_group = 3000;
  sc.run_as_non_root = true;
  sc.read_only_root_filesystem = true;
  sc.allow_privilege_escalation = false;
  sc.capabilities_drop = {"ALL"};
  sc.capabilities_add = {"NET_BIND_SERVICE"};
  auto h = driver_->Start(Spec(sc, {{"nofile", 1024, 4096}, {"nproc", 64, 64}}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  Json body = CreateBody();
  EXPECT_EQ(body["User"], "1000:3000");
  const Json& host = body["HostConfig"];
  EXPECT_EQ(host["ReadonlyRootfs"], true);
  EXPECT_FALSE(host.contains("Privileged"));
  EXPECT_EQ(host["CapDrop"], Json::array({"ALL"}));
  EXPECT_EQ(host["CapAdd"], Json::array({"NET_BIND_SERVICE"}));
  EXPECT_EQ(host["SecurityOpt"], Json::array({"no-new-privileges"}));
  EXPECT_EQ(host["Ulimits"], Json::parse(R"([{"Name":"nofile","Soft":1024,"Hard":4096},
                                              {"Name":"nproc","Soft":64,"Hard":64}])"));
}

TEST_F(ContainerSecurityTest, PrivilegedAndUnsetFieldsKeepEngineDefaults) {
  model::SecurityContext sc;
  sc.privileged = true;
  sc.allow_privilege_escalation = true;
  ASSERT_TRUE(driver_->Start(Spec(sc)).ok());
  Json body = CreateBody();
  EXPECT_FALSE(body.contains("User"));
  EXPECT_EQ(body["HostConfig"]["Privileged"], true);
  for (const char* key : {"ReadonlyRootfs", "CapAdd", "CapDrop", "SecurityOpt", "Ulimits"}) {
    EXPECT_FALSE(body["HostConfig"].contains(key)) << key;
  }
}

TEST_F(ContainerSecurityTest, UserFieldAndGroupOnlyUseTheImageUser) {
  model::SecurityContext group_only;
  group_only.run_as_group = 500;
  ASSERT_TRUE(driver_->Start(Spec({}, {}, "nginx")).ok());
  EXPECT_EQ(CreateBody()["User"], "nginx");
  SetImageUser("app:app");
  ASSERT_TRUE(driver_->Start(Spec(group_only)).ok());
  EXPECT_EQ(CreateBody()["User"], "app:500");
  SetImageUser("");
  ASSERT_TRUE(driver_->Start(Spec(group_only)).ok());
  EXPECT_EQ(CreateBody()["User"], "0:500");
}

TEST_F(ContainerSecurityTest, RunAsNonRootRefusesAnImageThatRunsAsRoot) {
  model::SecurityContext sc;
  sc.run_as_non_root = true;
  struct Case {
    std::string image_user;
    std::string user_field;
    std::string want;  // "" = starts
  };
  const Case cases[] = {
      {"", "", "container has runAsNonRoot and image will run as root"},
      {"root", "", "container has runAsNonRoot and image will run as root"},
      {"0:0", "", "container has runAsNonRoot and image will run as root"},
      {"nginx", "", "non-numeric user (nginx), cannot verify user is non-root"},
      {"101", "", ""},
      {"", "1000", ""},  // the `user` field decides, not the image
      {"1000", "0", "container has runAsNonRoot and image will run as root"},
  };
  for (const auto& c : cases) {
    SetImageUser(c.image_user);
    const std::size_t creates_before = engine_->requests().size();
    auto h = driver_->Start(Spec(sc, {}, c.user_field));
    if (c.want.empty()) {
      EXPECT_TRUE(h.ok()) << c.image_user << "/" << c.user_field << ": " << h.status().ToString();
      continue;
    }
    ASSERT_FALSE(h.ok()) << c.image_user << "/" << c.user_field;
    EXPECT_NE(h.status().message().find(c.want), std::string::npos) << h.status().message();
    EXPECT_NE(h.status().message().find("container: web"), std::string::npos);
    EXPECT_EQ(h.status().code(), model::ErrorCode::kFailedPrecondition);
    // Nothing was created for it.
    auto reqs = engine_->requests();
    for (std::size_t i = creates_before; i < reqs.size(); ++i) {
      EXPECT_NE(reqs[i].method + " " + reqs[i].target, "POST /v1.41/containers/create");
    }
  }
  model::SecurityContext root_uid = sc;
  root_uid.run_as_user = 0;
  auto h = driver_->Start(Spec(root_uid));
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("runAsUser breaks non-root policy"), std::string::npos);
}

}  // namespace
}  // namespace capstan::orchestrator::container
