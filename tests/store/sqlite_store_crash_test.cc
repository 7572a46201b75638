#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"

namespace capstan::store {
namespace {

using testing::QueryText;
using testing::TempDir;

// Large enough that no event is trimmed during the test, so every batch's events are countable.
SqliteStore::Options CrashOptions() { return {.max_events = 10'000'000}; }

std::string BatchId(int round, int index) {
  return std::to_string(round) + "-" + std::to_string(index);
}

// Every batch touches each table, and upserts one shared row, so a half-applied batch shows.
WriteBatch MakeBatch(const std::string& id) {
  WriteBatch batch;
  AppRecord app;
  app.app = "app-" + id;
  app.last_applied_commit = id;
  batch.Put(app);
  TaskRecord task;
  task.task_id = "task-" + id;
  task.host_ports = {1, 2, 3};
  batch.Put(task);
  RevisionRecord revision;
  revision.app = "crash";
  revision.workload = "w";
  revision.revision = id;
  revision.template_json = std::string(512, 'x');  // some bulk, so commits span pages
  batch.Put(revision);
  EventRecord event;
  event.message = id;
  batch.Append(event);
  RolloutRecord rollout;
  rollout.app = "crash";
  rollout.workload = id;
  batch.Put(rollout);
  batch.Append(event);
  AppRecord progress;
  progress.app = "progress";
  progress.last_applied_commit = id;
  batch.Put(progress);
  return batch;
}

// The child: writes batches (round, 0), (round, 1), ... until killed. Tells the parent through
// `ready_fd` once the first batch is committed. Never returns.
[[noreturn]] void WriteUntilKilled(const std::string& path, int round, int ready_fd) {
  auto store = SqliteStore::Open(path, CrashOptions());
  if (!store.ok()) _exit(2);
  for (int i = 0;; ++i) {
    if (!(*store)->Write(MakeBatch(BatchId(round, i))).ok()) _exit(3);
    if (i == 0) {
      char one = 1;
      if (write(ready_fd, &one, 1) != 1) _exit(4);
    }
  }
}

TEST(SqliteStoreCrash, KillNineLeavesOnlyWholeBatches) {
  TempDir dir;
  const std::string path = dir.Sub("state.db");
  constexpr int kKills = 25;
  const unsigned seed = static_cast<unsigned>(::testing::UnitTest::GetInstance()->random_seed());
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_us(0, 20'000);
  std::map<int, int> survived;  // round -> batches committed before the kill
  std::string last_id;

  for (int round = 0; round < kKills; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      WriteUntilKilled(path, round, fds[1]);
    }
    close(fds[1]);
    char ready = 0;
    ssize_t n = read(fds[0], &ready, 1);
    close(fds[0]);
    if (n == 1) std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    kill(pid, SIGKILL);
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    ASSERT_EQ(n, 1) << "the writer died before its first commit, status " << wstatus;
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
        << "the writer failed on its own, exit status " << WEXITSTATUS(wstatus);

    // Integrity first, on a raw connection, before the store's own open does any recovery
    // beyond SQLite's WAL replay.
    ASSERT_EQ(QueryText(path, "PRAGMA integrity_check"), "ok") << "after kill " << round;

    auto opened = SqliteStore::Open(path, CrashOptions());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    SqliteStore& store = **opened;

    std::set<std::string> apps, tasks, revisions, rollouts;
    std::map<std::string, int> events;
    auto app_list = store.ListApps();
    auto task_list = store.ListTasks();
    auto revision_list = store.ListRevisions("crash", "w");
    auto rollout_list = store.ListRollouts();
    auto event_list = store.ListEvents(0, 100'000'000);
    ASSERT_TRUE(app_list.ok() && task_list.ok() && revision_list.ok() && rollout_list.ok() &&
                event_list.ok());
    for (const auto& a : *app_list) {
      if (a.app != "progress") apps.insert(a.last_applied_commit);
    }
    for (const auto& t : *task_list) tasks.insert(t.task_id.substr(5));
    for (const auto& r : *revision_list) revisions.insert(r.revision);
    for (const auto& r : *rollout_list) rollouts.insert(r.workload);
    for (const auto& e : *event_list) events[e.message]++;

    // Every batch is all there or not at all.
    EXPECT_EQ(apps, tasks);
    EXPECT_EQ(apps, revisions);
    EXPECT_EQ(apps, rollouts);
    ASSERT_EQ(events.size(), apps.size());
    for (const auto& [id, count] : events) EXPECT_EQ(count, 2) << id;

    // A committed batch survives a process kill: each round is a prefix 0..k-1, k >= 1.
    int committed = 0;
    while (apps.count(BatchId(round, committed)) > 0) ++committed;
    EXPECT_GE(committed, 1);
    survived[round] = committed;
    for (int r = 0; r <= round; ++r) {
      int expected = survived[r];
      int present = 0;
      for (const auto& id : apps) {
        if (id.rfind(std::to_string(r) + "-", 0) == 0) ++present;
      }
      EXPECT_EQ(present, expected) << "round " << r;
    }
    last_id = BatchId(round, committed - 1);
    // The shared upserted row names the newest committed batch.
    EXPECT_EQ((**store.GetApp("progress")).last_applied_commit, last_id);
    if (HasFatalFailure() || HasFailure()) break;
  }
  int total = 0;
  for (const auto& [round, count] : survived) total += count;
  std::cout << "[ crash ] " << survived.size() << " SIGKILLs, " << total
            << " batches committed, seed " << seed << "\n";
}

}  // namespace
}  // namespace capstan::store
