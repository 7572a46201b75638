// Init containers and lifecycle hooks with real processes: the ProcessDriver waits on the
// dependsOn chain the init containers become, the CurlHealthChecker runs the hooks.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <sstream>

#include "tests/orchestrator/real_process_fixture.h"

namespace capstan::orchestrator::e2e {
namespace {

using scenario::EventsText;

model::ContainerSpec Shell(const std::string& name, const std::string& script) {
  model::ContainerSpec c;
  c.name = name;
  c.command = {"/bin/sh", "-c", script};
  c.volume_mounts = {{"data", "data", "", false}};  // relative: <task dir>/data -> the volume
  return c;
}

std::string Get(int port, const std::string& path) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(2);
  auto res = cli.Get(path);
  return res && res->status == 200 ? res->body : "";
}

const Task* OnlyTask(RealHarness& h, const std::string& app, const std::string& workload) {
  auto w = h.Workload(app, workload);
  return w.tasks.size() == 1 ? h.orch().runner().Find(w.tasks[0].id) : nullptr;
}

TEST(RealInitContainers, InitContainersPrepareInOrderAFileTheMainContainerServes) {
  RealHarness h;
  AppSpec app;
  app.app = "init";
  model::WorkloadSpec w = ServerWorkload("web", 1, {"--serve-file", "data/page.txt"});
  w.task.volumes = {{"data", model::VolumeType::kEmptyDir, "", {}}};
  w.task.containers[0].volume_mounts = {{"data", "data", "", false}};
  // The second one appends after a pause: run at once (no ordering), the file would be "two\n"
  // followed by "one\n" or miss a line when the server first reads it.
  w.task.init_containers = {Shell("first", "echo one > data/page.txt"),
                            Shell("second", "sleep 0.5; echo two >> data/page.txt")};
  app.workloads["web"] = w;
  h.orch().SetDesired(app);
  bool saw_waiting_main = false;
  ASSERT_TRUE(h.RunUntil([&] { return h.Workload("init", "web").ready == 1; }, 30s,
                         [&] {
                           const Task* t = OnlyTask(h, "init", "web");
                           if (t && t->waiting.count("server")) {
                             saw_waiting_main = true;
                             EXPECT_NE(t->phase, TaskPhase::kReady);
                           }
                         }))
      << EventsText(h.events());
  EXPECT_TRUE(saw_waiting_main) << "the main container did not wait for the init containers";
  const Task* t = OnlyTask(h, "init", "web");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(Get(t->host_ports.at(0), "/file"), "one\ntwo\n");
  EXPECT_EQ(t->restarts, 0);
}

TEST(RealInitContainers, AFailingInitContainerRestartsTheTaskAndTheMainNeverStarts) {
  RealHarness h;
  AppSpec app;
  app.app = "badinit";
  model::WorkloadSpec w = ServerWorkload("web", 1, {});
  w.task.volumes = {{"data", model::VolumeType::kEmptyDir, "", {}}};
  w.task.init_containers = {Shell("migrate", "exit 3")};
  app.workloads["web"] = w;
  h.orch().SetDesired(app);
  const std::string id_prefix = "badinit-web-";
  ASSERT_TRUE(h.RunUntil([&] { return h.events().Count(id_prefix, "BackOff") >= 2; }, 30s))
      << EventsText(h.events());
  const std::string events = EventsText(h.events());
  EXPECT_NE(events.find("dependency migrate did not succeed (exit code 3)"), std::string::npos)
      << events;
  EXPECT_EQ(h.events().Count(id_prefix, "Ready"), 0u);
  EXPECT_EQ(h.Workload("badinit", "web").ready, 0);
}

TEST(RealPreStop, AnExecHookDrainsTheServerBeforeSigterm) {
  RealHarness h;
  AppSpec app;
  app.app = "drain";
  const std::vector<std::string> args = {"--drain-file", "drain", "--term-log", "term.log"};
  app.workloads["hooked"] = ServerWorkload("hooked", 1, args);
  app.workloads["hooked"].task.termination_grace_period_seconds = 5;
  model::LifecycleHandler touch;
  touch.action = model::HookAction::kExec;
  touch.command = {"/bin/sh", "-c", "touch drain"};  // in the task directory, as the server
  app.workloads["hooked"].task.containers[0].pre_stop = touch;
  app.workloads["plain"] = ServerWorkload("plain", 1, args);  // the control: no hook
  h.orch().SetDesired(app);
  ASSERT_TRUE(h.RunUntil(
      [&] {
        return h.Workload("drain", "hooked").ready == 1 && h.Workload("drain", "plain").ready == 1;
      },
      30s))
      << EventsText(h.events());
  const std::string hooked_dir = OnlyTask(h, "drain", "hooked")->launch.task_dir;
  const std::string plain_dir = OnlyTask(h, "drain", "plain")->launch.task_dir;
  h.orch().RemoveApp("drain");
  ASSERT_TRUE(h.RunUntil([&] { return h.orch().Apps().empty(); }, 15s)) << EventsText(h.events());
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  EXPECT_EQ(read(hooked_dir + "/term.log"), "draining\n") << EventsText(h.events());
  EXPECT_EQ(read(plain_dir + "/term.log"), "serving\n");
  EXPECT_EQ(h.events().Count("drain-", "FailedPreStopHook"), 0u);
}

}  // namespace
}  // namespace capstan::orchestrator::e2e
