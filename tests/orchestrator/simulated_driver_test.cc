#include "orchestrator/simulated_driver.h"

#include <gtest/gtest.h>
#include <signal.h>

#include "tests/fakes/fake_clock.h"

namespace capstan::orchestrator {
namespace {

using std::chrono::seconds;

LaunchSpec Spec(const std::string& id, const std::string& image = "app:1",
                std::vector<std::string> command = {"serve"}) {
  LaunchSpec spec;
  spec.task_id = id;
  ContainerLaunch c;
  c.name = "main";
  c.image = image;
  c.command = std::move(command);
  spec.containers.push_back(c);
  return spec;
}

TEST(SimulatedDriver, RunsUntilStoppedAndReportsSigterm) {
  testing::FakeClock clock;
  SimulatedDriver driver(clock);
  auto handle = driver.Start(Spec("t1"));
  ASSERT_TRUE(handle.ok()) << handle.status().ToString();
  EXPECT_EQ(handle->driver, "simulated");
  auto st = driver.Inspect(*handle);
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].name, "main");
  EXPECT_EQ(st[0].state, ContainerState::kRunning);
  ASSERT_TRUE(driver.Stop(*handle).ok());
  st = driver.Inspect(*handle);
  EXPECT_EQ(st[0].state, ContainerState::kExited);
  EXPECT_EQ(st[0].signal, SIGTERM);
  EXPECT_EQ(driver.stops(), 1u);
}

TEST(SimulatedDriver, StartDelayShowsContainerCreating) {
  testing::FakeClock clock;
  SimulatedDriver driver(clock);
  SimulatedBehavior slow;
  slow.start_delay = seconds(5);
  driver.SetDefaultBehavior(slow);
  auto handle = driver.Start(Spec("t1"));
  ASSERT_TRUE(handle.ok());
  EXPECT_EQ(driver.Inspect(*handle)[0].state, ContainerState::kUnknown);
  EXPECT_EQ(driver.Inspect(*handle)[0].message, "ContainerCreating");
  clock.Advance(seconds(5));
  EXPECT_EQ(driver.Inspect(*handle)[0].state, ContainerState::kRunning);
}

TEST(SimulatedDriver, RulesMatchImageOrCommandLine) {
  testing::FakeClock clock;
  SimulatedDriver driver(clock);
  SimulatedBehavior crash;
  crash.exit_after = seconds(3);
  crash.exit_code = 2;
  driver.AddRule("crashy:*", crash);
  SimulatedBehavior broken;
  broken.fail_start = "image not found";
  driver.AddRule("*--broken*", broken);

  auto ok = driver.Start(Spec("ok", "app:1"));
  auto crashing = driver.Start(Spec("c", "crashy:2"));
  auto failing = driver.Start(Spec("b", "app:1", {"serve", "--broken"}));
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE(crashing.ok());
  ASSERT_FALSE(failing.ok());
  EXPECT_NE(failing.status().message().find("image not found"), std::string::npos);
  EXPECT_EQ(driver.TaskCount(), 2u) << "a failed start leaves nothing";

  clock.Advance(seconds(2));
  EXPECT_EQ(driver.Inspect(*crashing)[0].state, ContainerState::kRunning);
  clock.Advance(seconds(1));
  auto st = driver.Inspect(*crashing)[0];
  EXPECT_EQ(st.state, ContainerState::kExited);
  EXPECT_EQ(st.exit_code, 2);
  EXPECT_EQ(st.signal, 0);
  EXPECT_EQ(driver.Inspect(*ok)[0].state, ContainerState::kRunning);
}

TEST(SimulatedDriver, FailNextStartIsOneShot) {
  testing::FakeClock clock;
  SimulatedDriver driver(clock);
  driver.FailNextStart("no capacity");
  EXPECT_FALSE(driver.Start(Spec("a")).ok());
  EXPECT_TRUE(driver.Start(Spec("a")).ok());
}

TEST(SimulatedDriver, IgnoredStopNeedsKill) {
  testing::FakeClock clock;
  SimulatedDriver driver(clock);
  SimulatedBehavior stubborn;
  stubborn.ignore_stop = true;
  driver.SetDefaultBehavior(stubborn);
  auto handle = driver.Start(Spec("t"));
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(driver.Stop(*handle).ok());
  clock.Advance(seconds(30));
  EXPECT_EQ(driver.Inspect(*handle)[0].state, ContainerState::kRunning);
  ASSERT_TRUE(driver.Kill(*handle).ok());
  auto st = driver.Inspect(*handle)[0];
  EXPECT_EQ(st.state, ContainerState::kExited);
  EXPECT_EQ(st.signal, SIGKILL);
}

TEST(SimulatedDriver, StopDelayAndEarliestEndWins) {
  testing::FakeClock clock;
  SimulatedDriver driver(clock);
  SimulatedBehavior b;
  b.stop_delay = seconds(10);
  b.exit_after = seconds(4);
  b.exit_code = 0;
  driver.SetDefaultBehavior(b);
  auto handle = driver.Start(Spec("t"));
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(driver.Stop(*handle).ok());
  clock.Advance(seconds(3));
  EXPECT_EQ(driver.Inspect(*handle)[0].state, ContainerState::kRunning);
  clock.Advance(seconds(1));
  auto st = driver.Inspect(*handle)[0];
  EXPECT_EQ(st.state, ContainerState::kExited);
  EXPECT_EQ(st.exit_code, 0) << "it exited on its own before the stop took effect";
}

TEST(SimulatedDriver, AdoptAndCleanup) {
  testing::FakeClock clock;
  SimulatedDriver driver(clock);
  auto handle = driver.Start(Spec("t"));
  ASSERT_TRUE(handle.ok());
  EXPECT_TRUE(driver.Adopt(*handle));
  TaskHandle other = *handle;
  other.task_id = "nope";
  EXPECT_FALSE(driver.Adopt(other));
  EXPECT_TRUE(driver.Logs(*handle, "main", 1000).ok());
  ASSERT_TRUE(driver.Kill(*handle).ok());
  EXPECT_FALSE(driver.Adopt(*handle)) << "an exited task is not adopted";
  ASSERT_TRUE(driver.Cleanup(*handle).ok());
  ASSERT_TRUE(driver.Cleanup(*handle).ok());  // idempotent
  EXPECT_EQ(driver.TaskCount(), 0u);
  EXPECT_EQ(driver.Inspect(*handle)[0].state, ContainerState::kExited);
}

TEST(SimulatedDriver, TenThousandTasksAreCheap) {
  testing::FakeClock clock;
  SimulatedDriver driver(clock);
  std::vector<TaskHandle> handles;
  for (int i = 0; i < 10000; ++i) {
    auto h = driver.Start(Spec("task-" + std::to_string(i)));
    ASSERT_TRUE(h.ok());
    handles.push_back(std::move(*h));
  }
  EXPECT_EQ(driver.TaskCount(), 10000u);
  std::size_t running = 0;
  for (const auto& h : handles) {
    running += driver.Inspect(h)[0].state == ContainerState::kRunning;
  }
  EXPECT_EQ(running, 10000u);
}

}  // namespace
}  // namespace capstan::orchestrator
