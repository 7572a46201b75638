#include "orchestrator/process_driver.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "orchestrator/proc_stat.h"
#include "orchestrator/spawn.h"

namespace capstan::orchestrator {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Polls `done` until it holds or `timeout` passes: robust on a loaded machine, fast otherwise.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Gone(int pid) {
  auto stat = ReadProcStat(pid);
  return !stat.ok() || stat->state == 'Z' || stat->state == 'X';
}

class ProcessDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("capstan-pd-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  static ContainerLaunch Shell(const std::string& name, const std::string& script) {
    ContainerLaunch c;
    c.name = name;
    c.command = {"/bin/sh", "-c", script};
    return c;
  }
  LaunchSpec Spec(const std::string& id, std::vector<ContainerLaunch> containers) {
    LaunchSpec spec;
    spec.task_id = id;
    spec.containers = std::move(containers);
    return spec;
  }
  static ContainerStatus WaitExit(ProcessDriver& driver, const TaskHandle& h, std::size_t i = 0) {
    ContainerStatus last;
    WaitFor([&] {
      last = driver.Inspect(h).at(i);
      return last.state == ContainerState::kExited;
    });
    return last;
  }

  fs::path base_;
};

// Kills what a test started even when an assertion returns early (Cleanup() SIGKILLs).
struct CleanupGuard {
  ProcessDriver& driver;
  TaskHandle handle;
  ~CleanupGuard() { (void)driver.Cleanup(handle); }
};

TEST_F(ProcessDriverTest, RunsWithExactEnvironmentWorkingDirAndCapturesBothStreams) {
  ProcessDriver driver(base_.string());
  ContainerLaunch c = Shell("main",
                            "echo \"FOO=$FOO\"; echo \"HOME=${HOME-unset}\"; echo \"PATH=$PATH\"; "
                            "echo \"TASK=$CAPSTAN_TASK_ID\"; pwd; echo oops >&2");
  c.env = {{"FOO", "bar baz"}};
  auto h = driver.Start(Spec("env-task", {c}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->driver, "process");
  ASSERT_EQ(h->containers.size(), 1u);
  EXPECT_GT(h->containers[0].pid, 0);
  EXPECT_GT(h->containers[0].start_time_ticks, 0u);
  ContainerStatus st;
  ASSERT_TRUE(WaitFor([&] {
    st = driver.Inspect(*h)[0];
    return st.state == ContainerState::kExited;
  }));
  EXPECT_EQ(st.exit_code, 0);
  EXPECT_EQ(st.signal, 0);
  std::string log = Read(base_ / "env-task" / "logs" / "main.log");
  EXPECT_NE(log.find("FOO=bar baz\n"), std::string::npos) << log;
  EXPECT_NE(log.find("HOME=unset\n"), std::string::npos) << "nothing inherited: " << log;
  EXPECT_NE(log.find(std::string("PATH=") + kDefaultPath + "\n"), std::string::npos) << log;
  EXPECT_NE(log.find("TASK=env-task\n"), std::string::npos) << log;
  EXPECT_NE(log.find((base_ / "env-task").string() + "\n"), std::string::npos) << log;
  EXPECT_NE(log.find("oops\n"), std::string::npos) << "stderr goes to the same log: " << log;
  auto logs = driver.Logs(*h, "main", 5);
  ASSERT_TRUE(logs.ok());
  EXPECT_EQ(*logs, "oops\n");
  ASSERT_TRUE(driver.Cleanup(*h).ok());
}

TEST_F(ProcessDriverTest, ResolvesCommandThroughTheTasksPathAndUsesArgsAlone) {
  ProcessDriver driver(base_.string());
  ContainerLaunch c;
  c.name = "main";
  c.args = {"sh", "-c", "echo hi from args"};  // no command: args[0] is the program
  c.env = {{"PATH", "/nonexistent:/bin:/usr/bin"}};
  c.working_dir = base_.string();
  auto h = driver.Start(Spec("args-task", {c}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  WaitFor([&] { return driver.Inspect(*h)[0].state == ContainerState::kExited; });
  EXPECT_NE(Read(base_ / "args-task" / "logs" / "main.log").find("hi from args"),
            std::string::npos);
  ASSERT_TRUE(driver.Cleanup(*h).ok());
}

TEST_F(ProcessDriverTest, RecordsExitCodeAndSignal) {
  ProcessDriver driver(base_.string());
  auto h = driver.Start(Spec("codes", {Shell("seven", "exit 7"), Shell("nine", "kill -9 $$")}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  std::vector<ContainerStatus> st;
  ASSERT_TRUE(WaitFor([&] {
    st = driver.Inspect(*h);
    return st[0].state == ContainerState::kExited && st[1].state == ContainerState::kExited;
  }));
  EXPECT_EQ(st[0].exit_code, 7);
  EXPECT_EQ(st[0].signal, 0);
  EXPECT_EQ(st[1].signal, SIGKILL);
  // Reaped once, reported the same way afterwards.
  EXPECT_EQ(driver.Inspect(*h)[0].exit_code, 7);
  ASSERT_TRUE(driver.Cleanup(*h).ok());
}

TEST_F(ProcessDriverTest, ExecFailureIsAClearErrorAndLeavesNothingRunning) {
  ProcessDriver driver(base_.string());
  ContainerLaunch missing;
  missing.name = "missing";
  missing.command = {"no-such-program-capstan"};
  auto first = Shell("first", "echo $$ > first.pid; exec sleep 60");
  auto h = driver.Start(Spec("fail", {first, missing}));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), model::ErrorCode::kNotFound);
  EXPECT_NE(h.status().message().find("no-such-program-capstan"), std::string::npos)
      << h.status().message();
  // The first container was started, then killed with its group.
  fs::path pid_file = base_ / "fail" / "first.pid";
  if (WaitFor([&] { return fs::exists(pid_file) && fs::file_size(pid_file) > 0; }, 500ms)) {
    int pid = std::stoi(Read(pid_file));
    EXPECT_TRUE(WaitFor([&] { return Gone(pid); })) << "first container left running";
  }

  ContainerLaunch not_exec;
  not_exec.name = "x";
  not_exec.command = {"/etc/hostname"};
  auto h2 = driver.Start(Spec("fail2", {not_exec}));
  ASSERT_FALSE(h2.ok());
  EXPECT_NE(h2.status().message().find("/etc/hostname"), std::string::npos);

  ContainerLaunch bad_dir = Shell("x", "true");
  bad_dir.working_dir = (base_ / "does-not-exist").string();
  auto h3 = driver.Start(Spec("fail3", {bad_dir}));
  ASSERT_FALSE(h3.ok());
  EXPECT_NE(h3.status().message().find("chdir"), std::string::npos) << h3.status().message();
}

TEST_F(ProcessDriverTest, LogIsCappedByCopyTruncateAndAppendsContinue) {
  ProcessDriver driver(base_.string());
  LaunchSpec spec =
      Spec("logs", {Shell("main",
                          "i=0; while [ $i -lt 300 ]; do echo 123456789; i=$((i+1)); "
                          "done; while [ ! -e go ]; do sleep 0.01; done; echo after")});
  spec.max_log_bytes = 1000;
  auto h = driver.Start(spec);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  fs::path log = base_ / "logs" / "logs" / "main.log";
  ASSERT_TRUE(WaitFor([&] { return fs::exists(log) && fs::file_size(log) >= 3000; }));
  driver.Inspect(*h);  // rotates
  EXPECT_EQ(fs::file_size(log), 0u);
  ASSERT_TRUE(fs::exists(log.string() + ".1"));
  EXPECT_EQ(fs::file_size(log.string() + ".1"), 1000u) << "only the tail is kept";
  std::ofstream(base_ / "logs" / "go") << "";
  EXPECT_EQ(WaitExit(driver, *h).exit_code, 0);
  EXPECT_EQ(Read(log), "after\n") << "O_APPEND writes land at the start of the truncated file";
  auto tail = driver.Logs(*h, "main", 16);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(*tail, "123456789\nafter\n") << "the tail spans the rotated file";
  ASSERT_TRUE(driver.Cleanup(*h).ok());
}

TEST_F(ProcessDriverTest, SigtermIgnoringProcessSurvivesStopUntilKill) {
  ProcessDriver driver(base_.string());
  ContainerLaunch c;
  c.name = "server";
  c.command = {CAPSTAN_TEST_SERVER, "--ignore-sigterm", "--port", "0", "--port-file", "port"};
  auto h = driver.Start(Spec("stubborn", {c}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  CleanupGuard guard{driver, *h};
  // Once it listens, its SIGTERM disposition is in place.
  ASSERT_TRUE(WaitFor([&] { return fs::exists(base_ / "stubborn" / "port"); }));
  ASSERT_TRUE(driver.Stop(*h).ok());
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(driver.Inspect(*h)[0].state, ContainerState::kRunning);
  ASSERT_TRUE(driver.Kill(*h).ok());
  ContainerStatus st;
  ASSERT_TRUE(WaitFor([&] {
    st = driver.Inspect(*h)[0];
    return st.state == ContainerState::kExited;
  }));
  EXPECT_EQ(st.signal, SIGKILL);
  ASSERT_TRUE(driver.Cleanup(*h).ok());
}

TEST_F(ProcessDriverTest, StopSignalsTheWholeProcessGroup) {
  ProcessDriver driver(base_.string());
  auto h = driver.Start(Spec("group", {Shell("main", "sleep 60 & echo $! > child.pid; wait")}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  CleanupGuard guard{driver, *h};
  fs::path pid_file = base_ / "group" / "child.pid";
  ASSERT_TRUE(WaitFor([&] { return fs::exists(pid_file) && fs::file_size(pid_file) > 0; }));
  int child = std::stoi(Read(pid_file));
  auto child_stat = ReadProcStat(child);
  ASSERT_TRUE(child_stat.ok());
  EXPECT_EQ(child_stat->pgid, h->containers[0].pid) << "own process group";
  EXPECT_EQ(child_stat->session, h->containers[0].pid) << "own session";
  ASSERT_TRUE(driver.Kill(*h).ok());
  EXPECT_TRUE(WaitFor([&] { return Gone(child); })) << "the grandchild survived the group kill";
  EXPECT_EQ(WaitExit(driver, *h).state, ContainerState::kExited);
  ASSERT_TRUE(driver.Cleanup(*h).ok());
}

TEST_F(ProcessDriverTest, AdoptAfterRestartFindsRunningTaskAndRejectsWrongStartTime) {
  TaskHandle handle;
  {
    ProcessDriver before(base_.string());
    auto h = before.Start(Spec("adopt", {Shell("main", "echo started; exec sleep 60")}));
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    handle = *h;
  }  // the daemon "restarts": the driver is gone, the process is not
  ProcessDriver after(base_.string());
  CleanupGuard guard{after, handle};
  ASSERT_TRUE(after.Adopt(handle));
  EXPECT_EQ(after.Inspect(handle)[0].state, ContainerState::kRunning);
  ASSERT_TRUE(WaitFor([&] {
    auto logs = after.Logs(handle, "main", 100);
    return logs.ok() && *logs == "started\n";
  }));

  TaskHandle impostor = handle;
  impostor.containers[0].start_time_ticks += 1;
  EXPECT_FALSE(after.Adopt(impostor)) << "a recycled pid is not ours";
  EXPECT_EQ(after.Inspect(impostor)[0].state, ContainerState::kExited);
  ASSERT_TRUE(after.Stop(impostor).ok());  // must not signal a process that is not ours
  EXPECT_EQ(after.Inspect(handle)[0].state, ContainerState::kRunning);

  ASSERT_TRUE(after.Kill(handle).ok());
  ContainerStatus st;
  ASSERT_TRUE(WaitFor([&] {
    st = after.Inspect(handle)[0];
    return st.state == ContainerState::kExited;
  }));
  EXPECT_FALSE(after.Adopt(handle)) << "a dead task is not adopted";
  ASSERT_TRUE(after.Cleanup(handle).ok());
}

TEST_F(ProcessDriverTest, VolumesFilesSecretsAndMountRules) {
  ProcessDriver driver(base_.string());
  LaunchSpec spec;
  spec.task_id = "vols";
  VolumeLaunch config{"config", model::VolumeType::kConfigMap, "", {{"app.conf", "x=1\n", 0644}}};
  VolumeLaunch secret{"db-secret", model::VolumeType::kSecret, "", {{"password", "hunter2", 0644}}};
  VolumeLaunch scratch{"scratch", model::VolumeType::kEmptyDir, "", {}};
  VolumeLaunch host{"host", model::VolumeType::kHostPath, base_.string(), {}};
  spec.volumes = {config, secret, scratch, host};
  ContainerLaunch c = Shell("main",
                            "cat \"$CAPSTAN_VOLUME_CONFIG/app.conf\"; "
                            "cat \"$CAPSTAN_VOLUME_DB_SECRET/password\"; echo; "
                            "echo \"HOST=$CAPSTAN_VOLUME_HOST\"; cat etc/app/app.conf");
  c.mounts = {{"config", "etc/app", "", true},
              {"db-secret", "/etc/secret", "", true},
              {"scratch", "/tmp/scratch", "", false},
              {"host", "/host", "", false}};
  spec.containers = {c};
  auto h = driver.Start(spec);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(WaitExit(driver, *h).exit_code, 0);
  fs::path task = base_ / "vols";
  std::string log = Read(task / "logs" / "main.log");
  EXPECT_EQ(log, "x=1\nhunter2\nHOST=" + base_.string() + "\nx=1\n");
  struct stat st;
  ASSERT_EQ(::stat((task / "volumes" / "db-secret" / "password").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400u);
  ASSERT_EQ(::stat((task / "volumes" / "db-secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(fs::is_directory(task / "volumes" / "scratch"));
  EXPECT_TRUE(fs::is_symlink(task / "etc" / "app")) << "relative mount path becomes a symlink";
  EXPECT_FALSE(fs::exists("/etc/secret/password"));

  ASSERT_TRUE(driver.Cleanup(*h).ok());
  EXPECT_FALSE(fs::exists(task / "volumes")) << "secrets do not outlive the task";
  EXPECT_TRUE(fs::exists(task / "logs" / "main.log")) << "logs do";
  EXPECT_TRUE(driver.Cleanup(*h).ok()) << "idempotent";
}

TEST_F(ProcessDriverTest, RejectsPathEscapes) {
  ProcessDriver driver(base_.string());
  LaunchSpec spec = Spec("esc", {Shell("main", "true")});
  spec.volumes = {{"v", model::VolumeType::kConfigMap, "", {{"../../evil", "x", 0644}}}};
  EXPECT_EQ(driver.Start(spec).status().code(), model::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(driver.Start(Spec("../up", {Shell("main", "true")})).ok());
}

TEST_F(ProcessDriverTest, PortsBecomeEnvironment) {
  ProcessDriver driver(base_.string());
  ContainerLaunch c = Shell("main", "echo \"$PORT $PORT_METRICS_HTTP\"");
  c.ports = {{"http", 8080, 31001, "TCP"}, {"metrics-http", 9090, 31002, "TCP"}};
  auto h = driver.Start(Spec("ports", {c}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  WaitExit(driver, *h);
  EXPECT_EQ(Read(base_ / "ports" / "logs" / "main.log"), "31001 31002\n");
  ASSERT_TRUE(driver.Cleanup(*h).ok());
}

TEST_F(ProcessDriverTest, LimitsAreBestEffortWithoutCgroups) {
  fs::create_directories(base_ / "fake-cgroup");  // no hierarchy in it
  CgroupManager none = CgroupManager::Detect((base_ / "fake-cgroup").string());
  ProcessDriver driver(base_.string(), &none);
  EXPECT_FALSE(driver.EnforcesLimits());
  ContainerLaunch c = Shell("main", "true");
  c.resources.memory_limit_bytes = 64 << 20;
  auto h = driver.Start(Spec("nolimits", {c}));
  ASSERT_TRUE(h.ok()) << "a missing cgroup tree must not fail the task";
  EXPECT_EQ(WaitExit(driver, *h).exit_code, 0);
  ASSERT_TRUE(driver.Cleanup(*h).ok());
}

TEST_F(ProcessDriverTest, ProcessesJoinTheTaskCgroupOnAFakeV2Tree) {
  fs::path root = base_ / "cg";
  fs::create_directories(root);
  std::ofstream(root / "cgroup.controllers") << "cpu memory\n";
  CgroupManager cg = CgroupManager::Detect(root.string());
  ASSERT_TRUE(cg.available()) << cg.reason();
  ProcessDriver driver(base_.string(), &cg);
  EXPECT_TRUE(driver.EnforcesLimits());
  ContainerLaunch c = Shell("main", "true");
  c.resources.memory_limit_bytes = 32 << 20;
  c.resources.cpu_limit_millis = 500;
  auto h = driver.Start(Spec("limited", {c}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(Read(root / "capstan" / "limited" / "memory.max"), std::to_string(32 << 20));
  EXPECT_EQ(Read(root / "capstan" / "limited" / "cpu.max"), "50000 100000");
  EXPECT_EQ(Read(root / "capstan" / "limited" / "cgroup.procs"),
            std::to_string(h->containers[0].pid))
      << "the child wrote its own pid before exec";
  WaitExit(driver, *h);
  ASSERT_TRUE(driver.Cleanup(*h).ok());
}

TEST_F(ProcessDriverTest, RealCgroupV1MemoryLimitWhenThisMachineAllowsIt) {
  if (::geteuid() != 0 || !fs::exists("/sys/fs/cgroup/memory/cgroup.procs") ||
      fs::exists("/sys/fs/cgroup/cgroup.controllers")) {
    GTEST_SKIP() << "needs root and a cgroup v1 memory hierarchy";
  }
  std::string parent = "capstan-test-" + std::to_string(::getpid());
  CgroupManager cg = CgroupManager::Detect("/sys/fs/cgroup", parent);
  if (!cg.available()) GTEST_SKIP() << cg.reason();
  {
    ProcessDriver driver(base_.string(), &cg);
    ContainerLaunch c = Shell("main", "cat /proc/self/cgroup; sleep 60");
    c.resources.memory_limit_bytes = 64 << 20;
    auto h = driver.Start(Spec("real", {c}));
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    CleanupGuard guard{driver, *h};
    std::string dir = "/sys/fs/cgroup/memory/" + parent + "/real";
    EXPECT_EQ(Read(dir + "/memory.limit_in_bytes"), std::to_string(64 << 20) + "\n");
    EXPECT_TRUE(WaitFor([&] {
      return Read(base_ / "real" / "logs" / "main.log").find("/" + parent + "/real") !=
             std::string::npos;
    })) << Read(base_ / "real" / "logs" / "main.log");
    ASSERT_TRUE(driver.Kill(*h).ok());
    WaitExit(driver, *h);
    ASSERT_TRUE(driver.Cleanup(*h).ok());
    EXPECT_TRUE(WaitFor([&] {
      driver.Inspect(*h);  // retries the removal of the emptied group
      return !fs::exists(dir);
    }));
  }
  ::rmdir(("/sys/fs/cgroup/memory/" + parent).c_str());
  ::rmdir(("/sys/fs/cgroup/cpu/" + parent + "/real").c_str());
  ::rmdir(("/sys/fs/cgroup/cpu/" + parent).c_str());
}

// dependsOn (the shape init containers take): a waiting container is spawned by Inspect() once
// its conditions hold, and its pid is reported then.
TEST_F(ProcessDriverTest, ContainersWaitForTheirDependsOnConditions) {
  ProcessDriver driver(base_.string());
  ContainerLaunch init = Shell("init", "sleep 0.3; echo init > order.txt");
  init.essential = false;
  ContainerLaunch main = Shell("main", "echo main >> order.txt; sleep 30");
  main.depends_on = {{"init", model::DependencyCondition::kSuccess}};
  ContainerLaunch side = Shell("side", "echo side >> side.txt; sleep 30");
  side.depends_on = {{"main", model::DependencyCondition::kStart}};
  auto h = driver.Start(Spec("dep", {main, init, side}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  CleanupGuard guard{driver, *h};
  EXPECT_EQ(h->containers[0].pid, 0);  // main waits
  EXPECT_GT(h->containers[1].pid, 0);
  auto st = driver.Inspect(*h);
  EXPECT_EQ(st[0].state, ContainerState::kWaiting);
  EXPECT_EQ(st[2].state, ContainerState::kWaiting);
  ContainerStatus main_status;
  ASSERT_TRUE(WaitFor([&] {
    st = driver.Inspect(*h);
    if (st[0].pid != 0) main_status = st[0];
    return st[0].state == ContainerState::kRunning && st[2].state == ContainerState::kRunning;
  }));
  // main started after init's success; side (START of main) in the same pass.
  EXPECT_GT(main_status.pid, 0);
  EXPECT_EQ(main_status.state, ContainerState::kRunning);
  EXPECT_TRUE(WaitFor([&] { return Read(base_ / "dep" / "order.txt") == "init\nmain\n"; }))
      << Read(base_ / "dep" / "order.txt");
  // Stop() reaches the late-started processes through the handle the driver gave back.
  ASSERT_TRUE(driver.Stop(*h).ok());
  EXPECT_TRUE(WaitFor([&] {
    st = driver.Inspect(*h);
    return st[0].state == ContainerState::kExited && st[2].state == ContainerState::kExited;
  }));
  EXPECT_EQ(st[0].signal, SIGTERM);
}

TEST_F(ProcessDriverTest, ADependencyThatCanNeverHoldEndsTheWaitingContainer) {
  ProcessDriver driver(base_.string());
  ContainerLaunch init = Shell("init", "exit 4");
  init.essential = false;
  ContainerLaunch main = Shell("main", "touch started; sleep 30");
  main.depends_on = {{"init", model::DependencyCondition::kSuccess}};
  auto h = driver.Start(Spec("never", {main, init}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  CleanupGuard guard{driver, *h};
  ContainerStatus st = WaitExit(driver, *h, 0);
  EXPECT_EQ(st.state, ContainerState::kExited);
  EXPECT_EQ(st.exit_code, -1);
  EXPECT_NE(st.message.find("dependency init did not succeed (exit code 4)"), std::string::npos)
      << st.message;
  EXPECT_FALSE(fs::exists(base_ / "never" / "started"));
}

TEST_F(ProcessDriverTest, WaitingContainersNeverStartOnceTheTaskIsStopping) {
  ProcessDriver driver(base_.string());
  ContainerLaunch init = Shell("init", "sleep 0.2");
  init.essential = false;
  ContainerLaunch main = Shell("main", "touch started; sleep 30");
  main.depends_on = {{"init", model::DependencyCondition::kComplete}};
  auto h = driver.Start(Spec("stopping", {main, init}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  CleanupGuard guard{driver, *h};
  ASSERT_TRUE(driver.Stop(*h).ok());
  EXPECT_EQ(WaitExit(driver, *h, 1).state, ContainerState::kExited);
  auto st = driver.Inspect(*h);
  EXPECT_EQ(st[0].state, ContainerState::kExited);
  EXPECT_EQ(st[0].message, "never started");
  EXPECT_FALSE(fs::exists(base_ / "stopping" / "started"));
}

// Kubernetes 1.29+: a sidecar is stopped after the main containers.
TEST_F(ProcessDriverTest, SidecarsGetSigtermOnlyAfterTheOtherContainersExited) {
  ProcessDriver driver(base_.string());
  ContainerLaunch main = Shell("main",
                               "trap 'sleep 0.3; echo main >> order.txt; exit 0' TERM; "
                               "sleep 30 & wait");
  ContainerLaunch side = Shell("proxy",
                               "trap 'echo proxy >> order.txt; exit 0' TERM; "
                               "sleep 30 & wait");
  side.sidecar = true;
  auto h = driver.Start(Spec("sidecar", {main, side}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  CleanupGuard guard{driver, *h};
  std::this_thread::sleep_for(200ms);  // both shells have set their traps
  ASSERT_TRUE(driver.Stop(*h).ok());
  std::vector<ContainerStatus> st;
  ASSERT_TRUE(WaitFor([&] {
    st = driver.Inspect(*h);
    return st[0].state == ContainerState::kExited && st[1].state == ContainerState::kExited;
  }));
  EXPECT_EQ(Read(base_ / "sidecar" / "order.txt"), "main\nproxy\n");
}

}  // namespace
}  // namespace capstan::orchestrator
