#include "targets/orchestrator_state_store.h"

#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/store/store_test_util.h"

namespace capstan::targets {
namespace {

orchestrator::OrchestratorState OneWorkload() {
  model::TaskTemplate tmpl;
  model::ContainerSpec c;
  c.name = "web";
  c.ports = {{"http", 8080, 0, "TCP"}};
  tmpl.containers.push_back(c);
  orchestrator::WorkloadRecord w;
  w.app = "shop";
  w.name = "web";
  w.history = {{"rev1", tmpl}};
  w.stable_revision = "rev1";
  w.target_revision = "rev1";
  orchestrator::OrchestratorState state;
  state.workloads.push_back(w);
  return state;
}

// A task journalled at its start but killed before its handle was saved was placed: after the
// restart its host ports are reserved again, so no new task is handed a port it still holds.
TEST(OrchestratorStateStore, JournalOnlyTaskIsPlacedWithItsPorts) {
  store::testing::TempDir dir;
  testing::FakeClock clock;
  {
    auto db = store::SqliteStore::Open(dir.Sub("capstan.db"));
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    OrchestratorStateStore states(**db, clock);
    ASSERT_TRUE(states.Load().ok());
    ASSERT_TRUE(states.Save(OneWorkload()).ok());
    states.OnJournal(
        {orchestrator::JournalOp::kStart, "shop-web-rev1-0", "shop", "web", "rev1", 0, {20005}});
  }
  auto db = store::SqliteStore::Open(dir.Sub("capstan.db"));
  ASSERT_TRUE(db.ok());
  OrchestratorStateStore states(**db, clock);
  auto loaded = states.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->tasks.size(), 1u);
  const orchestrator::TaskRecord& t = loaded->tasks[0];
  EXPECT_EQ(t.id, "shop-web-rev1-0");
  EXPECT_TRUE(t.placed);
  EXPECT_EQ(t.node_id, 0);
  EXPECT_EQ(t.host_ports, std::vector<int>{20005});
  EXPECT_FALSE(t.handle.has_value());  // to be found by its task id / labels
}

// Services keep their cluster IPs across a restart; a Service that is gone loses its record.
TEST(OrchestratorStateStore, ClusterIpsSurviveARestartAndLeaveWithTheirService) {
  store::testing::TempDir dir;
  testing::FakeClock clock;
  {
    auto db = store::SqliteStore::Open(dir.Sub("capstan.db"));
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    OrchestratorStateStore states(**db, clock);
    ASSERT_TRUE(states.Load().ok());
    auto state = OneWorkload();
    state.cluster_ips = {{"shop/web", "127.96.3.4"}, {"shop/cache", "127.96.9.9"}};
    ASSERT_TRUE(states.Save(state).ok());
    state.cluster_ips.erase("shop/cache");
    ASSERT_TRUE(states.Save(state).ok());
  }
  auto db = store::SqliteStore::Open(dir.Sub("capstan.db"));
  ASSERT_TRUE(db.ok());
  OrchestratorStateStore states(**db, clock);
  auto loaded = states.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->cluster_ips, (std::map<std::string, std::string>{{"shop/web", "127.96.3.4"}}));
}

// The controller records a revision with its commit when it applies it; the orchestrator's save
// of the same revision must not wipe that commit (`capstan history` showed "-" for every one).
TEST(OrchestratorStateStore, KeepsTheCommitTheControllerRecorded) {
  store::testing::TempDir dir;
  testing::FakeClock clock;
  auto db = store::SqliteStore::Open(dir.Sub("capstan.db"));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  OrchestratorStateStore states(**db, clock);
  ASSERT_TRUE(states.Load().ok());
  store::RevisionRecord controller_record;
  controller_record.app = "shop";
  controller_record.workload = "web";
  controller_record.revision = "rev1";
  controller_record.commit = std::string(40, 'c');
  controller_record.template_json = "{}";
  controller_record.created_at = 123;
  store::WriteBatch batch;
  batch.Put(controller_record);
  ASSERT_TRUE((*db)->Write(batch).ok());

  ASSERT_TRUE(states.Save(OneWorkload()).ok());
  auto revisions = (*db)->ListRevisions("shop", "web");
  ASSERT_TRUE(revisions.ok());
  ASSERT_EQ(revisions->size(), 1u);
  EXPECT_EQ((*revisions)[0].commit, std::string(40, 'c'));
  EXPECT_EQ((*revisions)[0].created_at, 123);
}

// What `capstan history` says about a failed revision depends on what happened to it.
TEST(OrchestratorStateStore, FailureReasonSaysWhatHappened) {
  struct Case {
    std::string stable, target, want;
  };
  for (const Case& c : {Case{"", "rev2", "no earlier revision to roll back to"},
                        Case{"rev1", "rev1", "rolled back to rev1"},
                        Case{"rev1", "rev2", "not rolled back (rollback disabled)"}}) {
    store::testing::TempDir dir;
    testing::FakeClock clock;
    auto db = store::SqliteStore::Open(dir.Sub("capstan.db"));
    ASSERT_TRUE(db.ok());
    OrchestratorStateStore states(**db, clock);
    ASSERT_TRUE(states.Load().ok());
    orchestrator::OrchestratorState state = OneWorkload();
    auto& w = state.workloads[0];
    w.history.push_back({"rev2", w.history[0].second});
    w.failed_revisions = {"rev2"};
    w.stable_revision = c.stable;
    w.target_revision = c.target;
    ASSERT_TRUE(states.Save(state).ok());
    auto revisions = (*db)->ListRevisions("shop", "web");
    ASSERT_TRUE(revisions.ok());
    std::string reason;
    for (const auto& r : *revisions) {
      if (r.revision == "rev2") reason = r.failure_reason;
    }
    EXPECT_EQ(reason, c.want) << "stable " << c.stable << ", target " << c.target;
  }
}

}  // namespace
}  // namespace capstan::targets
