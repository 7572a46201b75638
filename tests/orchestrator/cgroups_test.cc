#include "orchestrator/cgroups.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace capstan::orchestrator {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CgroupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("capstan-cgroups-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(root_, fs::perms::owner_all, ec);
    fs::remove_all(root_, ec);
  }
  fs::path root_;
};

TEST_F(CgroupsTest, NoHierarchyMeansNotAvailable) {
  CgroupManager m = CgroupManager::Detect(root_.string());
  EXPECT_EQ(m.version(), CgroupVersion::kNone);
  EXPECT_FALSE(m.available());
  EXPECT_NE(m.reason().find("no cgroup hierarchy"), std::string::npos);
  EXPECT_FALSE(m.CreateTaskGroup("t", {}).ok());
}

TEST_F(CgroupsTest, V2WritesMemoryMaxAndCpuMax) {
  std::ofstream(root_ / "cgroup.controllers") << "cpuset cpu io memory pids\n";
  CgroupManager m = CgroupManager::Detect(root_.string(), "capstan");
  ASSERT_EQ(m.version(), CgroupVersion::kV2) << m.reason();
  EXPECT_NE(Read(root_ / "capstan" / "cgroup.subtree_control").find("+memory"), std::string::npos);
  auto procs = m.CreateTaskGroup("task-1", {/*cpu*/ 250, /*memory*/ 64 << 20});
  ASSERT_TRUE(procs.ok()) << procs.status().ToString();
  ASSERT_EQ(procs->size(), 1u);
  EXPECT_EQ((*procs)[0], (root_ / "capstan" / "task-1" / "cgroup.procs").string());
  EXPECT_EQ(Read(root_ / "capstan" / "task-1" / "memory.max"), std::to_string(64 << 20));
  EXPECT_EQ(Read(root_ / "capstan" / "task-1" / "cpu.max"), "25000 100000");
  std::ofstream(root_ / "capstan" / "task-1" / "memory.events")
      << "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n";
  EXPECT_EQ(m.OomKills("task-1"), 1);
  EXPECT_FALSE(m.CreateTaskGroup("../escape", {}).ok());
}

TEST_F(CgroupsTest, V1WritesLimitInBytesAndCfsQuota) {
  fs::create_directories(root_ / "memory");
  fs::create_directories(root_ / "cpu");
  CgroupManager m = CgroupManager::Detect(root_.string(), "capstan");
  ASSERT_EQ(m.version(), CgroupVersion::kV1) << m.reason();
  auto procs = m.CreateTaskGroup("task-1", {1500, 1 << 30});
  ASSERT_TRUE(procs.ok()) << procs.status().ToString();
  ASSERT_EQ(procs->size(), 2u);
  EXPECT_EQ(Read(root_ / "memory" / "capstan" / "task-1" / "memory.limit_in_bytes"),
            std::to_string(1 << 30));
  EXPECT_EQ(Read(root_ / "cpu" / "capstan" / "task-1" / "cpu.cfs_quota_us"), "150000");
  EXPECT_EQ(Read(root_ / "cpu" / "capstan" / "task-1" / "cpu.cfs_period_us"), "100000");
}

TEST_F(CgroupsTest, UnsetLimitsWriteNothing) {
  fs::create_directories(root_ / "memory");
  CgroupManager m = CgroupManager::Detect(root_.string(), "capstan");
  ASSERT_TRUE(m.available());
  ASSERT_TRUE(m.CreateTaskGroup("t", {}).ok());
  EXPECT_FALSE(fs::exists(root_ / "memory" / "capstan" / "t" / "memory.limit_in_bytes"));
  EXPECT_TRUE(m.RemoveTaskGroup("t").ok());
  EXPECT_FALSE(fs::exists(root_ / "memory" / "capstan" / "t"));
  EXPECT_TRUE(m.RemoveTaskGroup("t").ok()) << "idempotent";
}

TEST_F(CgroupsTest, UnwritableTreeIsNotAvailableWithAReason) {
  // A file where the parent group should be: mkdir fails even for root.
  fs::create_directories(root_ / "memory");
  std::ofstream(root_ / "memory" / "capstan") << "";
  CgroupManager m = CgroupManager::Detect(root_.string(), "capstan");
  EXPECT_FALSE(m.available());
  EXPECT_NE(m.reason().find("not writable"), std::string::npos);
}

}  // namespace
}  // namespace capstan::orchestrator
