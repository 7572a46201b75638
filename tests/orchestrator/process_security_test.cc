// securityContext and ulimits for plain processes: the plan (pure, any daemon) and real children
// (rlimits, uid/gid, no_new_privs, capabilities) read back from the child itself.
#include "orchestrator/process_security.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "orchestrator/process_driver.h"

namespace capstan::orchestrator {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

UserDirectory Users() {
  UserDirectory d;
  d.user_by_name = [](const std::string& n) -> std::optional<UserDirectory::Passwd> {
    if (n == "app") return UserDirectory::Passwd{1500, 1600};
    return std::nullopt;
  };
  d.user_by_id = [](std::int64_t uid) -> std::optional<UserDirectory::Passwd> {
    if (uid == 1500) return UserDirectory::Passwd{1500, 1600};
    return std::nullopt;
  };
  d.group_by_name = [](const std::string& n) -> std::optional<std::int64_t> {
    if (n == "staff") return 50;
    return std::nullopt;
  };
  return d;
}

HostPrivileges Root() {
  HostPrivileges h;
  h.root = true;
  h.uid = 0;
  h.gid = 0;
  return h;
}

HostPrivileges Unprivileged() {
  HostPrivileges h;
  h.root = false;
  h.uid = 1000;
  h.gid = 1000;
  return h;
}

ContainerLaunch Container() {
  ContainerLaunch c;
  c.name = "web";
  c.command = {"/bin/true"};
  return c;
}

TEST(PlanProcessSecurity, IdentityFromRunAsUserOrUserField) {
  struct Case {
    std::optional<std::int64_t> run_as_user, run_as_group;
    std::string user;
    std::uint32_t uid, gid;
  };
  const Case cases[] = {
      {1000, 2000, "", 1000, 2000},
      {1500, std::nullopt, "", 1500, 1600},  // primary group from the node's passwd
      {4242, std::nullopt, "", 4242, 0},     // unknown uid: group root, as Kubernetes
      {std::nullopt, std::nullopt, "1200:1300", 1200, 1300},
      {std::nullopt, std::nullopt, "app", 1500, 1600},
      {std::nullopt, std::nullopt, "app:staff", 1500, 50},
      {std::nullopt, 77, "app", 1500, 77},
      {1000, std::nullopt, "app", 1000, 0},  // runAsUser wins over `user`
  };
  for (const auto& c : cases) {
    ContainerLaunch l = Container();
    l.security.run_as_user = c.run_as_user;
    l.security.run_as_group = c.run_as_group;
    l.user = c.user;
    auto plan = PlanProcessSecurity(l, Root(), Users());
    ASSERT_TRUE(plan.ok()) << c.user << ": " << plan.status().ToString();
    EXPECT_TRUE(plan->spawn.change_ids) << c.user;
    EXPECT_EQ(plan->spawn.uid, c.uid) << c.user;
    EXPECT_EQ(plan->spawn.gid, c.gid) << c.user;
    EXPECT_EQ(plan->spawn.groups, std::vector<std::uint32_t>{c.gid}) << c.user;
  }
  ContainerLaunch nobody = Container();
  nobody.user = "ghost";
  auto plan = PlanProcessSecurity(nobody, Root(), Users());
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("user \"ghost\" not found"), std::string::npos);
}

TEST(PlanProcessSecurity, NonRootDaemonRefusesUidChangeAndPrivilegedSayingWhy) {
  ContainerLaunch l = Container();
  l.security.run_as_user = 2000;
  auto plan = PlanProcessSecurity(l, Unprivileged(), Users());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), model::ErrorCode::kPermissionDenied);
  EXPECT_NE(plan.status().message().find("needs the daemon to run as root"), std::string::npos);
  EXPECT_NE(plan.status().message().find("container driver"), std::string::npos);

  // Its own uid and gid are no change.
  l.security.run_as_user = 1000;
  l.security.run_as_group = 1000;
  plan = PlanProcessSecurity(l, Unprivileged(), Users());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_FALSE(plan->spawn.change_ids);

  ContainerLaunch p = Container();
  p.security.privileged = true;
  plan = PlanProcessSecurity(p, Unprivileged(), Users());
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("privileged"), std::string::npos);
}

TEST(PlanProcessSecurity, RunAsNonRootJudgesTheEffectiveUid) {
  ContainerLaunch l = Container();
  l.security.run_as_non_root = true;
  auto plan = PlanProcessSecurity(l, Root(), Users());  // would run as the daemon: root
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("container has runAsNonRoot and image will run as root"),
            std::string::npos);
  EXPECT_TRUE(PlanProcessSecurity(l, Unprivileged(), Users()).ok());
  l.security.run_as_user = 1000;
  EXPECT_TRUE(PlanProcessSecurity(l, Root(), Users()).ok());
  l.security.run_as_user = 0;
  plan = PlanProcessSecurity(l, Unprivileged(), Users());
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("runAsUser breaks non-root policy"), std::string::npos);
}

TEST(PlanProcessSecurity, CapabilitiesUlimitsAndWhatIsNotEnforced) {
  ContainerLaunch l = Container();
  l.security.capabilities_drop = {"ALL"};
  l.security.capabilities_add = {"NET_BIND_SERVICE", "cap_chown"};
  l.security.allow_privilege_escalation = false;
  l.security.read_only_root_filesystem = true;
  l.ulimits = {{"nofile", 100, 200}, {"core", 0, -1}};
  auto plan = PlanProcessSecurity(l, Root(), Users());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->spawn.drop_capabilities.size(), 41u - 2u);
  for (int cap : plan->spawn.drop_capabilities) {
    EXPECT_NE(cap, 10) << "NET_BIND_SERVICE is added back";
    EXPECT_NE(cap, 0) << "CHOWN is added back";
  }
  EXPECT_TRUE(plan->spawn.no_new_privs);
  ASSERT_EQ(plan->spawn.rlimits.size(), 2u);
  EXPECT_EQ(plan->spawn.rlimits[0].soft, 100u);
  EXPECT_EQ(plan->spawn.rlimits[1].hard, static_cast<std::uint64_t>(RLIM_INFINITY));
  EXPECT_EQ(plan->not_enforced, std::vector<std::string>{"readOnlyRootFilesystem"});
  EXPECT_FALSE(plan->spawn.change_ids);

  plan = PlanProcessSecurity(l, Unprivileged(), Users());
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->spawn.drop_capabilities.empty());
  EXPECT_EQ(plan->not_enforced,
            (std::vector<std::string>{"readOnlyRootFilesystem", "capabilities.drop",
                                      "capabilities.add"}));

  for (auto bad : {std::vector<model::Ulimit>{{"files", 1, 1}},
                   std::vector<model::Ulimit>{{"nofile", 10, 5}}}) {
    ContainerLaunch u = Container();
    u.ulimits = bad;
    EXPECT_FALSE(PlanProcessSecurity(u, Root(), Users()).ok()) << bad[0].name;
  }
  ContainerLaunch unknown = Container();
  unknown.security.capabilities_drop = {"FLY"};
  auto p = PlanProcessSecurity(unknown, Root(), Users());
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("unknown capability \"FLY\""), std::string::npos);
}

// Real children: each prints what the kernel says about itself.
class ProcessSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("capstan-psec-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_);
    fs::permissions(base_, fs::perms::all);  // a child of another uid reaches its task dir
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  // Runs `script` with `c`'s security and returns its log once it exited.
  std::string Run(ContainerLaunch c, const std::string& script, int* exit_code = nullptr) {
    ProcessDriver driver(base_.string());
    c.name = "main";
    c.command = {"/bin/sh", "-c", script};
    LaunchSpec spec;
    spec.task_id = "t" + std::to_string(++runs_);
    spec.containers = {c};
    auto h = driver.Start(spec);
    if (!h.ok()) return "start failed: " + h.status().message();
    ContainerStatus st;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      st = driver.Inspect(*h).at(0);
      if (st.state == ContainerState::kExited) break;
      std::this_thread::sleep_for(10ms);
    }
    if (exit_code) *exit_code = st.exit_code;
    (void)driver.Cleanup(*h);
    std::ifstream in(base_ / spec.task_id / "logs" / "main.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path base_;
  int runs_ = 0;
};

TEST_F(ProcessSecurityTest, UlimitsAreSetBeforeExec) {
  ContainerLaunch c;
  c.ulimits = {{"nofile", 256, 512}, {"core", 0, 0}};
  std::string log = Run(c, "echo nofile=$(ulimit -Sn)/$(ulimit -Hn) core=$(ulimit -c)");
  EXPECT_EQ(log, "nofile=256/512 core=0\n");
}

TEST_F(ProcessSecurityTest, AllowPrivilegeEscalationFalseSetsNoNewPrivs) {
  ContainerLaunch c;
  c.security.allow_privilege_escalation = false;
  EXPECT_EQ(Run(c, "grep NoNewPrivs /proc/self/status | tr -d ' \\t'"), "NoNewPrivs:1\n");
  ContainerLaunch plain;
  EXPECT_EQ(Run(plain, "grep NoNewPrivs /proc/self/status | tr -d ' \\t'"), "NoNewPrivs:0\n");
}

TEST_F(ProcessSecurityTest, RunsAsTheGivenUserAndGroupWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing uid needs root";
  ContainerLaunch c;
  c.security.run_as_user = 12345;
  c.security.run_as_group = 23456;
  c.security.run_as_non_root = true;
  std::string log = Run(c,
                        "echo $(id -u) $(id -g) $(id -G); grep CapEff /proc/self/status | "
                        "tr -d ' \\t'; touch ./written && echo wrote");
  EXPECT_EQ(log, "12345 23456 23456\nCapEff:0000000000000000\nwrote\n");
}

TEST_F(ProcessSecurityTest, DropAllButAddedCapabilitiesWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "dropping capabilities needs root";
  ContainerLaunch c;
  c.security.capabilities_drop = {"ALL"};
  c.security.capabilities_add = {"NET_BIND_SERVICE"};  // bit 10
  std::string log = Run(c, "grep -E '^Cap(Eff|Prm|Bnd|Inh)' /proc/self/status | tr -d ' \\t'");
  EXPECT_EQ(log,
            "CapInh:0000000000000000\nCapPrm:0000000000000400\nCapEff:0000000000000400\n"
            "CapBnd:0000000000000400\n");
}

TEST_F(ProcessSecurityTest, RunAsNonRootRefusesToStartARootProcess) {
  if (::geteuid() != 0) GTEST_SKIP() << "the daemon is not root here";
  ContainerLaunch c;
  c.security.run_as_non_root = true;
  std::string log = Run(c, "echo ran");
  EXPECT_EQ(log.rfind("start failed: ", 0), 0u) << log;
  EXPECT_NE(log.find("container has runAsNonRoot and image will run as root (container: main)"),
            std::string::npos)
      << log;
}

TEST_F(ProcessSecurityTest, ReadOnlyRootFilesystemIsReportedNotIgnored) {
  ProcessDriver driver(base_.string(), nullptr, Root());
  LaunchSpec spec;
  ContainerLaunch c;
  c.name = "web";
  c.security.read_only_root_filesystem = true;
  c.security.privileged = true;
  spec.containers = {c};
  EXPECT_EQ(driver.SecurityNotEnforced(spec),
            "container web: privileged, readOnlyRootFilesystem not enforced for a plain process "
            "(use the container driver for them)");
  spec.containers[0].security = {};
  EXPECT_EQ(driver.SecurityNotEnforced(spec), "");
}

}  // namespace
}  // namespace capstan::orchestrator
