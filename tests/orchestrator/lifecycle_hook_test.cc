#include "orchestrator/lifecycle_hook.h"

#include <gtest/gtest.h>

namespace capstan::orchestrator {
namespace {

LaunchSpec TwoContainers() {
  LaunchSpec launch;
  launch.task_dir = "/tasks/t-1";
  ContainerLaunch web;
  web.name = "web";
  web.env = {{"MODE", "web"}};
  web.ports = {PortBinding{"http", 8080, 31001, "TCP"}, PortBinding{"admin", 9090, 31002, "TCP"}};
  ContainerLaunch side;
  side.name = "side";
  side.env = {{"MODE", "side"}};
  side.working_dir = "/srv";
  launch.containers = {web, side};
  return launch;
}

TEST(HookRequest, HttpGetAsksTheHostPortBoundToThePortNameOrNumber) {
  const LaunchSpec launch = TwoContainers();
  model::LifecycleHandler h;
  h.action = model::HookAction::kHttpGet;
  h.port = "admin";
  h.path = "/drain";
  HealthCheckRequest r = HookRequest(h, "web", launch, nullptr, std::chrono::milliseconds(5000));
  EXPECT_EQ(r.action, model::ProbeAction::kHttpGet);
  EXPECT_EQ(r.host, "127.0.0.1");
  EXPECT_EQ(r.port, 31002);
  EXPECT_EQ(r.path, "/drain");
  EXPECT_EQ(r.timeout, std::chrono::milliseconds(5000));
  h.port = "8080";
  EXPECT_EQ(HookRequest(h, "web", launch, nullptr, {}).port, 31001);
  h.port = "7000";  // not a declared port: as written
  EXPECT_EQ(HookRequest(h, "web", launch, nullptr, {}).port, 7000);
}

TEST(HookRequest, ExecRunsWithTheContainersEnvironmentOrInsideItsEngineContainer) {
  const LaunchSpec launch = TwoContainers();
  model::LifecycleHandler h;
  h.action = model::HookAction::kExec;
  h.command = {"/bin/drain", "--now"};
  HealthCheckRequest r = HookRequest(h, "side", launch, nullptr, {});
  EXPECT_EQ(r.action, model::ProbeAction::kExec);
  EXPECT_EQ(r.command, h.command);
  EXPECT_EQ(r.env, (std::vector<std::pair<std::string, std::string>>{{"MODE", "side"}}));
  EXPECT_EQ(r.working_dir, "/srv");
  EXPECT_EQ(HookRequest(h, "web", launch, nullptr, {}).working_dir, "/tasks/t-1");
  TaskHandle handle;
  handle.containers = {{"web", 0, 0, "c-web"}, {"side", 0, 0, "c-side"}};
  r = HookRequest(h, "side", launch, &handle, {});
  EXPECT_EQ(r.container_id, "c-side");
  EXPECT_TRUE(r.working_dir.empty());  // the container's own
}

TEST(FindContainerSpec, FindsMainAndInitContainers) {
  model::TaskTemplate t;
  t.containers.resize(1);
  t.containers[0].name = "web";
  t.init_containers.resize(1);
  t.init_containers[0].name = "proxy";
  EXPECT_EQ(FindContainerSpec(t, "web"), &t.containers[0]);
  EXPECT_EQ(FindContainerSpec(t, "proxy"), &t.init_containers[0]);
  EXPECT_EQ(FindContainerSpec(t, "ghost"), nullptr);
}

}  // namespace
}  // namespace capstan::orchestrator
